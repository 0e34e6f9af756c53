"""The two parts of history.sh: graph commands at 10,000 revisions, and the build cost of a long
history. history.sh packs the tool, generates the apps and starts PostgreSQL; this times.

    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/history_measure.py graph --app DIR --alembic DIR
        --revisions N --rounds R --work DIR [--tree COMMIT] [--out FILE]
    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/history_measure.py build --gen DIR --version V
        --packages DIR --counts 1,25,100 --work DIR [--tree COMMIT] [--out FILE]

Every time is one process from start to exit, as typed in the app's folder, start-up included.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

import autogenerate_generate
from generate import rev_id, shaped_graph
from measure import Server, first_error, table_lines, versions
from types import SimpleNamespace

MK, ALEMBIC, EF = "MigrationKit", "Alembic", "EF Core"
TIMEOUT_SECONDS = 600
# How far below the heads the database of `current` and `upgrade` stands.
BEHIND = 20


def timed(script, cwd, env, timeout=TIMEOUT_SECONDS):
    """(seconds, stdout) of one `bash -c`; raises RuntimeError with the first error line on failure."""
    start = time.perf_counter()
    result = subprocess.run(["bash", "-c", script], cwd=cwd, env=dict(os.environ, **env), capture_output=True,
                            text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(first_error(result.stderr + "\n" + result.stdout, result.returncode))
    return elapsed, result.stdout


def heads_of(graph):
    followed = {p for _, parents, _, _ in graph for p in parents}
    return [n for n, _, _, _ in graph if n not in followed]


def publish(lines, out, failures):
    """Prints the report, writes it to `out`; the exit code: 1 when anything failed."""
    report = "\n".join(lines) + "\n"
    print(report)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(report)
    return 1 if failures else 0


class Operation:
    """One row of the report: a command per tool, an untimed set-up before each run, a check after it."""

    def __init__(self, label, commands, prepare=None, check=None):
        self.label, self.commands, self.prepare, self.check = label, commands, prepare or {}, check
        self.samples = {tool: [] for tool in commands}
        self.errors = {}


# --- graph ------------------------------------------------------------------------------------------

def graph_main(options):
    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    graph = shaped_graph(options.revisions)
    heads = heads_of(graph)
    # The database stands where the graph stood BEHIND revisions ago: the heads of that prefix
    # (a prefix holds its parents and dependencies, so they are a valid version table).
    prefix = [r for r in graph if r[0] <= options.revisions - BEHIND]
    rows = [rev_id(n) for n in heads_of(prefix)]
    trunk_head = options.revisions  # the last revision closes the trunk (see shaped_graph)
    # `upgrade --sql` plans the trunk from its last merge in that prefix up to the trunk's head.
    trunk_from = max(n for n, parents, _, _ in prefix if len(parents) > 1)
    for name in ("graph_mk", "graph_alembic", "graph_up_mk", "graph_up_alembic"):
        server.create_database(name)

    cache = os.path.join(options.work, "native-images")
    mk = {"MIGRATEKIT_NATIVE_IMAGE_CACHE": cache, "BENCH_CONNECTION": server.for_npgsql("graph_mk")}
    mk_up = dict(mk, BENCH_CONNECTION=server.for_npgsql("graph_up_mk"))
    al = {"BENCH_SQLALCHEMY_URL": server.for_sqlalchemy("graph_alembic")}
    al_up = {"BENCH_SQLALCHEMY_URL": server.for_sqlalchemy("graph_up_alembic")}
    alembic = "/usr/bin/python3 -m alembic"
    stamp_rows = " ".join(rows)
    cwd = {MK: options.app, ALEMBIC: options.alembic}

    def lines_equal(count):
        return lambda out: None if len(out.splitlines()) == count else f"{len(out.splitlines())} lines, expected {count}"

    def names_all(ids):
        return lambda out: next((f"{i} missing from the output" for i in ids if i not in out), None)

    def set_rows(database, table):
        """The version table at `rows`, written directly: Alembic's own stamp walks the graph for minutes."""
        with server.connect(database) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (version_num varchar(32) NOT NULL PRIMARY KEY)")
            cursor.execute(f"DELETE FROM {table}")
            cursor.executemany(f"INSERT INTO {table} VALUES (%s)", [(r,) for r in rows])
        connection.close()

    def upgraded(database, table):
        def check(_):
            with server.connect(database) as connection, connection.cursor() as cursor:
                cursor.execute(f"SELECT version_num FROM {table} ORDER BY 1")
                found = [r[0] for r in cursor.fetchall()]
            connection.close()
            expected = sorted(rev_id(n) for n in heads)
            return None if found == expected else f"version table {found}, expected {expected}"
        return check

    operations = [
        Operation(f"heads, {options.revisions:,} revisions", {MK: ("dotnet migratekit heads", mk),
                                                              ALEMBIC: (f"{alembic} heads", al)},
                  check=names_all([rev_id(n) for n in heads])),
        Operation(f"history, {options.revisions:,} revisions", {MK: ("dotnet migratekit history", mk),
                                                                ALEMBIC: (f"{alembic} history", al)},
                  check=lines_equal(options.revisions)),
        Operation(f"current, {len(rows)} rows", {MK: ("dotnet migratekit current", mk),
                                                 ALEMBIC: (f"{alembic} current", al)},
                  check=names_all(rows)),
        Operation(f"upgrade {rev_id(trunk_from)}:{rev_id(trunk_head)} --sql",
                  {MK: (f"dotnet migratekit upgrade {rev_id(trunk_from)}:{rev_id(trunk_head)} --sql", mk)},
                  check=names_all([rev_id(trunk_head)])),
        Operation(f"upgrade heads, last {BEHIND} revisions",
                  {MK: ("dotnet migratekit upgrade heads", mk_up), ALEMBIC: (f"{alembic} upgrade heads", al_up)},
                  prepare={MK: (f"dotnet migratekit stamp --purge {stamp_rows}", mk_up),
                           ALEMBIC: lambda: set_rows("graph_up_alembic", "alembic_version")},
                  check=None),
    ]
    checks_after = {MK: upgraded("graph_up_mk", "migratekit_version"), ALEMBIC: upgraded("graph_up_alembic", "alembic_version")}

    started = datetime.now(timezone.utc)
    print("warm-up (not timed): the app's build, native images, the databases stamped ...", file=sys.stderr)
    warm = dict(mk, MIGRATEKIT_NATIVE_IMAGES="wait")
    warm_up = [
        (MK, "dotnet migratekit heads", warm), (MK, "dotnet migratekit heads", warm),
        (MK, f"dotnet migratekit stamp {stamp_rows}", warm), (MK, "dotnet migratekit current", warm),
        (MK, f"dotnet migratekit upgrade {rev_id(trunk_from)}:{rev_id(trunk_head)} --sql", warm),
        (MK, f"dotnet migratekit stamp {stamp_rows}", dict(mk_up, MIGRATEKIT_NATIVE_IMAGES="wait")),
        (MK, "dotnet migratekit upgrade heads", dict(mk_up, MIGRATEKIT_NATIVE_IMAGES="wait")),
    ]
    set_rows("graph_alembic", "alembic_version")
    build_seconds = None
    for tool, script, env in warm_up:
        try:
            seconds, _ = timed(script, cwd[tool], env, timeout=3600)
            build_seconds = build_seconds or seconds
            print(f"  {tool}: {server.mask(script[:100])}: {seconds:.2f} s", file=sys.stderr)
        except RuntimeError as e:
            print(f"  {tool}: {script[:100]}: FAILED {server.mask(str(e))}", file=sys.stderr)

    for round_number in range(options.rounds):
        for operation in operations:
            tools = list(operation.commands)
            if round_number % 2:
                tools.reverse()
            for tool in tools:
                # Alembic walks its graph quadratically: one run each, with a time limit.
                if tool in operation.errors or (tool == ALEMBIC and round_number > 0):
                    continue
                try:
                    prepare = operation.prepare.get(tool)
                    if callable(prepare):
                        prepare()
                    elif prepare:
                        timed(prepare[0], cwd[tool], prepare[1])
                    script, env = operation.commands[tool]
                    seconds, out = timed(script, cwd[tool], env,
                                         timeout=options.alembic_timeout if tool == ALEMBIC else TIMEOUT_SECONDS)
                    problem = operation.check(out) if operation.check else None
                    if problem is None and operation.prepare:
                        problem = checks_after[tool](out)
                    if problem:
                        raise RuntimeError(f"check: {problem}")
                    operation.samples[tool].append(seconds)
                except subprocess.TimeoutExpired:
                    operation.errors[tool] = f"stopped after {options.alembic_timeout} s"
                except RuntimeError as e:
                    operation.errors[tool] = server.mask(str(e))
        print(f"round {round_number + 1}/{options.rounds} done", file=sys.stderr)

    tools = SimpleNamespace(server=server)
    lines = [f"Graph commands at {options.revisions:,} revisions, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
             f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, {platform.platform()}; {versions(tools)}",
             f"graph: {sum(1 for r in graph if len(r[1]) > 1):,} merges (every 4 on the trunk), 3 labelled long-lived "
             f"branches, {sum(1 for r in graph if r[3]):,} depends-on, {len(heads)} heads; database {BEHIND} revisions "
             f"behind ({len(rows)} rows); empty revisions, no snapshots",
             f"MigrationKit: medians of {options.rounds} rounds after a warm-up (first build {build_seconds or 0:.1f} s, not timed); "
             f"Alembic: one run of each (stopped after {options.alembic_timeout} s), in the first round; "
             "each time is one process as typed in the app's folder",
             ""]
    rows_out = []
    for operation in operations:
        medians = {t: statistics.median(s) if s else None for t, s in operation.samples.items()}
        cell = {t: (f"{medians[t]:.3f} s" if medians.get(t) is not None
                    else f"> {options.alembic_timeout} s" if operation.errors.get(t, "").startswith("stopped after")
                    else "failed" if t in operation.errors else "n/a")
                for t in (MK, ALEMBIC)}
        ratio = (f"{medians[MK] / medians[ALEMBIC]:.2f}" if medians.get(MK) and medians.get(ALEMBIC) else "n/a")
        target = "met" if medians.get(MK) is not None and medians[MK] < 0.5 else "NOT met"
        rows_out.append([operation.label, cell[MK], cell[ALEMBIC], ratio, target])
    lines += table_lines(["operation", MK, ALEMBIC, "MK/Alembic", "< 0.5 s"], rows_out)
    lines += ["", "samples (seconds, in round order):"]
    for operation in operations:
        for tool, samples in operation.samples.items():
            lines.append(f"  {operation.label} / {tool}: {' '.join(f'{s:.3f}' for s in samples)}")
    failures = [f"  {o.label} / {t}: {e}" for o in operations for t, e in o.errors.items()]
    if failures:
        lines += ["", "failures:", *failures]
    lines += ["", "commands (in the app's folder; set-up before each upgrade, not timed):"]
    for operation in operations:
        for tool, (script, _) in operation.commands.items():
            prepare = operation.prepare.get(tool)
            before = "" if not prepare else "(version table rows written by SQL); " if callable(prepare) else f"{prepare[0]}; "
            lines.append(f"  {operation.label} / {tool}: {before[:70] + ('...; ' if len(before) > 70 else '')}{script}")
    return publish(lines, options.out, failures)


