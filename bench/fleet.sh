#!/usr/bin/env bash
# A fleet of tenant databases: `upgrade head` of a 20-revision app over 500 PostgreSQL databases, as
# one `dotnet migratekit upgrade head --each-database 'fleet_*'` against a shell loop running
# `dotnet migratekit upgrade head --connection ...` once per database and the same loop with Alembic,
# side by side in one run:
#
#   bench/fleet.sh [--databases N] [--revisions R] [--parallel "4 8"] [--loop-databases M]
#   (defaults 500, 20 and "4 8": one fleet column per value; with --loop-databases the two loops run
#   over the first M databases only and their time is scaled to N; BENCH_KEEP=1 keeps the apps)
#
# The tool is packed from this tree and installed as a local tool in the generated app, whose
# DbContext reads its connection from $BENCH_CONNECTION. Builds are not timed. The table is printed
# and written to bench/results/fleet-latest.txt. See bench/README.md.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
databases=500
revisions=20
parallel="4 8"
loop_databases=""
while [ $# -gt 0 ]; do
  case "$1" in
    --databases) databases=${2:?--databases needs a number}; shift 2 ;;
    --revisions) revisions=${2:?--revisions needs a number}; shift 2 ;;
    --parallel) parallel=${2:?--parallel needs a list of numbers}; shift 2 ;;
    --loop-databases) loop_databases=${2:?--loop-databases needs a number}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fleet.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
python=/usr/bin/python3
. "$bench/shared.sh"
need_alembic_and_postgres

start_packed_run fleet

echo "Generating the $revisions-revision apps in $work/gen ..."
"$python" "$bench/generate.py" "$work/gen" "$root" --fleet "$revisions" --package-version "$version"
install_local_tool "$work/gen/migratekit-$revisions" "$version" "$work/packages"

mkdir -p "$bench/results"
"$python" "$bench/fleet_measure.py" --app "$work/gen/migratekit-$revisions" --alembic "$work/gen/alembic-$revisions" \
  --databases "$databases" --revisions "$revisions" --parallel $parallel ${loop_databases:+--loop-databases "$loop_databases"} \
  --work "$work" --tree "$tree" \
  --out "$bench/results/fleet-latest.txt"
echo "Written to bench/results/fleet-latest.txt"
