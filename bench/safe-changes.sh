#!/usr/bin/env bash
# Insert stalls while a revision adds an index and a foreign key to a 2-million-row table under a
# steady insert load: the plain forms EF Core generates against MigrationKit's safe forms
# (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE), side by side in one run.
#
#   bench/safe-changes.sh [--rounds N] [--rows N]     (defaults 3 and 2000000; BENCH_KEEP=1 keeps the apps)
#
# The path users take: the tool packed from this tree and installed as a local tool in two apps
# (`dotnet tool install --local`), each app's connection string from its own OnConfiguring, both
# revisions written by `dotnet migratekit revision --autogenerate`: one app with default settings,
# one with migratekit.json's autogenerate.concurrentIndexes and autogenerate.notValidForeignKeys.
# The table is printed and written to bench/results/safe-changes.txt. See bench/README.md.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
rounds=3
rows=2000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --rows) rows=${2:?--rows needs a number}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "safe-changes.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
python=/usr/bin/python3
. "$bench/shared.sh"
"$python" -c 'import psycopg2' 2>/dev/null || apt_install python3-psycopg2

work=$(mktemp -d /tmp/migratekit-safe.XXXXXX)
chmod 755 "$work"
version="0.0.0-bench.$(date -u +%Y%m%d%H%M%S).$$"
cleanup() {
  "$root/scripts/pg.sh" stop "$work/pg" || true
  forget_packed "$version"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "Kept the apps in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

eval "$("$root/scripts/pg.sh" start "$work/pg")"
echo "PostgreSQL started for this run (cluster in $work/pg)."

echo "Packing the tool from this tree (version $version) ..."
pack_tree "$root" "$version" "$work"

npgsql_version=$(grep -oP 'Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="\K[^"]+' "$root/Directory.Packages.props")

# The model before (orders.customer_id is a plain column) and after (a foreign key, with its index).
model() {
  local relation=$1
  cat <<EOF
using Microsoft.EntityFrameworkCore;

namespace SafeBench;

public class Customer
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
}

public class Order
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public decimal Amount { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class ShopContext : DbContext
{
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnConfiguring(DbContextOptionsBuilder options)
        => options.UseNpgsql(Environment.GetEnvironmentVariable("SAFE_BENCH_DB")
            ?? throw new InvalidOperationException("Set SAFE_BENCH_DB to the shop's connection string."));

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Customer>(c =>
        {
            c.ToTable("customers");
            c.Property(x => x.Id).HasColumnName("id");
            c.Property(x => x.Name).HasColumnName("name");
        });
        model.Entity<Order>(o =>
        {
            o.ToTable("orders");
            o.Property(x => x.Id).HasColumnName("id");
            o.Property(x => x.CustomerId).HasColumnName("customer_id");
            o.Property(x => x.Amount).HasColumnName("amount").HasPrecision(12, 2);
            o.Property(x => x.CreatedAt).HasColumnName("created_at");
            $relation
        });
    }
}
EOF
}

make_app() {
  local name=$1 settings=$2 app="$work/$1"
  mkdir -p "$app"
  cat > "$app/$name.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RootNamespace>SafeBench</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="$npgsql_version" />
    <PackageReference Include="MigrationKit" Version="$version" />
  </ItemGroup>
</Project>
EOF
  install_local_tool "$app" "$version" "$work/packages"
  (
    cd "$app"
    model "" > ShopContext.cs
    dotnet migratekit init >/dev/null
    if [ -n "$settings" ]; then
      "$python" - "$settings" <<'EOF'
import json, sys
with open("migratekit.json") as f:
    current = json.load(f)
current.update(json.loads(sys.argv[1]))
with open("migratekit.json", "w") as f:
    json.dump(current, f, indent=2)
EOF
    fi
    export SAFE_BENCH_DB="$MIGRATEKIT_TEST_PG;Database=unused"
    dotnet migratekit revision --autogenerate -m "create shop" --rev-id 5afe00000001 >/dev/null
    model 'o.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId);' > ShopContext.cs
    dotnet migratekit revision --autogenerate -m "orders reference customers" --rev-id 5afe00000002 >/dev/null
  )
  # Code lines only: the lint findings kept at the top of the file name the safe forms too.
  echo "  $name: $(grep -vE '^\s*//' "$app"/Revisions/5afe00000002_*.cs | grep -cE 'CreatedConcurrently|NOT VALID' || true) safe-form statements in its second revision"
}

echo "Writing the two apps (each: init, two autogenerated revisions) ..."
make_app Plain ""
make_app Safe '{"autogenerate": {"concurrentIndexes": true, "notValidForeignKeys": true}}'

echo "Loading the template database: the first revision, $rows orders over 10,000 customers (not timed) ..."
export PGPASSWORD
PGPASSWORD=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$MIGRATEKIT_TEST_PG")
port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$MIGRATEKIT_TEST_PG")
psql() { command psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U migratekit "$@"; }
psql -d postgres -c "CREATE DATABASE shop_template"
(cd "$work/Plain" && SAFE_BENCH_DB="$MIGRATEKIT_TEST_PG;Database=shop_template" dotnet migratekit upgrade 5afe00000001 >/dev/null)
psql -d shop_template <<EOF
INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 10000) g;
INSERT INTO orders (customer_id, amount, created_at)
  SELECT g % 10000 + 1, (g % 100000) / 100.0, now() - g * interval '1 second' FROM generate_series(1, $rows) g;
VACUUM ANALYZE;
EOF

tree=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ] || tree="$tree + uncommitted changes in src/"
mkdir -p "$bench/results"
echo "Measuring ($rounds rounds) ..."
"$python" "$bench/safe_changes_measure.py" --template shop_template --rounds "$rounds" --rows "$rows" --tree "$tree" \
  --app "plain forms (EF Core's default)=$work/Plain" \
  --app "safe forms (concurrent, NOT VALID)=$work/Safe" \
  --out "$bench/results/safe-changes.txt"
