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

from generate import rev_id, shaped_graph
from measure import Server, first_error, table_lines, versions
from types import SimpleNamespace

MK, ALEMBIC = "MigrationKit", "Alembic"
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
                           ALEMBIC: (f"{alembic} stamp --purge {stamp_rows}", al_up)},
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
        (ALEMBIC, f"{alembic} heads", al), (ALEMBIC, f"{alembic} stamp {stamp_rows}", al),
        (ALEMBIC, f"{alembic} current", al),
    ]
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
                if tool in operation.errors:
                    continue
                try:
                    if tool in operation.prepare:
                        timed(operation.prepare[tool][0], cwd[tool], operation.prepare[tool][1])
                    script, env = operation.commands[tool]
                    seconds, out = timed(script, cwd[tool], env)
                    problem = operation.check(out) if operation.check else None
                    if problem is None and operation.prepare:
                        problem = checks_after[tool](out)
                    if problem:
                        raise RuntimeError(f"check: {problem}")
                    operation.samples[tool].append(seconds)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    operation.errors[tool] = server.mask(str(e))
        print(f"round {round_number + 1}/{options.rounds} done", file=sys.stderr)

    tools = SimpleNamespace(server=server)
    lines = [f"Graph commands at {options.revisions:,} revisions, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
             f"machine: {os.cpu_count()} cores, {platform.platform()}; {', '.join(versions(tools))}",
             f"graph: {sum(1 for r in graph if len(r[1]) > 1):,} merges (every 4 on the trunk), 3 labelled long-lived "
             f"branches, {sum(1 for r in graph if r[3]):,} depends-on, {len(heads)} heads; database {BEHIND} revisions "
             f"behind ({len(rows)} rows); empty revisions, no snapshots",
             f"medians of {options.rounds} interleaved rounds after a warm-up (first build {build_seconds or 0:.1f} s, not timed); "
             "each time is one process as typed in the app's folder",
             ""]
    rows_out = []
    for operation in operations:
        medians = {t: statistics.median(s) if s else None for t, s in operation.samples.items()}
        cell = {t: (f"{medians[t]:.3f} s" if medians.get(t) is not None else ("failed" if t in operation.errors else "n/a"))
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
            before = f"{operation.prepare[tool][0]}; " if tool in operation.prepare else ""
            lines.append(f"  {operation.label} / {tool}: {before[:60] + '...; ' if before else ''}{script}")
    report = "\n".join(lines) + "\n"
    print(report)
    if options.out:
        with open(options.out, "w", encoding="utf-8") as f:
            f.write(report)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="part", required=True)
    g = sub.add_parser("graph")
    g.add_argument("--app", required=True)
    g.add_argument("--alembic", required=True)
    g.add_argument("--revisions", type=int, default=10_000)
    g.add_argument("--rounds", type=int, default=5)
    b = sub.add_parser("build")
    b.add_argument("--gen", required=True)
    b.add_argument("--version", required=True)
    b.add_argument("--packages", required=True)
    b.add_argument("--counts", default="1,25,100")
    for p in (g, b):
        p.add_argument("--work", required=True)
        p.add_argument("--tree", default="unknown")
        p.add_argument("--out")
    options = parser.parse_args()
    return graph_main(options) if options.part == "graph" else build_main(options)


if __name__ == "__main__":
    sys.exit(main())