# --- build -------------------------------------------------------------------------------------------

ENTITIES = 300
BUILD_ROUNDS = 3


def dotnet(folder, command, env=None, timeout=3600):
    """Seconds of one command as typed in folder; raises RuntimeError with its first error line."""
    return timed(command, folder, dict({"DOTNET_NOLOGO": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}, **(env or {})), timeout)[0]


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def step_change(app, step):
    """Revision `step`'s model change: one nullable column on an entity spread over the model."""
    path = os.path.join(app, "Entities", autogenerate_generate.entity_name((step * 37) % ENTITIES) + ".cs")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(autogenerate_generate.MARKER,
                             f"public string? Extra{step:03d} {{ get; set; }}\n\n    {autogenerate_generate.MARKER}"))


class BuildApp:
    """One tool's copy of the 300-entity app, growing one revision (or migration) at a time."""

    def __init__(self, tool, folder, env):
        self.tool, self.folder, self.env = tool, folder, env
        self.is_mk = tool == MK
        self.steps = 0
        self.setup_seconds = []

    def set_up(self):
        dotnet(self.folder, "dotnet tool restore")
        dotnet(self.folder, "dotnet restore")
        if self.is_mk:
            dotnet(self.folder, "dotnet migratekit init", dict(self.env, MIGRATEKIT_NATIVE_IMAGES="wait"))

    def add(self):
        """The next revision: revision 1 is the initial model, each later one a small change."""
        self.steps += 1
        if self.steps > 1:
            step_change(self.folder, self.steps)
        command = (f'dotnet migratekit revision --autogenerate -m "step {self.steps}"' if self.is_mk
                   else f"dotnet ef migrations add Step{self.steps:03d}")
        wait = dict(self.env, MIGRATEKIT_NATIVE_IMAGES="wait") if self.steps == 1 else self.env
        self.setup_seconds.append(dotnet(self.folder, command, wait))

    def output(self):
        return os.path.join(self.folder, "Revisions" if self.is_mk else "Migrations")

    def measure(self, database_url, database):
        """Full builds after touching one model file, the assembly's and the sources' sizes, and the
        upgrade of an empty database (created by the caller)."""
        touched = os.path.join(self.folder, "Entities", autogenerate_generate.entity_name(1) + ".cs")
        builds = []
        for _ in range(BUILD_ROUNDS):
            os.utime(touched)
            builds.append(dotnet(self.folder, "dotnet build -nologo -verbosity:quiet"))
        assembly = os.path.join(self.folder, "bin", "Debug", "net10.0", "BenchApp.dll")
        connection = f'"{database_url}"'
        upgrade = (f"dotnet migratekit upgrade head --connection {connection}" if self.is_mk
                   else f"dotnet ef database update --connection {connection}")
        upgrade_seconds = dotnet(self.folder, upgrade, self.env)
        return SimpleNamespace(build=statistics.median(builds), builds=builds, assembly=os.path.getsize(assembly),
                               source=folder_bytes(self.output()), upgrade=upgrade_seconds, upgrade_command=upgrade,
                               database=database)


