#!/usr/bin/env bash
# `dotnet migratekit revision --autogenerate` against `dotnet ef migrations add`, build included:
#
#   bench/autogenerate.sh [--rounds N] [--sizes "10 100 300 real"] [--baseline REV] [--out FILE]
#   (BENCH_KEEP=1 keeps the apps; the report is rewritten after every round, so a stopped run leaves one)
#
# Packs this tree with a version of its own, generates two copies of the same Npgsql model per
# size (one set up with MigrationKit, one with EF Core migrations, `dotnet-ef` 10.0.15 from NuGet;
# "real" is an app shaped like real ones: a Domain and a Data project, three DbContexts),
# then times one model change in both, interleaved, and prints the medians. The table is also
# written to bench/results/autogenerate.txt. With --baseline, MigrationKit as committed at REV is
# packed too and timed in the same rounds (before/after a change). See bench/README.md.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
rounds=5
sizes="10 100 300 real"
baseline=""
out="$bench/results/autogenerate.txt"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --sizes) sizes=${2:?--sizes needs a list}; shift 2 ;;
    --baseline) baseline=${2:?--baseline needs a commit}; shift 2 ;;
    --out) out=$(realpath -m "${2:?--out needs a file}"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "autogenerate.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
python=/usr/bin/python3
work=$(mktemp -d /tmp/migratekit-autobench.XXXXXX)
# NuGet keeps a package version forever: a version of this run's own installs this tree, not an older pack.
version="0.0.0-bench.$(date -u +%Y%m%d%H%M%S).$$"
base_version="0.0.0-benchbase.$(date -u +%Y%m%d%H%M%S).$$"
. "$bench/shared.sh"
cleanup() {
  forget_packed "$version" "$base_version"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "Kept the generated apps in $work/gen" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

tree=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ] || tree="$tree + uncommitted changes in src/"

echo "Packing MigrationKit $version (not timed) ..."
pack_tree "$root" "$version" "$work"
if [ -n "$baseline" ]; then
  baseline=$(git -C "$root" rev-parse --short "$baseline")
  echo "Packing the baseline, MigrationKit at $baseline, as $base_version (not timed) ..."
  mkdir "$work/baseline-src"
  git -C "$root" archive "$baseline" | tar -x -C "$work/baseline-src"
  pack_tree "$work/baseline-src" "$base_version" "$work"
fi

echo "Generating the apps in $work/gen ..."
"$python" "$bench/autogenerate_generate.py" "$work/gen" "$version" "$work/packages" ${baseline:+--baseline "$base_version"} $sizes

echo "Setting up and measuring: $rounds rounds after one warm-up round, tools interleaved ..."
"$python" "$bench/autogenerate_measure.py" --gen "$work/gen" --sizes $sizes --rounds "$rounds" \
  --tree "$tree" ${baseline:+--baseline "$baseline"} --out "$out"
echo "Written to $out"
