#!/usr/bin/env bash
# The MigrationKit benchmark, side by side with Alembic and EF Core's Database.Migrate(), in one command:
#
#   bench/run.sh [--rounds N]      (default 5; BENCH_KEEP=1 keeps the generated projects)
#
# Installs what it lacks (Debian's python3-alembic, python3-psycopg2, a PostgreSQL server), starts a
# throwaway PostgreSQL cluster, generates the same revisions for the three tools, builds the .NET
# parts (not timed), then times them interleaved and prints the medians. The table is also written
# to bench/results/latest.txt. See bench/README.md for how to read it.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Debian's Python, where apt puts alembic and psycopg2 (the python3 on PATH may be another one).
python=/usr/bin/python3

. "$bench/shared.sh"

need_alembic_and_postgres

work=$(mktemp -d /tmp/migratekit-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  "$root/scripts/pg.sh" stop "$work/pg" || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "Kept the generated projects in $work/gen" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

eval "$("$root/scripts/pg.sh" start "$work/pg")"
echo "PostgreSQL started for this run (cluster in $work/pg)."

echo "Generating the projects in $work/gen ..."
"$python" "$bench/generate.py" "$work/gen" "$root"

# Builds are not timed. -nodeReuse:false leaves no MSBuild worker behind once the run is over.
build() {
  local name=$1 log="$work/build-$1.log"; shift
  local start=$SECONDS
  if dotnet build "$@" -c Release -nologo -verbosity:quiet -nodeReuse:false >"$log" 2>&1; then
    echo "  built $name in $((SECONDS - start)) s"
  else
    echo "  building $name FAILED: $(grep -m 1 -E ': error ' "$log" || tail -n 1 "$log")" >&2
    return 1
  fi
}

tree=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ] || tree="$tree + uncommitted changes in src/"

echo "Building (not timed) ..."
build "EF Core app" "$work/gen/efcore-200"
skip=""
# Others may be building the same tree at the same moment: one retry covers a locked file.
if ! build "MigrationKit tool" "$root/src/MigrationKit.Cli" && ! { sleep 20; build "MigrationKit tool" "$root/src/MigrationKit.Cli"; }; then
  skip="dotnet build src/MigrationKit.Cli -c Release failed: $(grep -m 1 -E ': error ' "$work/build-MigrationKit tool.log" | sed "s|$root/||" || true)"
elif ! build "MigrationKit app, 200 revisions" "$work/gen/migratekit-200"; then
  skip="the generated 200-revision MigrationKit app did not build: $(grep -m 1 -E ': error ' "$work/build-MigrationKit app, 200 revisions.log" || true)"
elif ! build "MigrationKit app, 10,000 revisions" "$work/gen/migratekit-10k"; then
  skip="the generated 10,000-revision MigrationKit app did not build: $(grep -m 1 -E ': error ' "$work/build-MigrationKit app, 10,000 revisions.log" || true)"
fi
[ -z "$skip" ] || echo "MigrationKit is left out of this run: $skip" >&2

# Time a copy of the tool just built, so that a rebuild of src/ during the run (the tree is shared)
# cannot swap the binary between rounds.
cli="$root/src/MigrationKit.Cli/bin/Release/net10.0"
if [ -z "$skip" ]; then
  cp -r "$cli" "$work/tool"
  cli="$work/tool"
fi

echo "Measuring: $rounds rounds after one warm-up round, tools interleaved ..."
"$python" "$bench/measure.py" --gen "$work/gen" --cli "$cli/migratekit.dll" --rounds "$rounds" \
  --tree "$tree" --out "$bench/results/latest.txt" --native-images "$work/native-images" ${skip:+--skip-migratekit "$skip"}
echo "Written to bench/results/latest.txt"
