"""Times MigrationKit, Alembic and EF Core side by side on the projects that generate.py wrote, and
prints (and saves) the medians and their ratios.

    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/measure.py --gen DIR --cli migratekit.dll [--rounds 5]
        --native-images DIR [--out FILE] [--tree COMMIT]

MigrationKit runs as users type it: `dotnet migratekit ...` from the local tool installed in the
app's folder (run.sh installs it), the connection from the app's own configuration, the tool's own
up-to-date check included. --cli names the same tool's migratekit.dll, which is also timed as
run.sh timed it before issue 15 (the dll started directly, --no-build, with and without --connection),
so the report shows what the launcher and the app's configuration cost.

The tools are interleaved: every round runs each operation once per tool, in an order that rotates
from round to round, so that a noisy neighbour slows every tool alike rather than one of them. A
warm-up round (untimed) comes first, so no tool pays for a cold disk cache or Python's first .pyc
compilation. Every upgrade of the 200 revisions runs on a database of its own, created just before
and not timed. The row "first upgrade after a new revision" changes the model and writes the revision
(not timed) in each round, then times the upgrade, build included, of a database at the revision before.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone

import psycopg2

import generate
from autogenerate_generate import MARKER, changed_entity

# The columns: MK is the tool as typed in a class library's folder, WEB the same in the ASP.NET Core
# app's, DLL and DLL_CONNECTION the tool's dll started directly with --no-build (the second with
# --connection: what run.sh timed before issue 15).
MK, WEB, DLL, DLL_CONNECTION = "MigrationKit", "ASP.NET Core", "dll", "dll --connection"
ALEMBIC, EF = "Alembic", "EF Core"
COLUMNS = [MK, WEB, DLL, DLL_CONNECTION, ALEMBIC, EF]
MIGRATEKIT_COLUMNS = {MK, WEB, DLL, DLL_CONNECTION}
SHORT_NAMES = {MK: "mk", WEB: "web", DLL: "dll", DLL_CONNECTION: "dllc", ALEMBIC: "alembic", EF: "ef"}
# The ASP.NET Core app's appsettings.json names this database (generate.py): it is dropped and
# created again before each upgrade, since a changed appsettings.json would rebuild the app.
WEB_DATABASE = "bench_web"
TIMEOUT_SECONDS = 600


class Server:
    """The throwaway cluster named by $MIGRATEKIT_TEST_PG (Npgsql syntax, no Database)."""

    def __init__(self, npgsql):
        parts = dict(p.split("=", 1) for p in npgsql.split(";") if "=" in p)
        keys = {k.lower(): v for k, v in parts.items()}
        self.npgsql = npgsql.rstrip(";")
        self.host, self.port = keys["host"], int(keys.get("port", "5432"))
        self.user, self.password = keys["username"], keys["password"]

    def connect(self, database):
        return psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=database)

    def create_database(self, name):
        admin = self.connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()

    def count_tables(self, name):
        with self.connect(name) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]{3}$'")
            count = cursor.fetchone()[0]
        connection.close()
        return count

    def schema(self, name):
        """Columns, constraints and indexes of the benchmark's tables, to check that the tools built
        the same schema (version tables left out: each tool has its own)."""
        queries = [
            """SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision,
                      numeric_scale, is_nullable, is_identity, identity_generation
               FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name ~ '^t[0-9]{3}$' ORDER BY 1, 2""",
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text ~ '^t[0-9]{3}$' ORDER BY 1, 2""",
            """SELECT tablename, indexname, indexdef FROM pg_indexes
               WHERE schemaname = 'public' AND tablename ~ '^t[0-9]{3}$' ORDER BY 1, 2""",
        ]
        rows = []
        with self.connect(name) as connection, connection.cursor() as cursor:
            for query in queries:
                cursor.execute(query)
                rows += [tuple(str(v) for v in row) for row in cursor.fetchall()]
        connection.close()
        return rows

    def for_npgsql(self, database):
        return f"{self.npgsql};Database={database}"

    def for_sqlalchemy(self, database):
        password = urllib.parse.quote(self.password, safe="")
        return f"postgresql+psycopg2://{self.user}:{password}@{self.host}:{self.port}/{database}"

    def mask(self, text):
        return text.replace(self.password, "***") if self.password else text


