# What several bench scripts need; sourced, not run:
#
#   . "$bench/shared.sh"
#   apt_install PACKAGE...                   # Debian packages, as root (else one line saying what to run)
#   need_alembic_and_postgres                # Debian's Alembic and psycopg2 for $python, and a PostgreSQL server
#   pack_tree SOURCE_ROOT VERSION WORK       # the packages land in WORK/packages; exits with one line if it fails
#   install_local_tool APP VERSION PACKAGES  # APP gets a nuget.config with PACKAGES, a tool manifest and the tool
#   forget_packed VERSION...                 # removes those versions from NuGet's global packages folder
#   start_packed_run NAME                    # $work, a throwaway PostgreSQL, $tree, this tree packed as $version
#
# This tree is packed and installed as a local tool for the benchmarks that run `dotnet migratekit`
# as users type it. NuGet keeps a package version forever, so each run packs a version of its own
# ("0.0.0-bench.<time>.<pid>": a prerelease of 0.0.0 sorts below any release) and forgets it on exit.

# Only the src projects are packages: a solution filter keeps the solution's project list the truth.
# -c Release as users get it: `dotnet pack MigrationKit.sln` packs Release, a solution filter Debug.
# --artifacts-path keeps the pack out of the tree's obj folders, where others may be building.
pack_tree() {
  local source=$1 version=$2 work=$3 projects
  projects=$(grep '^Project(' "$source/MigrationKit.sln" | cut -d'"' -f6 | tr '\\' '/' | grep '^src/.*proj$' \
    | sed 's/.*/"&"/' | paste -sd, -)
  echo "{\"solution\":{\"path\":\"$source/MigrationKit.sln\",\"projects\":[$projects]}}" > "$work/$version.slnf"
  if ! dotnet pack "$work/$version.slnf" -c Release -o "$work/packages" --artifacts-path "$work/artifacts-$version" -p:Version="$version" \
      -nologo -verbosity:quiet -nodeReuse:false > "$work/pack-$version.log" 2>&1; then
    echo "dotnet pack failed: $(grep -m 1 -E ': error ' "$work/pack-$version.log" || tail -n 1 "$work/pack-$version.log")" >&2
    exit 1
  fi
}

install_local_tool() {
  local app=$1 version=$2 packages=$3 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cp "$root/nuget.config" "$app/nuget.config"
  (
    cd "$app"
    dotnet nuget add source "$packages" --name bench --configfile nuget.config >/dev/null
    dotnet new tool-manifest >/dev/null
    dotnet tool install --local MigrationKit.Tool --version "$version" >/dev/null
  )
}

forget_packed() {
  local cache version package
  cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
  for version in "$@"; do
    for package in migrationkit migrationkit.core migrationkit.runner migrationkit.tool; do
      rm -rf "${cache:?}/$package/$version"
    done
  done
}

# Debian's packages (python3-alembic, postgresql-15, ...): installing needs root, so anyone else is
# told the command and the script stops.
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "$(basename "$0"): missing $*; install them (as root: apt-get install -y $*) and run again." >&2
    exit 1
  fi
  echo "Installing $* ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

need_alembic_and_postgres() {
  "$python" -c 'import alembic, psycopg2' 2>/dev/null || apt_install python3-alembic python3-psycopg2
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || apt_install postgresql-15
}

# What a benchmark run that times the packed tool against PostgreSQL starts with: a work folder
# ($work, /tmp/migratekit-NAME.*), a throwaway PostgreSQL cluster in it (MIGRATEKIT_TEST_PG), $tree
# (the commit measured) and this tree packed as $version; on exit the cluster stops, the version is
# forgotten and the folder removed (BENCH_KEEP=1 keeps the apps). Needs $root.
start_packed_run() {
  work=$(mktemp -d "/tmp/migratekit-$1.XXXXXX")
  chmod 755 "$work"
  version="0.0.0-bench.$(date -u +%Y%m%d%H%M%S).$$"
  trap 'cleanup_packed_run' EXIT
  eval "$("$root/scripts/pg.sh" start "$work/pg")"
  echo "PostgreSQL started for this run (cluster in $work/pg)."
  tree=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ] || tree="$tree + uncommitted changes in src/"
  echo "Packing MigrationKit $version (not timed) ..."
  pack_tree "$root" "$version" "$work"
}

cleanup_packed_run() {
  "$root/scripts/pg.sh" stop "$work/pg" || true
  forget_packed "$version"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "Kept the apps in $work/gen" >&2; else rm -rf "$work"; fi
}
