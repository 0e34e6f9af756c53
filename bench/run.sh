#!/usr/bin/env bash
# The MigrationKit benchmark, side by side with Alembic and EF Core's Database.Migrate(), in one command:
#
#   bench/run.sh [--rounds N]      (default 5; BENCH_KEEP=1 keeps the generated projects)
#
# Installs what it lacks (Debian's python3-alembic, python3-psycopg2, a PostgreSQL server), starts a
# throwaway PostgreSQL cluster, packs this tree (Release) and installs it as a local tool in the
# generated apps, generates the same revisions for the three tools, builds the apps (not timed),
# then times `dotnet migratekit ...` as typed in the app's folder beside Alembic and EF Core,
# interleaved, and prints the medians. The table is also written to bench/results/latest.txt.
# See bench/README.md for how to read it.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Debian's Python, where apt puts alembic and psycopg2 (the python3 on PATH may be another one).
python=/usr/bin/python3

. "$bench/shared.sh"

need_alembic_and_postgres

start_packed_run bench

echo "Generating the projects in $work/gen ..."
"$python" "$bench/generate.py" "$work/gen" "$root" --package-version "$version"
echo "Installing the tool as a local tool in the MigrationKit apps, dotnet-ef in the EF Core one (not timed) ..."
for app in migratekit-200 aspnet-200 migratekit-10k first-mk; do
  install_local_tool "$work/gen/$app" "$version" "$work/packages"
done
(cd "$work/gen/first-ef" && dotnet tool restore >/dev/null)

# Builds are not timed. -nodeReuse:false leaves no MSBuild worker behind once the run is over. The
# MigrationKit apps are built as the tool builds them (Debug, its default); the tool's first command
# in the warm-up round then finds them built.
build() {
  local name=$1 log="$work/build-$1.log"; shift
  local start=$SECONDS
  if dotnet build "$@" -nologo -verbosity:quiet -nodeReuse:false >"$log" 2>&1; then
    echo "  built $name in $((SECONDS - start)) s"
  else
    echo "  building $name FAILED (its columns will fail): $(grep -m 1 -E ': error ' "$log" || tail -n 1 "$log")" >&2
  fi
}

echo "Building (not timed) ..."
build "EF Core app" "$work/gen/efcore-200" -c Release
build "MigrationKit app, 200 revisions" "$work/gen/migratekit-200"
build "ASP.NET Core app, 200 revisions" "$work/gen/aspnet-200"
build "MigrationKit app, 10,000 revisions" "$work/gen/migratekit-10k"

# The installed tool's own dll, timed also when started directly (the figures run.sh gave before).
cli="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')/migrationkit.tool/$version/tools/net10.0/any/migratekit.dll"
[ -f "$cli" ] || { echo "run.sh: the installed tool has no $cli" >&2; exit 1; }

echo "Measuring: $rounds rounds after one warm-up round, tools interleaved ..."
mkdir -p "$bench/results"
"$python" "$bench/measure.py" --gen "$work/gen" --cli "$cli" --rounds "$rounds" \
  --tree "$tree" --out "$bench/results/latest.txt" --native-images "$work/native-images"
echo "Written to bench/results/latest.txt"