class Tools:
    """The command line of each column for each operation: (command, environment, folder)."""

    def __init__(self, gen, cli, server, native_images):
        self.gen, self.cli, self.server = gen, cli, server
        # A cache of this run's own, so every run starts from none (see MIGRATEKIT_NATIVE_IMAGES below).
        self.native_images = {"MIGRATEKIT_NATIVE_IMAGE_CACHE": native_images}
        self.ef_app = os.path.join(gen, "efcore-200", "bin", "Release", "net10.0", "Bench.EfCore.dll")

    def app_configuration(self, database):
        """What the class libraries' OnConfiguring reads."""
        return {"BENCH_CONNECTION": self.server.for_npgsql(database or "postgres")}

    def migratekit(self, project, arguments, database):
        """`dotnet migratekit ...` in the app's folder, as typed: the local tool, its build check, the
        app's own configuration."""
        return (["dotnet", "migratekit", *arguments], dict(self.app_configuration(database), **self.native_images),
                os.path.join(self.gen, project))

    def dll(self, project, arguments, database, connection):
        """The tool's dll started directly, the app not built again (--no-build), as run.sh timed it before."""
        command = ["dotnet", self.cli, *arguments, "--project", os.path.join(self.gen, project), "--no-build"]
        if connection:
            command += ["--connection", self.server.for_npgsql(database)]
        return command, dict(self.app_configuration(database), **self.native_images), None

    def project_evaluation(self, project):
        """The MSBuild query that `migratekit` makes to find the app's assembly (see
        src/MigrationKit.Cli/Hosting/ProjectInfo.cs), timed alone for reference."""
        properties = ["TargetPath", "ProjectDepsFilePath", "ProjectRuntimeConfigFilePath", "RootNamespace",
                      "NuGetPackageFolders", "OutputType"]
        project_file = os.path.join(self.gen, project, "Bench.MigrationKit.csproj")
        command = ["dotnet", "msbuild", project_file, "-nologo", *("-getProperty:" + p for p in properties)]
        return command, {}, None

    def alembic(self, project, arguments, database):
        ini = os.path.join(self.gen, project, "alembic.ini")
        command = ["/usr/bin/python3", "-m", "alembic", "-c", ini, *arguments]
        return command, {"BENCH_SQLALCHEMY_URL": self.server.for_sqlalchemy(database or "postgres")}, None

    def efcore(self, arguments, database):
        return ["dotnet", self.ef_app, *arguments], {"BENCH_CONNECTION": self.server.for_npgsql(database)}, None

    def column(self, column, arguments, database, project="migratekit-200"):
        """The 200-revision (or 10,000-revision) commands of the four MigrationKit columns."""
        return {
            MK: lambda: self.migratekit(project, arguments, database),
            WEB: lambda: self.migratekit("aspnet-200", arguments, None),  # its database: appsettings.json
            DLL: lambda: self.dll(project, arguments, database, connection=False),
            DLL_CONNECTION: lambda: self.dll(project, arguments, database, connection=True),
        }[column]


