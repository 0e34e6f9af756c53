#!/usr/bin/env bash
# Runs every test: starts a throwaway PostgreSQL from the installed server binaries, runs the
# test projects (unit, runner against real PostgreSQL and SQLite, the packed tool end to end),
# runs the sample end to end from an empty native image cache, stops the server, and prints one
# closing line "N passed, N failed".
#
#   scripts/test.sh            # everything: what CI runs
#   scripts/test.sh --quick    # the edit-test loop: every test project but the packed tool's
#                              # end-to-end tests and the sample (a few minutes less)
# Further arguments go to `dotnet test`, e.g. scripts/test.sh --quick --filter FullyQualifiedName~Sqlite
set -euo pipefail
quick=false
if [ "${1:-}" = --quick ]; then quick=true; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# The runner's tests run `--sql` scripts through the sqlite3 shell, as a user runs them, and put a
# real PgBouncer in front of the test server. As root (CI), a machine without them gets them from
# Debian's packages first.
for package in sqlite3:sqlite3 pgbouncer:/usr/sbin/pgbouncer; do
  name=${package%%:*} program=${package#*:}
  if ! command -v "$program" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get install -y -qq "$name" || { apt-get update -qq && apt-get install -y -qq "$name"; }; } >/dev/null 2>&1 || true
  fi
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "test.sh: $name is missing; install it with: apt-get update && apt-get install -y $name" >&2
    exit 1
  fi
done

state=$(mktemp -d /tmp/migratekit-test.XXXXXX)
chmod 755 "$state"
cleanup() { "$root/scripts/pg.sh" stop "$state/pg" || true; rm -rf "$state"; }
trap cleanup EXIT

eval "$("$root/scripts/pg.sh" start "$state/pg")"
export MIGRATEKIT_TEST_PG

dotnet build MigrationKit.sln -c Release -nologo -verbosity:quiet
# dotnet test runs the test projects of a solution (or solution filter) side by side.
tests=MigrationKit.sln
if $quick; then
  tests="$state/quick.slnf"
  projects=$(grep -o '"tests\\[^"]*\.csproj"' MigrationKit.sln | grep -v EndToEnd | tr '\\' / | paste -sd, -)
  printf '{"solution":{"path":"%s","projects":[%s]}}\n' "$root/MigrationKit.sln" "$projects" > "$tests"
fi
status=0
dotnet test "$tests" -c Release --no-build -nologo "$@" 2>&1 | tee "$state/test.log" || status=$?

# dotnet test prints one summary per test project; add them up into the plain closing line.
passed=$(grep -Eo 'Passed: +[0-9]+' "$state/test.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$state/test.log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

if $quick; then
  echo "$passed passed, $failed failed (--quick: no end-to-end tests, no sample)"
  exit "$status"
fi

# The README's first command counts as one more test: the sample end to end, from an empty native
# image cache, so its commands run while their images are still being compiled in the background.
if MIGRATEKIT_NATIVE_IMAGE_CACHE="$state/native-images" "$root/scripts/sample.sh" >"$state/sample.log" 2>&1; then
  passed=$((passed + 1)); echo "scripts/sample.sh: passed"
else
  failed=$((failed + 1)); status=1; echo "scripts/sample.sh: FAILED"; tail -n 20 "$state/sample.log"
fi
echo "$passed passed, $failed failed"
exit "$status"
