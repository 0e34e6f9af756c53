using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>
/// The fleet tests' app: four cheap revisions, each leaving a table (or a column) that says it
/// ran, and a count of the calls to their <c>Upgrade</c> (how often a fleet generated their SQL).
/// The fleet test classes share the count, so they run one after another (<see cref="FleetCollection"/>).
/// </summary>
public static class Tenants
{
    public const string Accounts = "fa0000000001";
    public const string Orders = "fa0000000002";
    public const string Note = "fa0000000003";
    public const string Audit = "fa0000000004";

    public static readonly Type[] All = [typeof(R1), typeof(R2), typeof(R3), typeof(R4)];

    private static int s_upgradeCalls;

    public static int UpgradeCalls => Volatile.Read(ref s_upgradeCalls);

    /// <summary>What each revision leaves, as <see cref="SchemaStateSql"/> reads it: a table, or the column R3 adds.</summary>
    public static readonly string[] Marks = ["fleet_accounts", "fleet_orders", "fleet_orders.Note", "fleet_audit"];

    /// <summary>
    /// The version table's heads the schema shows: the last revision whose mark exists (base: none).
    /// PostgreSQL, in <paramref name="schema"/>; one row.
    /// </summary>
    public static string SchemaStateSql(string schema) => $"""
        SELECT CASE
          WHEN to_regclass('"{schema}".fleet_audit') IS NOT NULL THEN '{Audit}'
          WHEN EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'fleet_orders' AND column_name = 'Note') THEN '{Note}'
          WHEN to_regclass('"{schema}".fleet_orders') IS NOT NULL THEN '{Orders}'
          WHEN to_regclass('"{schema}".fleet_accounts') IS NOT NULL THEN '{Accounts}'
          ELSE 'base' END
        """;

    private static void CountedTable(MigrationBuilder b, string table)
    {
        Interlocked.Increment(ref s_upgradeCalls);
        b.CreateTable(table, t => new { Id = t.Column<int>(nullable: false) }, constraints: t => t.PrimaryKey("PK_" + table, x => x.Id));
    }

    [Revision(Accounts, Message = "accounts")]
    public sealed class R1 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => CountedTable(b, "fleet_accounts");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("fleet_accounts");
    }

    [Revision(Orders, Parents = [Accounts], Message = "orders")]
    public sealed class R2 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => CountedTable(b, "fleet_orders");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("fleet_orders");
    }

    [Revision(Note, Parents = [Orders], Message = "order note")]
    public sealed class R3 : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            Interlocked.Increment(ref s_upgradeCalls);
            b.AddColumn<string>("Note", "fleet_orders", nullable: true);
        }

        protected override void Downgrade(MigrationBuilder b) => b.Sql("ALTER TABLE fleet_orders DROP COLUMN \"Note\"");
    }

    [Revision(Audit, Parents = [Note], Message = "audit")]
    public sealed class R4 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => CountedTable(b, "fleet_audit");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("fleet_audit");
    }
}

/// <summary>Three revisions of half a second each (PostgreSQL), for the test that kills a fleet run.</summary>
public static class SlowTenants
{
    public static readonly Type[] All = [typeof(S1), typeof(S2), typeof(S3)];
    public static readonly string[] Ids = ["fb0000000001", "fb0000000002", "fb0000000003"];

    [Revision("fb0000000001", Message = "slow one")]
    public sealed class S1 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => Slow(b, "slow_1");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("slow_1");
    }

    [Revision("fb0000000002", Parents = ["fb0000000001"], Message = "slow two")]
    public sealed class S2 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => Slow(b, "slow_2");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("slow_2");
    }

    [Revision("fb0000000003", Parents = ["fb0000000002"], Message = "slow three")]
    public sealed class S3 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => Slow(b, "slow_3");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("slow_3");
    }

    // The table first, the pause after: a kill during the pause leaves a created table the
    // version table does not know of, unless the transaction rolled it back as it must.
    private static void Slow(MigrationBuilder b, string table)
    {
        b.CreateTable(table, t => new { Id = t.Column<int>(nullable: false) });
        b.Sql("SELECT pg_sleep(0.5)");
    }
}

/// <summary>An app's context as a fleet gets it: no connection string of its own.</summary>
public sealed class FleetContext(DbContextOptions<FleetContext> options) : DbContext(options)
{
    public static Func<DbContext> Factory(string provider) => () => new FleetContext(provider == Testing.ScratchDatabase.Postgres
        ? new DbContextOptionsBuilder<FleetContext>().UseNpgsql().Options
        : new DbContextOptionsBuilder<FleetContext>().UseSqlite().Options);
}

/// <summary>A context whose model has a default schema, which a schema per tenant cannot serve.</summary>
public sealed class DefaultSchemaContext(DbContextOptions<DefaultSchemaContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.HasDefaultSchema("app");
}

[CollectionDefinition(Name)]
public sealed class FleetCollection
{
    public const string Name = "Fleet";
}