def build_main(options):
    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    counts = sorted({int(c) for c in options.counts.split(",")})
    # The EF side builds the whole app for every migration (55 s each at 25 on 2 cores, growing):
    # it may stop at lower counts than ours.
    ef_counts = set(counts) if options.ef_counts is None else {int(c) for c in options.ef_counts.split(",")}
    env = {"MIGRATEKIT_NATIVE_IMAGE_CACHE": os.path.join(options.work, "native-images")}
    apps = {}
    for tool, folder in ((MK, "history-mk"), (EF, "history-ef")):
        path = os.path.join(options.gen, folder)
        if tool == MK:
            autogenerate_generate.migratekit_app(path, ENTITIES, options.version, os.path.abspath(options.packages))
        else:
            autogenerate_generate.app(path, ENTITIES, autogenerate_generate.project(
                f'    <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="{autogenerate_generate.EF_CORE_VERSION}" PrivateAssets="all" />'),
                autogenerate_generate.nuget_config(os.path.abspath(options.packages)),
                autogenerate_generate.tool_manifest("dotnet-ef", autogenerate_generate.EF_CORE_VERSION, "dotnet-ef"))
        apps[tool] = BuildApp(tool, path, env)
    started = datetime.now(timezone.utc)
    results = {}
    failures = []
    for app in apps.values():
        try:
            app.set_up()
        except RuntimeError as e:
            failures.append(f"{app.tool} set-up: {server.mask(str(e))}")
    for count in counts:
        for app in apps.values():
            if any(f.startswith(app.tool) for f in failures) or (not app.is_mk and count not in ef_counts):
                continue
            try:
                began = time.perf_counter()
                while app.steps < count:
                    app.add()
                print(f"{app.tool}: {count} revisions written ({time.perf_counter() - began:.0f} s, "
                      f"{app.setup_seconds[-1]:.1f} s for the last)", file=sys.stderr)
                database = f"hist_{'mk' if app.is_mk else 'ef'}_{count}"
                server.create_database(database)
                results[(app.tool, count)] = app.measure(server.for_npgsql(database), database)
                r = results[(app.tool, count)]
                print(f"  build {r.build:.2f} s, assembly {r.assembly / 1e6:.2f} MB, source {r.source / 1e6:.2f} MB, "
                      f"upgrade {r.upgrade:.2f} s", file=sys.stderr)
            except RuntimeError as e:
                failures.append(f"{app.tool} at {count}: {server.mask(str(e))}")

    tools = SimpleNamespace(server=server)
    lines = [f"Build cost of a long history, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
             f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, {platform.platform()}; {versions(tools)}",
             f"apps of {ENTITIES} entities (PostgreSQL); revision 1 is the initial model, each later one adds a column, "
             "written by `dotnet migratekit revision --autogenerate` / `dotnet ef migrations add`",
             f"build: median of {BUILD_ROUNDS} full `dotnet build` after touching one entity file; upgrade: one run on an "
             "empty database, as typed (our tool skips its build when the app is up to date; `dotnet ef` runs MSBuild)",
             ""]
    rows = []
    for count in counts:
        mk, ef = results.get((MK, count)), results.get((EF, count))
        def cell(r, field, unit):
            return ("not run" if count not in ef_counts else "failed") if r is None else (f"{getattr(r, field):.2f} s" if unit == "s" else f"{getattr(r, field) / 1e6:.2f} MB")
        rows.append([f"{count} revisions", cell(mk, "build", "s"), cell(ef, "build", "s"),
                     f"{ef.build / mk.build:.1f}x" if mk and ef else "n/a",
                     cell(mk, "assembly", "MB"), cell(ef, "assembly", "MB"), cell(mk, "source", "MB"), cell(ef, "source", "MB"),
                     cell(mk, "upgrade", "s"), cell(ef, "upgrade", "s")])
    lines += table_lines(["", "MK build", "EF build", "EF/MK", "MK dll", "EF dll", "MK source", "EF source",
                          "MK upgrade", "EF update"], rows)
    first, last = counts[0], counts[-1]
    mk_first, mk_last = results.get((MK, first)), results.get((MK, last))
    both = [c for c in counts if (MK, c) in results and (EF, c) in results]
    compared = both[-1] if both else last
    mk_compared, ef_last = results.get((MK, compared)), results.get((EF, compared))
    lines.append("")
    lines.append("targets (from the issue, for 1 and 100 revisions):")
    if mk_first and mk_last:
        lines.append(f"  MK build at {last} / at {first}: {mk_last.build / mk_first.build:.2f} (target <= 1.2 at 100 / 1)")
        lines.append(f"  MK assembly growth from {first} to {last}: {(mk_last.assembly - mk_first.assembly) / 1e6:.2f} MB (target < 2 MB at 100)")
    if mk_compared and ef_last:
        lines.append(f"  EF build / MK build at {compared}: {ef_last.build / mk_compared.build:.1f}x (target >= 3x at 100)")
    if last not in ef_counts:
        lines.append(f"  EF Core was not grown to {last} migrations (--ef-revisions {','.join(map(str, sorted(ef_counts)))})")
    lines += ["", "time to write the revisions (set-up, seconds per command, in order):"]
    for app in apps.values():
        lines.append(f"  {app.tool}: total {sum(app.setup_seconds):.0f} s; {' '.join(f'{s:.1f}' for s in app.setup_seconds)}")
    lines += ["", "build samples (seconds):"]
    for (tool, count), r in sorted(results.items()):
        lines.append(f"  {tool}, {count}: {' '.join(f'{b:.2f}' for b in r.builds)}")
    if failures:
        lines += ["", "failures:", *(f"  {f}" for f in failures)]
    lines += ["", "commands (in each app's folder; password masked):"]
    for (tool, count), r in sorted(results.items()):
        lines.append(f"  {tool}, {count}: touch Entities/{autogenerate_generate.entity_name(1)}.cs; dotnet build -nologo -verbosity:quiet; "
                     f"{server.mask(r.upgrade_command)}")
    return publish(lines, options.out, failures)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="part", required=True)
    g = sub.add_parser("graph")
    g.add_argument("--app", required=True)
    g.add_argument("--alembic", required=True)
    g.add_argument("--revisions", type=int, default=10_000)
    g.add_argument("--rounds", type=int, default=5)
    g.add_argument("--alembic-timeout", type=int, default=300)
    b = sub.add_parser("build")
    b.add_argument("--gen", required=True)
    b.add_argument("--version", required=True)
    b.add_argument("--packages", required=True)
    b.add_argument("--counts", default="1,25,100")
    b.add_argument("--ef-counts", help="the counts the EF side is grown to and measured at; default --counts")
    for p in (g, b):
        p.add_argument("--work", required=True)
        p.add_argument("--tree", default="unknown")
        p.add_argument("--out")
    options = parser.parse_args()
    return graph_main(options) if options.part == "graph" else build_main(options)


if __name__ == "__main__":
    sys.exit(main())
