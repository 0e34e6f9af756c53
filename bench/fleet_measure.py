"""Times `upgrade head` over a fleet of PostgreSQL databases three ways, side by side in one run, and
prints (and saves) wall time, peak memory and the ratios. fleet.sh prepares everything it needs.

    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/fleet_measure.py --app DIR --alembic DIR
        --databases 500 --revisions 20 --parallel 4 8 --work DIR [--loop-databases M] [--tree COMMIT] [--out FILE]

Columns, each on the same N databases freshly created empty from an empty template (not timed):
  - one fleet run per --parallel value: `dotnet migratekit upgrade head --each-database 'fleet_*' --parallel P`
  - a shell loop: `dotnet migratekit upgrade head --connection "...;Database=$db"` once per database
  - the same loop with Alembic: `python3 -m alembic upgrade head`, the URL from the environment
Each column is one `bash -c` under /usr/bin/time: its wall time, and its peak memory, the largest
resident set of any process it ran (for a loop, the largest single `dotnet` or Python process).
Afterwards every database is read back: at the last revision, and the same schema everywhere.
With --loop-databases M the two loops run over the first M databases only and their time is scaled
to all N (each iteration is a process of its own on a database of its own, so a loop is linear in N).
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from types import SimpleNamespace

from measure import Server, first_error, table_lines, versions

PATTERN = "fleet_*"
TEMPLATE = "empty_tenant"  # outside the pattern, so no fleet ever picks it up


class Column:
    def __init__(self, label, tool, script, cwd, env, names, timeout, fleet=False):
        self.label, self.tool, self.script, self.cwd, self.env, self.timeout = label, tool, script, cwd, env, timeout
        self.names, self.fleet = names, fleet
        self.measured = self.seconds = self.peak_mb = self.check = self.schema = None
        self.error = None
        self.load = None


def database_names(count):
    width = max(3, len(str(count)))
    return [f"fleet_{i:0{width}d}" for i in range(1, count + 1)]


def recreate(server, names, extra=(), retire_as="old_"):
    """Creates `names` (and `extra`) empty. The databases of an earlier column are renamed out of the
    fleet's pattern (prefix `retire_as`), not dropped: here each DROP DATABASE took over a second
    (it waits for a checkpoint), ten minutes for 500; the cluster is thrown away after the run."""
    admin = server.connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'fleet\\_%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER DATABASE "{name}" RENAME TO "{retire_as}{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        # PostgreSQL 15 copies a template through the WAL by default; copying its files is faster here.
        cursor.execute("SHOW server_version_num")
        strategy = " STRATEGY FILE_COPY" if int(cursor.fetchone()[0]) >= 150000 else ""
        for name in [*names, *extra]:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"{strategy}')
    admin.close()


def run(column, server, work, index, total):
    """Runs one column under /usr/bin/time; fills measured, seconds (scaled to `total` databases) and
    peak_mb, or error."""
    timing = os.path.join(work, f"time-{index}.txt")
    out_path, err_path = (os.path.join(work, f"column-{index}.{s}") for s in ("out", "err"))
    env = dict(os.environ, **column.env)
    column.load = os.getloadavg()[0]
    start = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        # A session of its own, so a timeout stops the whole loop, not just bash.
        process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", timing, "bash", "-c", column.script],
                                   cwd=column.cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        try:
            code = process.wait(timeout=column.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            column.error = f"timed out after {column.timeout} s"
            return
    elapsed = time.perf_counter() - start
    with open(err_path) as f:
        stderr = server.mask(f.read())
    if code != 0:
        with open(out_path) as f:
            column.error = first_error(stderr or server.mask(f.read()), code)
        return
    with open(timing) as f:
        kilobytes = int(f.read().split()[-1])
    column.measured, column.peak_mb = elapsed, kilobytes / 1024
    column.seconds = elapsed * total / len(column.names)


def read_back(server, names, version_table, head):
    """How many databases are at `head`, and the distinct schemas of the benchmark's tables."""
    at_head, schemas, problems = 0, {}, []
    for name in names:
        connection = server.connect(name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT version_num FROM {version_table}")
                heads = [row[0] for row in cursor.fetchall()]
        except Exception as e:  # noqa: BLE001 - a database the tool never reached has no version table
            heads = [f"({type(e).__name__})"]
        finally:
            connection.close()
        if heads == [head]:
            at_head += 1
        elif len(problems) < 3:
            problems.append(f"{name} at {','.join(heads) or 'base'}")
        schema = tuple(server.schema(name))
        schemas.setdefault(schema, name)
    return at_head, schemas, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True, help="the MigrationKit app, with the tool installed as a local tool")
    parser.add_argument("--alembic", required=True, help="the Alembic project with the same revisions")
    parser.add_argument("--databases", type=int, default=500)
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--parallel", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--loop-databases", type=int, metavar="M", help="run the loops on the first M databases, scaled")
    parser.add_argument("--work", required=True, help="a folder for logs and the native image cache")
    parser.add_argument("--tree", default="unknown")
    parser.add_argument("--out")
    options = parser.parse_args()

    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    names = database_names(options.databases)
    head = f"{options.revisions:012d}"
    loop_names = names[:options.loop_databases] if options.loop_databases else names
    list_file = os.path.join(options.work, "databases.txt")  # what the loops iterate over
    with open(list_file, "w") as f:
        f.write("\n".join(loop_names) + "\n")

    # The app's own configuration (its OnConfiguring reads BENCH_CONNECTION) names the server; the
    # fleet expands it over the databases. A native image cache of this run's own (see README).
    mk_env = {"BENCH_CONNECTION": server.for_npgsql("postgres"),
              "MIGRATEKIT_NATIVE_IMAGE_CACHE": os.path.join(options.work, "native-images"),
              "SERVER": server.npgsql, "DATABASES": list_file}
    alembic_env = {"SERVER_URL": server.for_sqlalchemy("").rstrip("/"), "DATABASES": list_file}
    n = options.databases
    columns = [Column(f"fleet, --parallel {p}", "MigrationKit",
                      f"dotnet migratekit upgrade head --each-database '{PATTERN}' --parallel {p}",
                      options.app, mk_env, names, timeout=300 + 2 * n, fleet=True) for p in options.parallel]
    columns += [
        Column("loop of dotnet migratekit", "MigrationKit",
               'for db in $(cat "$DATABASES"); do dotnet migratekit upgrade head --connection "$SERVER;Database=$db" || exit 1; done',
               options.app, mk_env, loop_names, timeout=60 + 20 * len(loop_names)),
        Column("loop of alembic", "Alembic",
               'for db in $(cat "$DATABASES"); do BENCH_SQLALCHEMY_URL="$SERVER_URL/$db" /usr/bin/python3 -m alembic upgrade head || exit 1; done',
               options.alembic, alembic_env, loop_names, timeout=60 + 20 * len(loop_names)),
    ]

    started = datetime.now(timezone.utc)
    reference = warm_up(server, options, columns, mk_env, alembic_env)
    for index, column in enumerate(columns):
        if column.error:
            print(f"{column.label}: left out: {column.error}", file=sys.stderr)
            continue
        begin = time.perf_counter()
        recreate(server, names, retire_as=f"done{index}_")
        print(f"{column.label}: {n} empty databases created in {time.perf_counter() - begin:.1f} s (not timed); "
              f"running over {len(column.names)} ...", file=sys.stderr)
        run(column, server, options.work, index, n)
        if column.error:
            print(f"  FAILED: {column.error}", file=sys.stderr)
            continue
        table = "alembic_version" if column.tool == "Alembic" else "migratekit_version"
        count = len(column.names)
        at_head, schemas, problems = read_back(server, column.names, table, head)
        column.schema = next(iter(schemas)) if len(schemas) == 1 else None
        column.check = (f"{at_head}/{count} at {head}, {len(schemas)} distinct schema{'s' if len(schemas) > 1 else ''}"
                        + (f" ({'; '.join(problems)})" if problems else ""))
        if at_head != count or len(schemas) != 1:
            column.error = f"read back: {column.check}"
        print(f"  {column.measured:.1f} s, peak {column.peak_mb:.0f} MB; {column.check}", file=sys.stderr)

    report = render(columns, options, started, server, reference)
    print(report)
    if options.out:
        with open(options.out, "w", encoding="utf-8") as f:
            f.write(report)
    return 0 if all(c.error is None for c in columns) else 1


