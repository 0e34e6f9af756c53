using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit.Core;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// What a destructive revision would lose, counted on tables of known contents before it runs,
/// and <see cref="RunnerOptions.RefuseDataLoss"/> stopping before the first revision that loses any.
/// </summary>
public sealed class DataLossTests
{
    // users: 5 rows. note: 3 non-null; name: 2 longer than 10; email: 2 NULLs; title (widened): long values;
    // empty_note: all NULL; rank: 1 beyond integer. audit: 4 rows.
    private const string KnownContents = """
        INSERT INTO users ("Id", name, note, email, title, rank) VALUES
            (1, 'short', 'a', 'a@x', 'ten chars!', 1),
            (2, 'a much longer name', 'b', NULL, 'ten chars!', 2),
            (3, 'eleven char', 'c', 'c@x', NULL, 3000000000),
            (4, 'tiny', NULL, NULL, NULL, NULL),
            (5, 'ten chars!', NULL, 'e@x', NULL, -5);
        INSERT INTO audit ("Id") VALUES (1), (2), (3), (4);
        """;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Each_destructive_change_is_counted_on_the_live_database_without_running_it(string provider)
    {
        using var db = await WithKnownContentsAsync(provider, Lossy.All);
        var runner = db.Runner(Lossy.All);

        var losses = await runner.CountDataLossAsync(runner.Graph.PlanUpgrade(await runner.GetCurrentHeadsAsync(), "head"));

        Assert.Equal(
            [
                "drops column users.note: 3 non-null values",
                "drops column users.empty_note: 0 non-null values",
                "narrows column users.name to varchar(10): 2 values longer",
                "sets users.email NOT NULL: 2 rows hold NULL",
                "narrows column users.rank to integer: 1 values out of range",
                // Created earlier in the same revision: not there yet, so empty.
                "drops column later.x: 0 non-null values",
                "drops table audit: 4 rows",
            ],
            losses.Select(l => l.ToString()));
        // The widened column (varchar(10) -> varchar(40)) loses nothing, so it is not listed.
        Assert.DoesNotContain(losses, l => l.Change.Contains("title", StringComparison.Ordinal));
        Assert.All(losses, l => Assert.Equal(Lossy.Everything, l.Step.Revision.Id));
        // Nothing ran.
        Assert.Equal([Lossy.Tables], await db.VersionRowsAsync());
        Assert.Equal(["audit", "users"], await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Upgrade_logs_what_a_step_loses_before_running_it(string provider)
    {
        using var db = await WithKnownContentsAsync(provider, Refusing.All);
        var log = new LogLines();

        await db.Runner(Refusing.All, log: log.Logger).UpgradeAsync("head");

        var running = log.Lines.ToList().FindIndex(l => l.Contains("-> 105500000003", StringComparison.Ordinal));
        Assert.Equal("drops table audit: 4 rows", log.Lines[running + 1]);
        Assert.Equal(["later", "users"], await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Refusing_data_loss_stops_before_the_first_lossy_revision_and_keeps_the_ones_before(string provider)
    {
        using var db = await WithKnownContentsAsync(provider, Refusing.All);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(Refusing.All, new RunnerOptions { RefuseDataLoss = true }).UpgradeAsync("head"));

        Assert.Equal(
            "Refusing to run upgrade 105500000002 -> 105500000003, drop audit, which would lose data: drops table audit: 4 rows", error.Message);
        Assert.StartsWith("The database is at 105500000002.", error.Hint, StringComparison.Ordinal);
        Assert.Equal(["105500000002"], await db.VersionRowsAsync());
        // The revision before it committed; the lossy one and the one after it never ran.
        Assert.Equal(["0"], await db.QueryAsync("SELECT count(extra) FROM users"));
        Assert.Equal(["audit", "users"], await db.TablesAsync());
        Assert.Equal(["4"], await db.QueryAsync("SELECT count(*) FROM audit"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Refusing_data_loss_in_a_single_transaction_run_leaves_nothing_of_the_run(string provider)
    {
        using var db = await WithKnownContentsAsync(provider, Refusing.All);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(Refusing.All, new RunnerOptions { RefuseDataLoss = true, SingleTransaction = true }).UpgradeAsync("head"));

        Assert.Contains("drops table audit: 4 rows", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Nothing of this run was applied.", error.Hint, StringComparison.Ordinal);
        Assert.Equal([Lossy.Tables], await db.VersionRowsAsync());
        Assert.Empty(await db.QueryAsync(provider == TestDatabase.Postgres
            ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'extra'"
            : "SELECT name FROM pragma_table_info('users') WHERE name = 'extra'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Refusing_data_loss_runs_a_drop_that_loses_nothing_and_refuses_a_downgrade_that_would(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        var refusing = new RunnerOptions { RefuseDataLoss = true };

        // audit is empty: dropping it loses nothing.
        await db.Runner(Refusing.All, refusing).UpgradeAsync("head");
        Assert.Equal(["105500000004"], await db.VersionRowsAsync());

        await db.ExecuteAsync("INSERT INTO later (\"Id\") VALUES (1), (2)");
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Refusing.All, refusing).DowngradeAsync("-1"));

        Assert.Equal(
            "Refusing to run downgrade 105500000004 -> 105500000003, create later, which would lose data: drops table later: 2 rows", error.Message);
        Assert.Equal(["105500000004"], await db.VersionRowsAsync());
        Assert.Equal(["later", "users"], await db.TablesAsync());
    }

    /// <summary>A fresh database upgraded to <see cref="Lossy.Tables"/>, holding <see cref="KnownContents"/>.</summary>
    private static async Task<TestDatabase> WithKnownContentsAsync(string provider, Type[] revisions)
    {
        var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(revisions).UpgradeAsync(Lossy.Tables);
        await db.ExecuteAsync(KnownContents);
        return db;
    }

    /// <summary>Tables of known contents, then one revision with every kind of change the counts know.</summary>
    public static class Lossy
    {
        public const string Tables = "105500000001";
        public const string Everything = "105500000009";

        public static readonly Type[] All = [typeof(CreateTables), typeof(LoseEverything)];

        [Revision(Tables, Message = "create users and audit")]
        public sealed class CreateTables : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
            {
                b.CreateTable(
                    "users",
                    t => new
                    {
                        Id = t.Column<int>(nullable: false),
                        name = t.Column<string>(type: "varchar(20)", nullable: true),
                        note = t.Column<string>(type: "text", nullable: true),
                        email = t.Column<string>(type: "text", nullable: true),
                        title = t.Column<string>(type: "varchar(10)", nullable: true),
                        empty_note = t.Column<string>(type: "text", nullable: true),
                        rank = t.Column<long>(type: "bigint", nullable: true),
                    },
                    constraints: t => t.PrimaryKey("PK_users", x => x.Id));
                b.CreateTable("audit", t => new { Id = t.Column<int>(nullable: false) }, constraints: t => t.PrimaryKey("PK_audit", x => x.Id));
            }

            protected override void Downgrade(MigrationBuilder b)
            {
                b.DropTable("audit");
                b.DropTable("users");
            }
        }

        /// <summary>Only counted, never run: PostgreSQL would refuse the narrowing and the NOT NULL on these rows.</summary>
        [Revision(Everything, Parents = [Tables], Message = "lose everything")]
        public sealed class LoseEverything : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
            {
                b.DropColumn("note", "users");
                b.DropColumn("empty_note", "users");
                b.AlterColumn<string>("name", "users", type: "varchar(10)", nullable: true, oldType: "varchar(20)", oldNullable: true);
                b.AlterColumn<string>("title", "users", type: "varchar(40)", nullable: true, oldType: "varchar(10)", oldNullable: true);
                b.AlterColumn<string>("email", "users", type: "text", nullable: false, oldType: "text", oldNullable: true);
                b.AlterColumn<int>("rank", "users", type: "integer", nullable: true, oldClrType: typeof(long), oldType: "bigint", oldNullable: true);
                b.CreateTable("later", t => new { Id = t.Column<int>(nullable: false), x = t.Column<string>(nullable: true) });
                b.DropColumn("x", "later");
                b.DropTable("audit");
            }

            protected override void Downgrade(MigrationBuilder b) => throw new NotSupportedException("only counted");
        }
    }

    /// <summary>The tables, a revision that loses nothing, one that drops audit, one after it.</summary>
    public static class Refusing
    {
        public static readonly Type[] All = [typeof(Lossy.CreateTables), typeof(AddExtra), typeof(DropAudit), typeof(CreateLater)];

        [Revision("105500000002", Parents = [Lossy.Tables], Message = "add extra")]
        public sealed class AddExtra : Revision
        {
            protected override void Upgrade(MigrationBuilder b) => b.AddColumn<int>("extra", "users", nullable: true);

            protected override void Downgrade(MigrationBuilder b) => b.Sql("ALTER TABLE users DROP COLUMN extra");
        }

        [Revision("105500000003", Parents = ["105500000002"], Message = "drop audit")]
        public sealed class DropAudit : Revision
        {
            protected override void Upgrade(MigrationBuilder b) => b.DropTable("audit");

            protected override void Downgrade(MigrationBuilder b)
                => b.CreateTable("audit", t => new { Id = t.Column<int>(nullable: false) }, constraints: t => t.PrimaryKey("PK_audit", x => x.Id));
        }

        [Revision("105500000004", Parents = ["105500000003"], Message = "create later")]
        public sealed class CreateLater : Revision
        {
            protected override void Upgrade(MigrationBuilder b) => b.CreateTable("later", t => new { Id = t.Column<int>(nullable: false) });

            protected override void Downgrade(MigrationBuilder b) => b.DropTable("later");
        }
    }
}
