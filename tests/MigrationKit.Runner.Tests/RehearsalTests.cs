using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit.Core;
using MigrationKit.Runner.Rehearsal;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// <c>upgrade --rehearse</c>: the plan run for real and undone, reporting per statement its time,
/// rows and the locks PostgreSQL gave it, while the database (catalog, data, version table, SQLite
/// file) stays as it was.
/// </summary>
public sealed class RehearsalTests
{
    // accounts: 3 rows, every Name set; payments: 4 rows, 2 of account 1.
    private const string KnownContents = """
        INSERT INTO accounts ("Id", "Name") VALUES (1, 'one'), (2, 'two'), (3, 'three');
        INSERT INTO payments ("Id", "AccountId", "Amount") VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 3, 40);
        """;

    [Fact]
    public async Task Rehearsing_on_PostgreSQL_leaves_the_catalog_the_data_and_the_version_table_byte_identical()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);
        var before = await DumpAsync(db);

        var report = await db.Runner(Shop.All).RehearseUpgradeAsync("head");

        Assert.True(report.Succeeded, report.Failure?.Error);
        // It did run the plan: every revision, and every statement but the VACUUM.
        Assert.Equal(Shop.All.Length - 1, report.Steps.Count);
        Assert.Equal([Shop.Tables], report.HeadsBefore);
        Assert.Equal([Shop.Concurrently], report.HeadsAfter);
        Assert.Equal(9, report.Steps.Sum(s => s.Statements.Count(t => t.Ran)));
        Assert.Equal(before, await DumpAsync(db));
        Assert.Equal([Shop.Tables], await db.VersionRowsAsync());
        // The migration lock and the transaction ended with the rehearsal.
        Assert.Equal(["0"], await db.QueryAsync(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
    }

    [Fact]
    public async Task Rehearsing_on_PostgreSQL_reports_the_lock_modes_its_documentation_gives_for_each_statement()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);

        var report = await db.Runner(Shop.All).RehearseUpgradeAsync("head");

        // https://www.postgresql.org/docs/current/explicit-locking.html: CREATE INDEX takes SHARE;
        // ALTER TABLE ... ADD COLUMN ACCESS EXCLUSIVE; ADD FOREIGN KEY SHARE ROW EXCLUSIVE on both tables
        // (it also reads both tables' definitions under AccessShareLock: a statement lists the
        // strongest of the locks it took on a table).
        Assert.Equal(["payments ShareLock (blocks writes)"], Locks(report, Shop.Index, 1));
        Assert.Equal(["accounts AccessExclusiveLock (blocks reads and writes)"], Locks(report, Shop.Column, 1));
        Assert.Equal(
            ["accounts ShareRowExclusiveLock (blocks writes)", "payments ShareRowExclusiveLock (blocks writes)"],
            Locks(report, Shop.ForeignKey, 1));
        // An UPDATE's own lock blocks no one; a table created in the rehearsal is seen by no one.
        Assert.Equal(["payments RowExclusiveLock (blocks neither reads nor writes)"], Locks(report, Shop.Data, 1));
        Assert.Equal(["audit AccessExclusiveLock (new table, blocks no one)"], Locks(report, Shop.Data, 3));
        // Each statement lists only the locks that appeared with it: the drop of accounts.Name takes
        // the AccessExclusiveLock that the ADD COLUMN already holds.
        Assert.Empty(Locks(report, Shop.Data, 2));
        var lockedIndex = Step(report, Shop.Index).Statements.Single();
        Assert.True(lockedIndex.Elapsed > TimeSpan.Zero);
        Assert.Null(lockedIndex.RowsAffected);
    }

    [Fact]
    public async Task Rehearsing_reports_the_rows_each_statement_changed_and_the_data_loss_counted_after_the_revisions_before()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);

        var report = await db.Runner(Shop.All).RehearseUpgradeAsync("head");

        var data = Step(report, Shop.Data);
        Assert.Equal([2, null, null], data.Statements.Select(s => s.RowsAffected));
        Assert.Equal(["drops column accounts.Name: 3 non-null values"], data.DataLoss.Select(l => l.ToString()));
        // accounts.Note, added by an earlier revision of the plan, exists by then: counted, not "missing".
        Assert.Equal(["drops column accounts.Note: 0 non-null values"], Step(report, Shop.Concurrently).DataLoss.Select(l => l.ToString()));
        Assert.All(report.Steps, s => Assert.True(s.Elapsed >= s.Statements.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Elapsed)));
    }

    [Fact]
    public async Task Statements_that_refuse_a_transaction_are_rehearsed_in_their_plain_form_or_skipped_and_say_so()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);

        var report = await db.Runner(Shop.All).RehearseUpgradeAsync("head");

        var statements = Step(report, Shop.Concurrently).Statements;
        var index = statements[0];
        Assert.StartsWith("CREATE INDEX CONCURRENTLY \"IX_accounts_Note\"", index.Sql, StringComparison.Ordinal);
        Assert.StartsWith("CREATE INDEX \"IX_accounts_Note\"", index.RehearsedSql, StringComparison.Ordinal);
        Assert.True(index.Ran);
        Assert.Contains("ShareUpdateExclusiveLock (blocks neither reads nor writes)", index.Note, StringComparison.Ordinal);
        // The plain form's lock, as observed (accounts is already locked AccessExclusive by then; ShareLock is new).
        Assert.Equal(["accounts ShareLock (blocks writes)"], index.Locks.Select(l => l.ToString()));

        var vacuum = statements[1];
        Assert.Equal("VACUUM payments", vacuum.Sql.TrimEnd(';', '\n', ' '));
        Assert.False(vacuum.Ran);
        Assert.StartsWith("not rehearsed: it cannot run inside a transaction (25001: VACUUM cannot run inside a transaction block)", vacuum.Note, StringComparison.Ordinal);

        // A statement a run sends alone but that does fit in a transaction runs under a savepoint.
        var dropped = statements[2];
        Assert.True(dropped.Ran);
        Assert.StartsWith("a real run sends this statement outside a transaction", dropped.Note, StringComparison.Ordinal);
        Assert.True(report.Succeeded, report.Failure?.Error);
        Assert.Empty(await db.QueryAsync("SELECT indexname FROM pg_indexes WHERE indexname = 'IX_accounts_Note'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failing_statement_ends_the_rehearsal_names_the_statement_and_leaves_the_database_as_it_was(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(FailingInTheMiddle.All).UpgradeAsync("aa0000000002");

        var report = await db.Runner(FailingInTheMiddle.All).RehearseUpgradeAsync("head");

        Assert.False(report.Succeeded);
        var failure = report.Failure!;
        Assert.Equal("bb0000000003", failure.Step.Revision.Id);
        Assert.Equal(2, failure.Statement);
        Assert.Contains("no_such_table", failure.Error, StringComparison.Ordinal);
        // The revision's first statement ran; the ones after the failure and the revisions after it did not.
        var broken = Assert.Single(report.Steps);
        Assert.Equal([null, failure.Error], broken.Statements.Select(s => s.Error));
        Assert.Equal(["accounts", "payments"], await db.TablesAsync());
        Assert.Equal(["aa0000000002"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task Rehearsing_on_SQLite_runs_against_a_copy_of_the_file_that_is_deleted_and_leaves_the_file_byte_identical()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db.Runner(Linear.All).UpgradeAsync("aa0000000002");
        await db.ExecuteAsync("INSERT INTO accounts (\"Id\", \"Name\") VALUES (2, 'second')");
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        var bytes = await File.ReadAllBytesAsync(file);
        var written = File.GetLastWriteTimeUtc(file);

        var report = await db.Runner(Linear.All).RehearseUpgradeAsync("head");

        Assert.True(report.Succeeded, report.Failure?.Error);
        Assert.True(report.OnCopy);
        Assert.Equal(["aa0000000003", "aa0000000004", "aa0000000005"], report.Steps.Select(s => s.Step.Revision.Id));
        // The seed row went into the copy, which had the row inserted above: the copy is the database's.
        Assert.Equal([1], Step(report, "aa0000000005").Statements.Select(s => s.RowsAffected));
        Assert.All(report.Steps.SelectMany(s => s.Statements), s => Assert.Empty(s.Locks));
        Assert.NotNull(report.CopyPath);
        Assert.False(File.Exists(report.CopyPath));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        Assert.Equal(["aa0000000002"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task A_rehearsal_waits_for_the_migration_lock_as_a_run_does_and_gives_up_after_the_lock_wait()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);
        await using var holder = new NpgsqlConnection(db.ConnectionString + ";Pooling=false");
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", holder))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey.ForPostgres(new NpgsqlConnectionStringBuilder(db.ConnectionString).Database!, ScratchDatabase.VersionTable));
            await take.ExecuteScalarAsync();
        }

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Shop.All, new RunnerOptions { LockWait = TimeSpan.FromSeconds(1) })
            .RehearseUpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("Gave up after 1 s waiting for the migration lock of database ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rehearsal_blocked_by_a_busy_table_gives_up_after_the_lock_timeout_and_says_so()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);
        await using var reader = new NpgsqlConnection(db.ConnectionString + ";Pooling=false");
        await reader.OpenAsync();
        await using (var read = new NpgsqlCommand("BEGIN; SELECT count(*) FROM accounts", reader))
        {
            await read.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        var report = await db.Runner(Shop.All, new RunnerOptions { LockTimeout = TimeSpan.FromSeconds(1) })
            .RehearseUpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.Equal(Shop.Column, report.Failure?.Step.Revision.Id);
        Assert.Equal(1, report.Failure?.Statement);
        Assert.Contains("it waited longer than the lock timeout, 1 s, for a lock another session holds", report.Failure!.Error, StringComparison.Ordinal);
        // The index on payments before it had taken its lock, and let it go with the rollback.
        Assert.Equal(["0"], await db.QueryAsync("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'payments'"));
    }

    [Fact]
    public async Task A_rehearsal_killed_with_sigkill_mid_statement_leaves_the_database_as_it_was_and_the_migration_lock_free()
    {
        using var db = await ShopAsync(TestDatabase.Postgres);
        var before = await DumpAsync(db);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(Program).Assembly.Location, "rehearse", db.Provider, db.ConnectionString })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line
               && !line.StartsWith($"Rehearsing upgrade {Shop.Concurrently} -> {Slow.Sleeping}", StringComparison.Ordinal))
        {
        }

        // Inside the sleep: every revision before it has run in the rehearsal's transaction.
        await Task.Delay(TimeSpan.FromSeconds(1));
        if (child.HasExited)
        {
            Assert.Fail($"the child ended before the kill ({child.ExitCode}): {await errors}");
        }

        child.Kill();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        // The set-up's own pooled session is not the child's.
        await using (var pooled = new NpgsqlConnection(db.ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await db.WaitForOtherSessionsToEndAsync();

        Assert.Equal(before, await DumpAsync(db));
        Assert.Equal([Shop.Tables], await db.VersionRowsAsync());
        // The migration lock died with the session: a run takes it at once.
        await db.Runner(Shop.All, new RunnerOptions { LockWait = TimeSpan.Zero }).UpgradeAsync(Shop.Column);
        Assert.Equal([Shop.Column], await db.VersionRowsAsync());
    }

    private static RehearsedStep Step(RehearsalReport report, string revision) => report.Steps.Single(s => s.Step.Revision.Id == revision);

    private static List<string> Locks(RehearsalReport report, string revision, int statement)
        => Step(report, revision).Statements.Single(s => s.Number == statement).Locks.Select(l => l.ToString()).ToList();

    private static async Task<TestDatabase> ShopAsync(string provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Shop.All).UpgradeAsync(Shop.Tables);
        await db.ExecuteAsync(KnownContents);
        return db;
    }

    /// <summary>
    /// Everything pg_dump writes (schema, data, the version table's rows), and the catalog's own
    /// record of each relation's storage, which a rewrite (ALTER COLUMN TYPE) would change for good.
    /// </summary>
    private static async Task<string> DumpAsync(TestDatabase db)
    {
        var connection = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var start = new ProcessStartInfo("pg_dump", ["--no-password", "--restrict-key=rehearsal", "-h", connection.Host!, "-p", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", connection.Username!, connection.Database!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPASSWORD"] = connection.Password;
        using var process = Process.Start(start)!;
        var dump = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        var storage = await db.QueryAsync("""
            SELECT c.relname || ' ' || c.relkind::text || ' ' || c.relfilenode || ' ' || c.relnatts || ' ' || c.relhasindex
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY c.relname
            """);
        return await dump + string.Join("\n", storage);
    }

    /// <summary><see cref="Shop"/> and a revision that sleeps, for the rehearsal killed mid-statement.</summary>
    public static class Slow
    {
        public const string Sleeping = "af0000000007";

        public static readonly Type[] All = [.. Shop.All, typeof(R7)];

        [Revision(Sleeping, Parents = [Shop.Concurrently], Message = "sleep")]
        public sealed class R7 : Revision
        {
            // Short enough that the server notices the dead client soon after (on its next write to it).
            protected override void Upgrade(MigrationBuilder b) => b.Sql("SELECT pg_sleep(5)");

            protected override void Downgrade(MigrationBuilder b) => throw new NotSupportedException();
        }
    }

    /// <summary>Two tables, then a revision per statement the issue names, data and a drop, and statements that refuse a transaction.</summary>
    public static class Shop
    {
        public const string Tables = "af0000000001";
        public const string Index = "af0000000002";
        public const string Column = "af0000000003";
        public const string ForeignKey = "af0000000004";
        public const string Data = "af0000000005";
        public const string Concurrently = "af0000000006";

        public static readonly Type[] All = [typeof(R1), typeof(R2), typeof(R3), typeof(R4), typeof(R5), typeof(R6)];

        [Revision(Tables, Message = "accounts and payments")]
        public sealed class R1 : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
            {
                b.CreateTable(
                    "accounts",
                    t => new { Id = t.Column<int>(nullable: false), Name = t.Column<string>(nullable: false) },
                    constraints: t => t.PrimaryKey("PK_accounts", x => x.Id));
                b.CreateTable(
                    "payments",
                    t => new { Id = t.Column<int>(nullable: false), AccountId = t.Column<int>(nullable: false), Amount = t.Column<int>(nullable: false) },
                    constraints: t => t.PrimaryKey("PK_payments", x => x.Id));
            }

            protected override void Downgrade(MigrationBuilder b)
            {
                b.DropTable("payments");
                b.DropTable("accounts");
            }
        }

        [Revision(Index, Parents = [Tables], Message = "index payments")]
        public sealed class R2 : Revision
        {
            protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("IX_payments_AccountId", "payments", "AccountId");

            protected override void Downgrade(MigrationBuilder b) => b.DropIndex("IX_payments_AccountId", "payments");
        }

        [Revision(Column, Parents = [Index], Message = "note")]
        public sealed class R3 : Revision
        {
            protected override void Upgrade(MigrationBuilder b) => b.AddColumn<string>("Note", "accounts", nullable: true);

            protected override void Downgrade(MigrationBuilder b) => b.DropColumn("Note", "accounts");
        }

        [Revision(ForeignKey, Parents = [Column], Message = "payment account")]
        public sealed class R4 : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
                => b.Sql("ALTER TABLE payments ADD CONSTRAINT fk_payments_accounts FOREIGN KEY (\"AccountId\") REFERENCES accounts (\"Id\") NOT VALID");

            protected override void Downgrade(MigrationBuilder b) => b.Sql("ALTER TABLE payments DROP CONSTRAINT fk_payments_accounts");
        }

        [Revision(Data, Parents = [ForeignKey], Message = "raise, drop name, audit")]
        public sealed class R5 : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
            {
                b.Sql("UPDATE payments SET \"Amount\" = \"Amount\" + 1 WHERE \"AccountId\" = 1");
                b.DropColumn("Name", "accounts");
                b.CreateTable("audit", t => new { Id = t.Column<int>(nullable: false) });
            }

            protected override void Downgrade(MigrationBuilder b) => throw new NotSupportedException();
        }

        [Revision(Concurrently, Parents = [Data], Message = "concurrently")]
        public sealed class R6 : Revision
        {
            protected override void Upgrade(MigrationBuilder b)
            {
                b.CreateIndex("IX_accounts_Note", "accounts", "Note").Annotation("Npgsql:CreatedConcurrently", true);
                b.Sql("VACUUM payments", suppressTransaction: true);
                b.Sql("ALTER TABLE audit ADD COLUMN at timestamptz", suppressTransaction: true);
                b.DropColumn("Note", "accounts");
            }

            protected override void Downgrade(MigrationBuilder b) => throw new NotSupportedException();
        }
    }
}