class FirstUpgrade:
    """The row "first upgrade head after a new revision, build included": one app per tool (first-mk/,
    first-ef/), each round adding a property to the model and writing its revision (not timed), then
    timing the upgrade of the tool's database, which stands at the revision before."""

    def __init__(self, gen, server, native_images):
        self.server, self.native_images = server, native_images
        self.apps = {MK: os.path.join(gen, "first-mk"), EF: os.path.join(gen, "first-ef")}
        self.databases = {MK: "first_mk", EF: "first_ef"}
        self.entity = changed_entity(generate.MODEL_ENTITIES)

    def env(self, tool, wait=False):
        env = {"BENCH_CONNECTION": self.server.for_npgsql(self.databases[tool])}
        if tool == MK:
            env.update(self.native_images)
            if wait:
                env["MIGRATEKIT_NATIVE_IMAGES"] = "wait"
        return env

    def set_up(self, tool):
        """The initial revision written and applied (not timed); None, or what failed."""
        self.server.create_database(self.databases[tool])
        commands = ([["dotnet", "migratekit", "init"], ["dotnet", "migratekit", "revision", "--autogenerate", "-m", "initial"],
                     ["dotnet", "migratekit", "upgrade", "head"]] if tool == MK
                    else [["dotnet", "restore"], ["dotnet", "ef", "migrations", "add", "Initial"], ["dotnet", "ef", "database", "update"]])
        for command in commands:
            elapsed, out, err = run(command, self.env(tool, wait=True), self.server, self.apps[tool])
            if elapsed is None:
                return f"set-up `{' '.join(command)}`: {err}"
            print(f"  set-up {tool}: {' '.join(command)}: {elapsed:.1f} s", file=sys.stderr)
        return None

    def new_column(self, round_number):
        return f"Extra{round_number:03d}"

    def write_revision(self, tool, round_number):
        """The round's model change and its revision, not timed; None, or what failed."""
        path = os.path.join(self.apps[tool], "Entities", self.entity + ".cs")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(MARKER, f"public string? {self.new_column(round_number)} {{ get; set; }}\n\n    {MARKER}"))
        command = (["dotnet", "migratekit", "revision", "--autogenerate", "-m", f"add {self.new_column(round_number)}"] if tool == MK
                   else ["dotnet", "ef", "migrations", "add", f"Add{self.new_column(round_number)}"])
        elapsed, out, err = run(command, self.env(tool), self.server, self.apps[tool])
        return None if elapsed is not None else f"`{' '.join(command)}`: {err}"

    def upgrade(self, tool):
        command = ["dotnet", "migratekit", "upgrade", "head"] if tool == MK else ["dotnet", "ef", "database", "update"]
        return command, self.env(tool), self.apps[tool]

    def has_column(self, tool, round_number):
        def check(out, err):
            with self.server.connect(self.databases[tool]) as connection, connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                               (self.entity + "s", self.new_column(round_number)))
                found = cursor.fetchone()[0]
            connection.close()
            return None if found else f"no column {self.new_column(round_number)} in {self.entity}s afterwards"
        return check


class Operation:
    def __init__(self, name, tools, target):
        self.name, self.tools, self.target = name, tools, target
        self.samples = {tool: [] for tool in tools}
        self.failures = {}
        self.first_run = None  # MigrationKit's warm-up run, which compiles the native images

    def median(self, tool):
        samples = self.samples.get(tool) or []
        return statistics.median(samples) if samples else None


def run(command, extra_env, server, cwd=None):
    env = dict(os.environ, DOTNET_NOLOGO="1", DOTNET_CLI_TELEMETRY_OPTOUT="1", **extra_env)
    # The connection comes from the app's configuration (or --connection), never from the caller's shell.
    env.pop("MIGRATEKIT_CONNECTION", None)
    start = time.perf_counter()
    try:
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {TIMEOUT_SECONDS} s"
    elapsed = time.perf_counter() - start
    out, err = server.mask(result.stdout), server.mask(result.stderr)
    if result.returncode != 0:
        return None, out, first_error(err or out, result.returncode)
    return elapsed, out, err


def first_error(text, code):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    interesting = [line for line in lines if "error" in line.lower() or "exception" in line.lower()]
    return f"exit code {code}: " + ((interesting or lines or ["no output"])[-1])[:300]


def printable(command, server):
    return server.mask(" ".join(f'"{part}"' if " " in part or ";" in part else part for part in command))


def rotate(items, by):
    by %= len(items)
    return items[by:] + items[:by]