def warm_up(server, options, columns, mk_env, alembic_env):
    """Not timed: the app's first build, the native images of what each MigrationKit command loads
    (compiled before the command exits, MIGRATEKIT_NATIVE_IMAGES=wait; twice, since the first
    command also builds), Alembic's .pyc files. A command that fails here (e.g. a tool without the
    fleet options) leaves its columns out. Returns a line with each tool's last warm-up upgrade of one
    database alone, for reference."""
    recreate(server, [], extra=["warmup_loop_a", "warmup_loop_b", "warmup_loop_c", "warmup_fleet_a", "warmup_fleet_b",
                                "warmup_alembic_a", "warmup_alembic_b"])
    wait = dict(mk_env, MIGRATEKIT_NATIVE_IMAGES="wait")
    mk_loop = [c for c in columns if not c.fleet and c.tool == "MigrationKit"]
    alembic_loop = [c for c in columns if c.tool == "Alembic"]
    one = 'dotnet migratekit upgrade head --connection "$SERVER;Database=warmup_loop_{}"'
    alembic = 'BENCH_SQLALCHEMY_URL="$SERVER_URL/warmup_alembic_{}" /usr/bin/python3 -m alembic upgrade head'
    steps = [
        (mk_loop, options.app, wait, one.format("a")),
        (mk_loop, options.app, wait, one.format("b")),
        ([c for c in columns if c.fleet], options.app, wait,
         "dotnet migratekit upgrade head --each-database 'warmup_fleet_*' --parallel 2"),
        (mk_loop, options.app, mk_env, one.format("c")),
        (alembic_loop, options.alembic, alembic_env, alembic.format("a")),
        (alembic_loop, options.alembic, alembic_env, alembic.format("b")),
    ]
    last = {}
    for affected, cwd, env, script in steps:
        if not affected or any(c.error for c in affected):
            continue
        print(f"warm-up (not timed): {script}", file=sys.stderr)
        start = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "bash", "-c", script], cwd=cwd,
                                env=dict(os.environ, **env), capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            why = first_error(server.mask(result.stderr or result.stdout), result.returncode)
            print(f"  FAILED: {why}", file=sys.stderr)
            for column in affected:
                column.error = f"warm-up failed: {why}"
            continue
        elapsed, peak = time.perf_counter() - start, int(result.stderr.split()[-1]) / 1024
        print(f"  {elapsed:.1f} s, peak {peak:.0f} MB", file=sys.stderr)
        if "--each-database" not in script:
            last[affected[0].tool] = f"{elapsed:.2f} s, {peak:.0f} MB"
    return "; ".join(f"{tool} {value}" for tool, value in last.items())


