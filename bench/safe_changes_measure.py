"""Measures how long a steady insert load stalls while `dotnet migratekit upgrade head` adds an index
and a foreign key to a 2-million-row table: the plain forms EF Core generates against MigrationKit's
safe forms (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID + VALIDATE), side by side.

    MIGRATEKIT_TEST_PG=... /usr/bin/python3 bench/safe_changes_measure.py --template DB \
        --app NAME=FOLDER [--app ...] [--rounds 3] [--out FILE] [--tree COMMIT]

Each trial: a database copied from the template (the first revision applied, the rows loaded; not
timed), a client inserting one order per statement in a loop (autocommit, as an app's requests
would), then `dotnet migratekit upgrade head` in the app's folder with the app's own configuration
(the connection string comes from the app's OnConfiguring, which reads SAFE_BENCH_DB). The stall
is the longest insert that overlapped the upgrade. The order of the apps rotates from round to round.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

import psycopg2

TIMEOUT_SECONDS = 900


class Server:
    """The throwaway cluster named by $MIGRATEKIT_TEST_PG (Npgsql syntax, no Database)."""

    def __init__(self, npgsql):
        keys = {k.strip().lower(): v for k, v in (p.split("=", 1) for p in npgsql.split(";") if "=" in p)}
        self.npgsql = npgsql.rstrip(";")
        self.host, self.port = keys["host"], int(keys.get("port", "5432"))
        self.user, self.password = keys["username"], keys["password"]

    def connect(self, database):
        return psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=database)

    def admin(self, sql):
        connection = self.connect("postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()


class InsertLoad(threading.Thread):
    """One client inserting orders, one row per statement, until stopped; keeps (start, seconds) per insert."""

    def __init__(self, server, database):
        super().__init__(daemon=True)
        self.connection = server.connect(database)
        self.connection.autocommit = True
        self.samples = []
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT max(id) FROM customers")
                customers = cursor.fetchone()[0]
                n = 0
                while not self.stopping.is_set():
                    n += 1
                    start = time.monotonic()
                    cursor.execute(
                        "INSERT INTO orders (customer_id, amount, created_at) VALUES (%s, %s, now())",
                        (n % customers + 1, n % 100000 / 100))
                    self.samples.append((start, time.monotonic() - start))
        except Exception as e:  # reported by the trial, which then fails
            self.error = e
        finally:
            self.connection.close()

    def longest_during(self, begin, end):
        overlapping = [d for s, d in self.samples if s < end and s + d > begin]
        return max(overlapping, default=0.0), len(overlapping)


def schema_state(server, database):
    """Whether the index is there and valid and the foreign key validated: the upgrade's outcome."""
    with server.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("""
            SELECT coalesce(bool_and(i.indisvalid), false) AND count(*) = 1
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'orders'::regclass AND NOT i.indisprimary""")
        index_valid = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(bool_and(convalidated), false) AND count(*) = 1 FROM pg_constraint "
                       "WHERE conrelid = 'orders'::regclass AND contype = 'f'")
        fk_valid = cursor.fetchone()[0]
    connection.close()
    return index_valid and fk_valid


def trial(server, template, name, folder, number):
    database = f"safe_{name}_{number}"
    server.admin(f'DROP DATABASE IF EXISTS "{database}"')
    server.admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    load = InsertLoad(server, database)
    load.start()
    time.sleep(2)  # the load runs steadily before the upgrade starts
    environment = dict(os.environ, SAFE_BENCH_DB=f"{server.npgsql};Database={database}")
    begin = time.monotonic()
    result = subprocess.run(["dotnet", "migratekit", "upgrade", "head"], cwd=folder, env=environment,
                            capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    end = time.monotonic()
    time.sleep(1)
    load.stopping.set()
    load.join()
    if result.returncode != 0:
        raise RuntimeError(f"{name}: upgrade head failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")
    if load.error is not None:
        raise RuntimeError(f"{name}: the insert load failed: {load.error}")
    if not schema_state(server, database):
        raise RuntimeError(f"{name}: after the upgrade the index or the foreign key is missing or not valid")
    stall, inserts = load.longest_during(begin, end)
    server.admin(f'DROP DATABASE "{database}"')
    return end - begin, stall, inserts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--template", required=True)
    parser.add_argument("--app", action="append", required=True, help="NAME=FOLDER")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", default="?")
    parser.add_argument("--out")
    parser.add_argument("--tree", default="unknown")
    args = parser.parse_args()
    server = Server(os.environ["MIGRATEKIT_TEST_PG"])
    apps = [tuple(a.split("=", 1)) for a in args.app]
    results = {name: [] for name, _ in apps}
    for round_number in range(args.rounds):
        order = apps[round_number % len(apps):] + apps[:round_number % len(apps)]
        for name, folder in order:
            seconds, stall, inserts = trial(server, args.template, name, folder, round_number)
            results[name].append((seconds, stall, inserts))
            print(f"  round {round_number + 1}, {name}: upgrade {seconds:.2f} s, longest insert {stall:.3f} s, "
                  f"{inserts} inserts during the upgrade", flush=True)

    lines = [
        f"Insert stalls during `dotnet migratekit upgrade head` (index + foreign key on orders, {args.rows} rows); "
        f"tree {args.tree}; {args.rounds} rounds",
        "",
        f"{'forms':<44}{'upgrade s (median)':>20}{'longest stall s (max)':>24}{'median of stalls':>18}",
    ]
    for name, _ in apps:
        samples = results[name]
        lines.append(f"{name:<44}{statistics.median(s for s, _, _ in samples):>20.2f}"
                     f"{max(t for _, t, _ in samples):>24.3f}{statistics.median(t for _, t, _ in samples):>18.3f}")
    names = [n for n, _ in apps]
    if len(names) == 2:
        plain, safe = (max(t for _, t, _ in results[n]) for n in names)
        lines.append("")
        lines.append(f"longest stall, {names[1]} / {names[0]}: {safe / plain:.3f}"
                     f"   target: {names[1]} under 1 s -> {'met' if safe < 1.0 else 'NOT met'}")
    lines.append("samples (upgrade s, stall s): " + "; ".join(
        f"{n}: " + ", ".join(f"({s:.2f}, {t:.3f})" for s, t, _ in results[n]) for n in names))
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    if args.out:
        with open(args.out, "w") as out:
            out.write(report)


if __name__ == "__main__":
    sys.exit(main())