def seconds(value):
    return "-" if value is None else f"{value:.3f} s"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gen", required=True)
    parser.add_argument("--cli", required=True, help="the installed local tool's migratekit.dll")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--tree", default="unknown", help="the commit of MigrationKit being measured")
    parser.add_argument("--native-images", required=True, help="an empty folder for MigrationKit's native image cache")
    options = parser.parse_args()

    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    tools = Tools(os.path.abspath(options.gen), os.path.abspath(options.cli), server, os.path.abspath(options.native_images))
    first = FirstUpgrade(os.path.abspath(options.gen), server, tools.native_images)

    def against_alembic(at_most):
        def target(op):
            mk, alembic = op.median(MK), op.median(ALEMBIC)
            if mk is None or alembic is None:
                return "not measured"
            return ("met" if mk <= at_most * alembic else "NOT met") + f" (MigrationKit <= {at_most:.1f}x Alembic; {mk / alembic:.2f}x)"
        return target

    def under_a_second(op):
        mk = op.median(MK)
        return "not measured" if mk is None else ("met" if mk < 1.0 else "NOT met") + f" (MigrationKit < 1 s; {mk:.3f} s)"

    def faster_than_ef(times):
        def target(op):
            mk, ef = op.median(MK), op.median(EF)
            if mk is None or ef is None:
                return "not measured"
            return ("met" if ef >= times * mk else "NOT met") + f" (MigrationKit >= {times}x faster than EF Core; {ef / mk:.2f}x)"
        return target

    upgrade = Operation("upgrade head, 200 revisions, empty db", COLUMNS, against_alembic(0.7))
    current = Operation("current, upgraded db", COLUMNS, against_alembic(1.0))
    heads = Operation("heads, 10,000 revisions", [MK, DLL, ALEMBIC], under_a_second)
    history = Operation("history, 10,000 revisions", [MK, DLL, ALEMBIC], lambda op: "no target")
    first_upgrade = Operation("first upgrade head after a new revision, build included", [MK, EF], faster_than_ef(3))
    evaluation = Operation("dotnet msbuild -getProperty, 10,000-revision app", [MK], lambda op: "no target")
    operations = [upgrade, current, heads, history, first_upgrade]
    commands_seen = {}

    def measure(op, tool, round_number, make, check):
        if tool in op.failures:
            return  # a set-up that failed, or a revision not written: nothing to time
        command, env, cwd = make()
        if tool in MIGRATEKIT_COLUMNS and round_number == 0 and op is not evaluation:
            # The first command of each app compiles the native images it loads before it exits,
            # instead of in the background, so the measured rounds find them all (timed for reference).
            env = dict(env, MIGRATEKIT_NATIVE_IMAGES="wait")
        commands_seen.setdefault((op.name, tool), (printable(command, server), cwd))
        elapsed, out, err = run(command, env, server, cwd)
        problem = err if elapsed is None else check(out, err)
        if problem:
            op.failures.setdefault(tool, problem)
            print(f"  {op.name} / {tool}: FAILED: {problem}", file=sys.stderr)
            return
        if round_number > 0:
            op.samples[tool].append(elapsed)
        elif tool == MK:
            op.first_run = elapsed
        print(f"  {op.name} / {tool}: {elapsed:.3f} s{'' if round_number else ' (warm-up)'}", file=sys.stderr)

    def upgraded(database):
        def check(out, err):
            count = server.count_tables(database)
            return None if count == 200 else f"the database has {count} of the 200 tables afterwards"
        return check

    def prints(expected):
        def check(out, err):
            return None if expected in out else f"expected {expected} in the output, got: {(out.strip() or err.strip())[:200]}"
        return check

    def counts_lines(expected):
        def check(out, err):
            lines = sum(1 for line in out.splitlines() if line.strip())
            return None if lines >= expected else f"expected {expected} lines of history, got {lines}"
        return check

    started = datetime.now(timezone.utc)
    print("set-up of the first-upgrade apps (not timed): the initial revision written and applied", file=sys.stderr)
    for tool in (MK, EF):
        problem = first.set_up(tool)
        if problem:
            first_upgrade.failures[tool] = server.mask(problem)
            print(f"  {first_upgrade.name} / {tool}: FAILED: {problem}", file=sys.stderr)

    for round_number in range(options.rounds + 1):
        print(f"round {round_number} of {options.rounds}{' (warm-up, not counted)' if round_number == 0 else ''}", file=sys.stderr)
        databases = {}
        for tool in rotate(COLUMNS, round_number):
            database = databases[tool] = WEB_DATABASE if tool == WEB else f"bench_{SHORT_NAMES[tool]}_{round_number}"
            server.create_database(database)
            make = {
                ALEMBIC: lambda: tools.alembic("alembic-200", ["upgrade", "head"], database),
                EF: lambda: tools.efcore([], database),
            }.get(tool) or tools.column(tool, ["upgrade", "head"], database)
            measure(upgrade, tool, round_number, make, upgraded(database))
        if round_number == 0:
            schema_check = compare_schemas(server, {t: d for t, d in databases.items() if t not in upgrade.failures})
        for tool in rotate(COLUMNS, round_number):
            database = databases[tool]
            make, expected = {
                ALEMBIC: (lambda: tools.alembic("alembic-200", ["current"], database), "000000000200"),
                EF: (lambda: tools.efcore(["current"], database), "20260101000200_T200"),
            }.get(tool) or (tools.column(tool, ["current"], database), "000000000200")
            measure(current, tool, round_number, make, prints(expected))
        for tool in rotate([MK, DLL, ALEMBIC], round_number):
            make = (lambda arguments: lambda: tools.alembic("alembic-10k", arguments, None)) if tool == ALEMBIC \
                else (lambda arguments: tools.column(tool, arguments, None, project="migratekit-10k"))
            measure(heads, tool, round_number, make(["heads"]), prints("000000010000"))
            measure(history, tool, round_number, make(["history"]), counts_lines(10_000))
        for tool in rotate([MK, EF], round_number):
            if tool in first_upgrade.failures:
                continue
            problem = first.write_revision(tool, round_number)
            if problem:
                first_upgrade.failures[tool] = server.mask(problem)
                print(f"  {first_upgrade.name} / {tool}: FAILED: {problem}", file=sys.stderr)
                continue
            measure(first_upgrade, tool, round_number, lambda: first.upgrade(tool), first.has_column(tool, round_number))
        measure(evaluation, MK, round_number, lambda: tools.project_evaluation("migratekit-10k"), prints("TargetPath"))

    report = render(operations, evaluation, options, started, commands_seen, tools, schema_check, first)
    print(report)
    if options.out:
        os.makedirs(os.path.dirname(os.path.abspath(options.out)), exist_ok=True)
        # Written aside, then renamed: a run killed while writing leaves the last report whole.
        with open(options.out + ".tmp", "w", encoding="utf-8") as f:
            f.write(report)
        os.replace(options.out + ".tmp", options.out)
    return 0


