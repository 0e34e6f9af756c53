#!/usr/bin/env bash
# Runs the finance sample end to end on SQLite with the migratekit tool built from this tree:
# the revision graph (a branch and a merge), upgrade head, history, downgrades, upgrade again,
# then the app itself, which upgrades at start-up through the library call.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

echo "Building the tool and the sample ..."
dotnet build src/MigrationKit.Cli -c Release -nologo -verbosity:quiet
dotnet build samples/Finance -nologo -verbosity:quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MIGRATEKIT_CONNECTION="Data Source=$work/finance.db"
echo "Database: $work/finance.db"

step() {
  echo
  echo "\$ dotnet migratekit $*"
  dotnet "$root/src/MigrationKit.Cli/bin/Release/net10.0/migratekit.dll" "$@" --project samples/Finance --no-build
}

step heads
step branches
step history
step upgrade head
step current
step history -i
step downgrade -1
step current
step downgrade base
step current
step upgrade a45e
step current
step upgrade head
step current

echo
echo "\$ dotnet run --project samples/Finance   (the app upgrades itself at start-up, then writes rows)"
FINANCE_CONNECTION="$MIGRATEKIT_CONNECTION" dotnet run --project samples/Finance --no-build
echo
echo "Sample finished."