def render(columns, options, started, server, reference):
    n = options.databases
    loops = {c.tool: c for c in columns if not c.fleet}
    mk_loop, alembic_loop = loops.get("MigrationKit"), loops.get("Alembic")

    def ratio(loop, column):
        if loop is None or loop.seconds is None or column.seconds is None:
            return "-"
        return f"{loop.seconds / column.seconds:.1f}x"

    headers = ["column", "databases", "seconds", f"seconds for {n}", "db/s", "peak MB", "MK loop / this",
               "Alembic loop / this", "load"]
    rows = []
    for c in columns:
        done = c.seconds is not None
        rows.append([c.label, len(c.names),
                     f"{c.measured:.1f}" if done else "failed",
                     f"{c.seconds:.1f}" if done else "-",
                     f"{n / c.seconds:.2f}" if done else "-",
                     f"{c.peak_mb:.0f}" if done else "-",
                     ratio(mk_loop, c), ratio(alembic_loop, c),
                     "-" if c.load is None else f"{c.load:.1f}"])
    out = [
        f"MigrationKit fleet benchmark, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
        f"machine: {os.cpu_count()} cores, {platform.platform()}; versions: {versions(SimpleNamespace(server=server))}",
        f"upgrade head of a {options.revisions}-revision app over {n} empty PostgreSQL databases; one run, columns in this order;",
        "seconds: wall time of the whole column, over `databases`; `seconds for N`: scaled to all N (loops only, when run on fewer);",
        "peak MB: largest resident set of any one process the column ran; `X loop / this`: the loop's time for N over this",
        "column's (above 1: this column is faster); load: the machine's 1-min load average when the column started (2 cores)",
        "",
        *table_lines(headers, rows),
        "",
        f"one database alone, after the warm-up (for reference): {reference or 'not measured'}",
        "",
        "read back (every database after its column):",
    ]
    out += [f"  {c.label}: {c.check or 'not done'}" for c in columns]
    schemas = {c.label: c.schema for c in columns if c.schema is not None}
    if len(schemas) >= 2:
        same = len(set(schemas.values())) == 1
        out.append(f"  across columns: {'the same' if same else 'DIFFERENT'} columns, constraints and indexes in "
                   + ", ".join(schemas))
    out += ["", "targets (issue 14):"]
    for c in columns:
        if c.fleet:
            if c.seconds is None or mk_loop is None or mk_loop.seconds is None:
                speed = "not measured"
            else:
                speed = ("met" if mk_loop.seconds >= 10 * c.seconds else "NOT met") + f" ({ratio(mk_loop, c)})"
            memory = "not measured" if c.peak_mb is None else ("met" if c.peak_mb < 300 else "NOT met") + f" ({c.peak_mb:.0f} MB)"
            out.append(f"  {c.label}: >= 10x faster than the loop of dotnet migratekit: {speed}; peak memory < 300 MB: {memory}")
    failed = [c for c in columns if c.error]
    if failed:
        out += ["", "failures:"] + [f"  {c.label}: {c.error}" for c in failed]
    out += ["", "commands (bash -c, in the app's folder; $SERVER is the server's connection string, $DATABASES the list of names):"]
    out += [f"  {c.label}: {c.script}" for c in columns]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
