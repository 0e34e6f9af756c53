"""Times MigrationKit, Alembic and EF Core's Database.Migrate() side by side on the projects that
generate.py wrote, and prints (and saves) the medians and their ratios.

    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/measure.py --gen DIR --cli migratekit.dll [--rounds 5]
        [--out FILE] [--tree COMMIT] [--skip-migratekit REASON]

The tools are interleaved: every round runs each operation once per tool, in an order that rotates
from round to round, so that a noisy neighbour slows every tool alike rather than one of them. A
warm-up round (untimed) comes first, so no tool pays for a cold disk cache or Python's first .pyc
compilation. Every upgrade runs on a database of its own, created just before and not timed.
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

MK, ALEMBIC, EF = "MigrationKit", "Alembic", "EF Migrate()"
SHORT_NAMES = {MK: "mk", ALEMBIC: "alembic", EF: "ef"}
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
    """The command line of each tool for each operation, as a user would type it."""

    def __init__(self, gen, cli, server, native_images):
        self.gen, self.cli, self.server, self.native_images = gen, cli, server, native_images
        self.ef_app = os.path.join(gen, "efcore-200", "bin", "Release", "net10.0", "Bench.EfCore.dll")

    def migratekit(self, project, arguments, database):
        command = ["dotnet", self.cli, *arguments, "--project", os.path.join(self.gen, project),
                   "--no-build", "--configuration", "Release"]
        if database is not None:
            command += ["--connection", self.server.for_npgsql(database)]
        # A cache of this run's own, so every run starts from none (see MIGRATEKIT_NATIVE_IMAGES below).
        return command, {"BENCH_CONNECTION": self.server.for_npgsql(database or "postgres"),
                         "MIGRATEKIT_NATIVE_IMAGE_CACHE": self.native_images}

    def project_evaluation(self, project):
        """The MSBuild query that `migratekit` makes to find the app's assembly (see
        src/MigrationKit.Cli/Hosting/ProjectInfo.cs), timed alone for reference."""
        properties = ["TargetPath", "ProjectDepsFilePath", "ProjectRuntimeConfigFilePath", "RootNamespace",
                      "NuGetPackageFolders", "OutputType"]
        project_file = os.path.join(self.gen, project, "Bench.MigrationKit.csproj")
        command = ["dotnet", "msbuild", project_file, "-nologo", *("-getProperty:" + p for p in properties),
                   "-property:Configuration=Release"]
        return command, {}

    def alembic(self, project, arguments, database):
        ini = os.path.join(self.gen, project, "alembic.ini")
        command = ["/usr/bin/python3", "-m", "alembic", "-c", ini, *arguments]
        return command, {"BENCH_SQLALCHEMY_URL": self.server.for_sqlalchemy(database or "postgres")}

    def efcore(self, arguments, database):
        return ["dotnet", self.ef_app, *arguments], {"BENCH_CONNECTION": self.server.for_npgsql(database)}


class Operation:
    def __init__(self, name, tools, target):
        self.name, self.tools, self.target = name, tools, target
        self.samples = {tool: [] for tool in tools}
        self.failures = {}
        self.first_run = None  # MigrationKit's warm-up run, which compiles the native images

    def median(self, tool):
        samples = self.samples.get(tool) or []
        return statistics.median(samples) if samples else None


def run(command, extra_env, server):
    env = dict(os.environ, DOTNET_NOLOGO="1", DOTNET_CLI_TELEMETRY_OPTOUT="1", **extra_env)
    start = time.perf_counter()
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
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
    parser.add_argument("--cli", required=True, help="migratekit.dll, built in Release")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--tree", default="unknown", help="the commit of MigrationKit being measured")
    parser.add_argument("--skip-migratekit", metavar="REASON")
    parser.add_argument("--native-images", required=True, help="an empty folder for MigrationKit's native image cache")
    options = parser.parse_args()

    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    tools = Tools(os.path.abspath(options.gen), os.path.abspath(options.cli), server, os.path.abspath(options.native_images))
    skip_mk = options.skip_migratekit

    def not_slower_than_alembic(op):
        mk, alembic = op.median(MK), op.median(ALEMBIC)
        if mk is None or alembic is None:
            return "not measured"
        return ("met" if mk <= alembic else "NOT met") + f" (MigrationKit <= Alembic; {mk / alembic:.2f}x)"

    def under_a_second(op):
        mk = op.median(MK)
        return "not measured" if mk is None else ("met" if mk < 1.0 else "NOT met") + f" (MigrationKit < 1 s; {mk:.3f} s)"

    upgrade = Operation("upgrade head, 200 revisions, empty db", [MK, ALEMBIC, EF], not_slower_than_alembic)
    current = Operation("current, upgraded db", [MK, ALEMBIC, EF], not_slower_than_alembic)
    heads = Operation("heads, 10,000 revisions", [MK, ALEMBIC], under_a_second)
    history = Operation("history, 10,000 revisions", [MK, ALEMBIC], lambda op: "no target")
    evaluation = Operation("dotnet msbuild -getProperty, 10,000-revision app", [MK], lambda op: "no target")
    operations = [upgrade, current, heads, history]
    commands_seen = {}

    def measure(op, tool, round_number, make, check):
        if tool == MK and skip_mk:
            op.failures[tool] = skip_mk
            return
        command, env = make()
        if tool == MK and round_number == 0:
            # The first command of each app compiles the native images it loads before it exits,
            # instead of in the background, so the measured rounds find them all (timed for reference).
            env = dict(env, MIGRATEKIT_NATIVE_IMAGES="wait")
        commands_seen.setdefault((op.name, tool), printable(command, server))
        elapsed, out, err = run(command, env, server)
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
    for round_number in range(options.rounds + 1):
        print(f"round {round_number} of {options.rounds}{' (warm-up, not counted)' if round_number == 0 else ''}", file=sys.stderr)
        databases = {}
        for tool in rotate([MK, ALEMBIC, EF], round_number):
            database = databases[tool] = f"bench_{SHORT_NAMES[tool]}_{round_number}"
            server.create_database(database)
            make = {
                MK: lambda: tools.migratekit("migratekit-200", ["upgrade", "head"], database),
                ALEMBIC: lambda: tools.alembic("alembic-200", ["upgrade", "head"], database),
                EF: lambda: tools.efcore([], database),
            }[tool]
            measure(upgrade, tool, round_number, make, upgraded(database))
        if round_number == 0:
            schema_check = compare_schemas(server, {t: d for t, d in databases.items() if t not in upgrade.failures})
        for tool in rotate([MK, ALEMBIC, EF], round_number):
            database = databases[tool]
            make, expected = {
                MK: (lambda: tools.migratekit("migratekit-200", ["current"], database), "000000000200"),
                ALEMBIC: (lambda: tools.alembic("alembic-200", ["current"], database), "000000000200"),
                EF: (lambda: tools.efcore(["current"], database), "20260101000200_T200"),
            }[tool]
            measure(current, tool, round_number, make, prints(expected))
        for tool in rotate([MK, ALEMBIC], round_number):
            project = {MK: "migratekit-10k", ALEMBIC: "alembic-10k"}[tool]
            runner = tools.migratekit if tool == MK else tools.alembic
            measure(heads, tool, round_number, lambda: runner(project, ["heads"], None), prints("000000010000"))
            measure(history, tool, round_number, lambda: runner(project, ["history"], None), counts_lines(10_000))
        measure(evaluation, MK, round_number, lambda: tools.project_evaluation("migratekit-10k"), prints("TargetPath"))

    report = render(operations, evaluation, options, started, commands_seen, tools, schema_check)
    print(report)
    if options.out:
        os.makedirs(os.path.dirname(os.path.abspath(options.out)), exist_ok=True)
        with open(options.out, "w", encoding="utf-8") as f:
            f.write(report)
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


def render(operations, evaluation, options, started, commands_seen, tools, schema_check):
    headers = ["operation", MK, ALEMBIC, EF, "MK/Alembic", "MK/EF"]
    rows = []
    for op in operations:
        mk, alembic, ef = op.median(MK), op.median(ALEMBIC), op.median(EF)
        rows.append([
            op.name,
            "failed" if MK in op.failures and mk is None else seconds(mk),
            "failed" if ALEMBIC in op.failures and alembic is None else seconds(alembic),
            ("failed" if EF in op.failures and ef is None else seconds(ef)) if EF in op.tools else "n/a",
            ratio(mk, alembic),
            ratio(mk, ef) if EF in op.tools else "n/a",
        ])
    out = [
        f"MigrationKit benchmark, {started:%Y-%m-%d %H:%M} UTC, MigrationKit at {options.tree}",
        f"machine: {os.cpu_count()} cores, {platform.platform()}; versions: {versions(tools)}",
        f"medians of {options.rounds} interleaved rounds (after one warm-up round); ratio < 1 means MigrationKit is faster",
        "",
        *table_lines(headers, rows),
        "",
        f"for reference, the MSBuild query MigrationKit makes to find the app (`dotnet msbuild -getProperty`,",
        f"10,000-revision app) takes {seconds(evaluation.median(MK))} alone; with --no-build the tool may reuse an earlier answer",
        "",
        "MigrationKit's warm-up runs, which compile the native images of what they load (once per app build and",
        "package version; by default in the background after the command): "
        + ", ".join(f"{op.name.split(',')[0]} {seconds(op.first_run)}" for op in operations if op.first_run is not None),
        "",
        f"schema check: {schema_check}",
        "",
        "targets:",
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
    out += ["", "commands (password masked):"]
    out += [f"  {name} / {tool}: {command}" for (name, tool), command in commands_seen.items()]
    return "\n".join(out) + "\n"


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