def compare_schemas(server, databases):
    """One line saying whether the tools' upgraded databases hold the same schema."""
    if len(databases) < 2:
        return "not done (fewer than two tools upgraded)"
    schemas = {tool: server.schema(database) for tool, database in databases.items()}
    (first, reference), *others = schemas.items()
    for tool, rows in others:
        if rows != reference:
            extra = sorted(set(rows) ^ set(reference))[:1]
            return f"DIFFERENT: {first} and {tool} differ, e.g. {extra}"
    return (f"same columns, constraints and indexes ({len(reference)} rows compared) in the databases "
            f"upgraded by {', '.join(schemas)}")


def render(operations, evaluation, options, started, commands_seen, tools, schema_check, first):
    headers = ["operation", *COLUMNS, "MK/Alembic", "MK/EF"]
    rows = []
    for op in operations:
        def cell(tool):
            if tool not in op.tools:
                return "n/a"
            return "failed" if tool in op.failures and op.median(tool) is None else seconds(op.median(tool))
        rows.append([op.name, *(cell(tool) for tool in COLUMNS),
                     ratio(op.median(MK), op.median(ALEMBIC)) if ALEMBIC in op.tools else "n/a",
                     ratio(op.median(MK), op.median(EF)) if EF in op.tools else "n/a"])
    upgrade, current = operations[0], operations[1]
    out = [
        f"MigrationKit benchmark, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, {platform.platform()}; versions: {versions(tools)}",
        f"medians of {options.rounds} interleaved rounds (after one warm-up round); ratio < 1 means MigrationKit is faster",
        "",
        *table_lines(headers, rows),
        "",
        "columns: MigrationKit = `dotnet migratekit ...` (local tool of this tree, packed in Release) in the app's folder,",
        "  the connection from the class library's OnConfiguring, the tool's own up-to-date check included;",
        "  ASP.NET Core = the same in an ASP.NET Core app (AddDbContext, connection string in appsettings.json);",
        "  dll = `dotnet .../migratekit.dll ... --project APP --no-build` (the same tool's dll started directly);",
        "  dll --connection = the same with --connection CONN (what run.sh timed before issue 15);",
        "  EF Core = an app calling Database.Migrate() / printing GetAppliedMigrations().Last(), and",
        "  `dotnet ef database update` in the first-upgrade row; ratios use the MigrationKit column",
        "",
        "what the path typed costs (medians, MigrationKit - dll, dll - dll --connection): "
        + "; ".join(f"{op.name.split(',')[0]} {difference(op.median(MK), op.median(DLL))}, "
                    f"{difference(op.median(DLL), op.median(DLL_CONNECTION))}" for op in (upgrade, current)),
        "",
        f"for reference, the MSBuild query MigrationKit makes to find the app (`dotnet msbuild -getProperty`,",
        f"10,000-revision app) takes {seconds(evaluation.median(MK))} alone; the tool keeps its answer in obj/ while the app is unchanged",
        "",
        "MigrationKit's warm-up runs, which compile the native images of what they load (once per app build and",
        "package version; by default in the background after the command): "
        + ", ".join(f"{op.name.split(',')[0]} {seconds(op.first_run)}" for op in operations if op.first_run is not None),
        "",
        f"schema check: {schema_check}",
        "",
        "targets (issue 15):",
    ]
    for op in operations:
        if op.name.startswith("history"):
            continue
        out.append(f"  {op.name}: {op.target(op)}")
    failures = {}
    for op in operations + [evaluation]:
        for tool, why in op.failures.items():
            failures.setdefault((tool, why), []).append(op.name)
    if failures:
        out += ["", "failures (first error of each):"]
        out += [f"  {' | '.join(names)} / {tool}: {why}" for (tool, why), names in failures.items()]
    out += ["", "samples (seconds, in round order):"]
    for op in operations + [evaluation]:
        for tool in op.tools:
            if op.samples[tool]:
                out.append(f"  {op.name} / {tool}: " + " ".join(f"{s:.3f}" for s in op.samples[tool]))
    out += ["", "commands (password masked; `in DIR`: run in the app's folder):"]
    out += [f"  {name} / {tool}: {command}{f'   (in {cwd})' if cwd else ''}" for (name, tool), (command, cwd) in commands_seen.items()]
    out += [f"  before each first upgrade (not timed): `public string? ExtraNNN` added to Entities/{first.entity}.cs "
            f"({generate.MODEL_ENTITIES} entities), then `dotnet migratekit revision --autogenerate -m \"add ExtraNNN\"` / "
            "`dotnet ef migrations add AddExtraNNN`; the database stands at the revision before"]
    return "\n".join(out) + "\n"


def difference(a, b):
    return "-" if a is None or b is None else f"{a - b:+.3f} s"


def table_lines(headers, rows):
    """A plain-text table: the first column left-aligned, the others right-aligned, a rule under the headers."""
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *[line(r) for r in rows]]


def versions(tools):
    found = []
    for label, command in [
        ("dotnet", ["dotnet", "--version"]),
        ("alembic", ["/usr/bin/python3", "-c", "import alembic, sqlalchemy; print(alembic.__version__, '/ SQLAlchemy', sqlalchemy.__version__)"]),
    ]:
        try:
            found.append(f"{label} {subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()}")
        except (OSError, subprocess.SubprocessError):
            found.append(f"{label} unknown")
    try:
        admin = tools.server.connect("postgres")
        with admin.cursor() as cursor:
            cursor.execute("SHOW server_version")
            found.append(f"PostgreSQL {cursor.fetchone()[0]}")
        admin.close()
    except psycopg2.Error:
        pass
    return ", ".join(found)


if __name__ == "__main__":
    sys.exit(main())
