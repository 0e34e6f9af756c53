using MigrationKit.Core;
using MigrationKit.Runner.Database;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// The audit history (<c>migratekit_history</c>): a row per revision applied, undone or stamped,
/// written in the transaction that records it, by live runs and by <c>--sql</c> scripts alike.
/// </summary>
public sealed class HistoryTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Upgrade_downgrade_and_stamp_each_write_a_row_saying_what_ran_when_and_by_whom(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        var before = DateTime.UtcNow.AddSeconds(-1);

        await db.Runner(Linear.All).UpgradeAsync("aa0000000002");
        await db.Runner(Linear.All).DowngradeAsync("aa0000000001");
        await db.Runner(Linear.All).StampAsync(["head"], purge: false);

        Assert.Equal(
            ["aa0000000001 upgrade", "aa0000000002 upgrade", "aa0000000002 downgrade", "aa0000000005 stamp"],
            await RowsAsync(db));
        var entries = await db.Runner(Linear.All).ReadHistoryAsync(CancellationToken.None);
        Assert.Equal([1L, 2, 3, 4], entries.Select(e => e.Id));
        foreach (var entry in entries)
        {
            Assert.InRange(entry.StartedAt, before, DateTime.UtcNow);
            Assert.NotNull(entry.EndedAt);
            Assert.InRange(entry.EndedAt.Value, entry.StartedAt, DateTime.UtcNow);
            Assert.Equal((long)(entry.EndedAt.Value - entry.StartedAt).TotalMilliseconds, entry.DurationMs);
            Assert.Equal(HistoryTable.ToolVersion, entry.ToolVersion);
            Assert.Matches(@"^\d+\.\d+", entry.ToolVersion);
            Assert.Equal(Environment.UserName, entry.OsUser);
            Assert.Equal(Environment.MachineName, entry.Host);
            Assert.Equal(provider == TestDatabase.Postgres ? "migratekit" : null, entry.DatabaseUser);
        }

        // What ran: the upgrade's and the downgrade's own SQL; a stamp runs nothing.
        var runner = db.Runner(Linear.All);
        Assert.Equal(Sql.SqlChecksum.Of(runner.UpgradeSql("aa0000000001").Commands).Value, entries[0].Checksum);
        Assert.Single(entries[0].StatementChecksums);
        Assert.NotEqual(entries[1].Checksum, entries[2].Checksum);
        Assert.Null(entries[3].Checksum);
        Assert.Empty(entries[3].StatementChecksums);
        // Who ran it, never how they logged in.
        var password = new Npgsql.NpgsqlConnectionStringBuilder(Testing.PostgresServer.ConnectionString).Password!;
        Assert.DoesNotContain(await db.QueryAsync("SELECT * FROM migratekit_history"), v => v.Contains(password, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stamp_base_and_a_purged_stamp_record_where_they_put_the_database(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Merged.All).UpgradeAsync("heads");

        await db.Runner(Merged.All).StampAsync(["base"], purge: false);
        await db.Runner(Merged.All).StampAsync(["cc0000000002", "cc0000000003"], purge: true);

        Assert.Equal(
            [
                "cc0000000001 upgrade", "cc0000000002 upgrade", "cc0000000003 upgrade", "cc0000000004 upgrade",
                "base stamp", "cc0000000002 stamp", "cc0000000003 stamp",
            ],
            await RowsAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_revision_that_fails_and_rolls_back_leaves_no_row_and_the_ones_before_it_keep_theirs(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(FailingInTheMiddle.All).UpgradeAsync("head"));

        Assert.Equal(["aa0000000002"], await db.VersionRowsAsync());
        Assert.Equal(["aa0000000001 upgrade", "aa0000000002 upgrade"], await RowsAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_single_transaction_run_that_fails_leaves_no_row_at_all(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(FailingInTheMiddle.All, new RunnerOptions { SingleTransaction = true }).UpgradeAsync("head"));

        Assert.Empty(await RowsAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_database_from_before_the_history_reads_as_without_one_and_gets_it_on_its_next_run(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).UpgradeAsync("aa0000000002");
        await db.ExecuteAsync("DROP TABLE migratekit_history");

        Assert.Equal(["aa0000000002"], await db.Runner(Linear.All).GetCurrentHeadsAsync());
        Assert.Empty(await db.Runner(Linear.All).ReadHistoryAsync(CancellationToken.None));
        Assert.Equal(0, (await db.Runner(Linear.All).CheckAppliedAsync(CancellationToken.None)).Applied);
        Assert.DoesNotContain("migratekit_history", await AllTablesAsync(db));

        await db.Runner(Linear.All).UpgradeAsync("head");

        Assert.Equal(["aa0000000003 upgrade", "aa0000000004 upgrade", "aa0000000005 upgrade"], await RowsAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_script_run_by_the_shell_writes_the_rows_a_live_run_writes(string provider)
    {
        using var live = await TestDatabase.CreateAsync(provider);
        using var scripted = await TestDatabase.CreateAsync(provider);
        await live.Runner(Linear.All).UpgradeAsync("head");
        await live.Runner(Linear.All).DowngradeAsync("aa0000000003");

        var upgrade = scripted.Runner(Linear.All).Script(MigrationDirection.Upgrade, [], "head");
        var downgrade = scripted.Runner(Linear.All).Script(MigrationDirection.Downgrade, ["aa0000000005"], "aa0000000003");
        foreach (var script in new[] { upgrade, downgrade })
        {
            var (exitCode, error) = await StepJournalScriptTests.ShellAsync(scripted, script);
            Assert.True(exitCode == 0, error);
        }

        Assert.Equal(await RowsAsync(live), await RowsAsync(scripted));
        var expected = await live.Runner(Linear.All).ReadHistoryAsync(CancellationToken.None);
        var written = await scripted.Runner(Linear.All).ReadHistoryAsync(CancellationToken.None);
        Assert.Equal(expected.Select(e => e.Checksum), written.Select(e => e.Checksum));
        Assert.Equal(expected.Select(e => string.Join(' ', e.StatementChecksums)), written.Select(e => string.Join(' ', e.StatementChecksums)));
        foreach (var entry in written)
        {
            // Timed by the database's clock; the machine that ran the script is not known to the one that wrote it.
            Assert.NotNull(entry.EndedAt);
            Assert.True(entry.EndedAt >= entry.StartedAt, $"{entry.StartedAt:O} .. {entry.EndedAt:O}");
            Assert.InRange(entry.DurationMs!.Value, 0, 60_000);
            Assert.Null(entry.OsUser);
            Assert.Null(entry.Host);
            Assert.Equal(provider == TestDatabase.Postgres ? "migratekit" : null, entry.DatabaseUser);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_revision_in_parts_gets_one_row_with_its_last_part_live_and_by_script(string provider)
    {
        using var db = await StepJournalTests.SeededAsync(provider);
        using var scripted = await StepJournalTests.SeededAsync(provider);

        await db.Runner(InParts.All).UpgradeAsync("head");
        var (exitCode, error) = await StepJournalScriptTests.ShellAsync(scripted, scripted.Runner(InParts.All).Script(MigrationDirection.Upgrade, [], "head"));

        Assert.True(exitCode == 0, error);
        Assert.Equal([$"{InParts.Id} upgrade"], await RowsAsync(db));
        Assert.Equal([$"{InParts.Id} upgrade"], await RowsAsync(scripted));
        var live = Assert.Single(await db.Runner(InParts.All).ReadHistoryAsync(CancellationToken.None));
        Assert.Equal(live.Checksum, Assert.Single(await scripted.Runner(InParts.All).ReadHistoryAsync(CancellationToken.None)).Checksum);
        Assert.Equal(6, live.StatementChecksums.Count);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_revision_in_parts_that_fails_in_its_last_part_has_no_row_until_a_run_finishes_it(string provider)
    {
        using var db = await StepJournalTests.SeededAsync(provider);
        await StepJournalTests.RefusePart3Async(db);

        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.Empty(await RowsAsync(db));
        await StepJournalTests.AllowPart3Async(db);
        await db.Runner(InParts.All).UpgradeAsync("head");
        Assert.Equal([$"{InParts.Id} upgrade"], await RowsAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_context_with_its_own_version_table_keeps_its_own_history(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        await db.Runner(Linear.All, new RunnerOptions { VersionTable = "migratekit_version_reporting" }).UpgradeAsync("aa0000000001");

        Assert.Contains("migratekit_version_reporting_history", await AllTablesAsync(db));
        Assert.DoesNotContain("migratekit_history", await AllTablesAsync(db));
        Assert.Equal(["aa0000000001 upgrade"], await db.QueryAsync("SELECT revision || ' ' || direction FROM migratekit_version_reporting_history"));
    }

    /// <summary>The history's rows, oldest first, as "revision direction"; none when it does not exist.</summary>
    internal static async Task<List<string>> RowsAsync(TestDatabase db)
        => (await AllTablesAsync(db)).Contains(HistoryTable.DefaultName)
            ? await db.QueryAsync($"SELECT revision || ' ' || direction FROM {HistoryTable.DefaultName} ORDER BY id")
            : [];

    private static Task<List<string>> AllTablesAsync(TestDatabase db) => db.QueryAsync(db.Provider == TestDatabase.Postgres
        ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        : "SELECT name FROM sqlite_master WHERE type = 'table'");
}

/// <summary>
/// <c>check --applied</c>: what ran on a database, from its history, against the revisions' SQL now
/// (<see cref="Edits"/>: the chain as applied, then as edited since).
/// </summary>
public sealed class AppliedChangesTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_edit_that_only_reformats_is_clean(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Edits.All).UpgradeAsync("head");

        Edits.Deployed.Value = Edits.Version.Reformatted;
        var check = await db.Runner(Edits.All).CheckAppliedAsync(CancellationToken.None);

        Assert.Equal(2, check.Applied);
        Assert.Empty(check.Changes);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_edit_that_changes_a_column_type_is_reported_with_the_statements_that_differ(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Edits.All).UpgradeAsync("head");

        Edits.Deployed.Value = Edits.Version.Retyped;
        var check = await db.Runner(Edits.All).CheckAppliedAsync(CancellationToken.None);

        var change = Assert.Single(check.Changes);
        Assert.Equal(Edits.NotesId, change.Applied.Revision);
        Assert.Equal(AppliedChangeKind.Edited, change.Kind);
        Assert.Equal("edited after apply: 1 statement differs", change.Describe());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_revision_the_database_ran_that_the_app_no_longer_has_is_reported_unless_it_was_downgraded(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Edits.All).UpgradeAsync("head");

        var check = await db.Runner(Edits.WithoutSeed).CheckAppliedAsync(CancellationToken.None);

        var change = Assert.Single(check.Changes);
        Assert.Equal((Edits.SeedId, AppliedChangeKind.Missing), (change.Applied.Revision, change.Kind));
        Assert.Equal("ran on this database, but the app no longer has it", change.Describe());

        await db.Runner(Edits.All).DowngradeAsync(Edits.NotesId);
        Assert.Empty((await db.Runner(Edits.WithoutSeed).CheckAppliedAsync(CancellationToken.None)).Changes);
    }

    [Fact]
    public async Task A_revision_upgraded_again_after_an_edit_is_compared_with_its_last_run()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db.Runner(Edits.All).UpgradeAsync("head");
        await db.Runner(Edits.All).DowngradeAsync("base");

        Edits.Deployed.Value = Edits.Version.Retyped;
        await db.Runner(Edits.All).UpgradeAsync("head");

        Assert.Empty((await db.Runner(Edits.All).CheckAppliedAsync(CancellationToken.None)).Changes);
        Edits.Deployed.Value = Edits.Version.Applied;
        Assert.Single((await db.Runner(Edits.All).CheckAppliedAsync(CancellationToken.None)).Changes);
    }
}

/// <summary>The one checksum: what normalising ignores, and what it does not. Commands from the provider's own SQL generator.</summary>
public sealed class SqlChecksumTests
{
    [Fact]
    public void Whitespace_line_endings_comments_and_the_case_of_keywords_do_not_change_it()
    {
        var written = Checksum("INSERT INTO \"Notes\" (\"Id\", body) VALUES (1, 'A  b');\nUPDATE \"Notes\" SET body = 'x' WHERE \"Id\" = 1;");
        var reformatted = Checksum(
            "-- seed the first note\r\ninsert into \"Notes\"(\"Id\",BODY)\r\n    values(1,'A  b') ;\r\n/* and fix it\n   at once */ update \"Notes\"\tset body='x' where \"Id\"=1");

        Assert.Equal(written.Value, reformatted.Value);
        Assert.Equal(written.Statements, reformatted.Statements);
        Assert.Equal(2, written.Statements.Count);
    }

    [Fact]
    public void A_literal_a_quoted_name_or_the_transaction_a_statement_runs_in_changes_it()
    {
        var written = Checksum("UPDATE \"Notes\" SET body = 'x'");

        Assert.NotEqual(written.Value, Checksum("UPDATE \"Notes\" SET body = 'X'").Value);
        Assert.NotEqual(written.Value, Checksum("UPDATE \"notes\" SET body = 'x'").Value);
        Assert.NotEqual(written.Value, Checksum("UPDATE \"Notes\" SET body = 'x'", suppressTransaction: true).Value);
    }

    [Fact]
    public void Statements_that_differ_are_counted_once_each_whether_changed_added_or_removed()
    {
        var applied = Checksum("CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int);");

        Assert.Equal(0, Checksum("create table a (x int); create table b (x int); create table c (x int)").CountDiffering(applied.Statements));
        Assert.Equal(1, Checksum("CREATE TABLE a (x int); CREATE TABLE b (x text); CREATE TABLE c (x int);").CountDiffering(applied.Statements));
        Assert.Equal(1, Checksum("CREATE TABLE a (x int); CREATE TABLE c (x int);").CountDiffering(applied.Statements));
        Assert.Equal(4, Checksum("CREATE TABLE a (y int); CREATE TABLE b (y int); CREATE TABLE c (y int); CREATE TABLE d (y int);").CountDiffering(applied.Statements));
    }

    private static Sql.SqlChecksum Checksum(string sql, bool suppressTransaction = false)
    {
        using var db = TestDatabase.Attach(TestDatabase.Sqlite, "Data Source=unused.db");
        var commands = db.Runner([]).GenerateSql([new Microsoft.EntityFrameworkCore.Migrations.Operations.SqlOperation { Sql = sql, SuppressTransaction = suppressTransaction }], null);
        return Sql.SqlChecksum.Of(commands);
    }
}
