using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// A revision with a statement that refuses a transaction runs in parts (<see cref="InParts"/>):
/// a failure in any part says what committed, the step journal records it, and the next run
/// finishes the revision without repeating a part.
/// </summary>
public sealed class StepJournalTests
{
    private const string Journal = "migratekit_version_steps";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_revision_in_parts_upgrades_records_its_head_and_leaves_no_journal_row(string provider)
    {
        using var db = await SeededAsync(provider);

        await db.Runner(InParts.All).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Equal(["Code", "Id", "Note"], await ColumnsAsync(db));
        Assert.Empty(await JournalAsync(db));
        if (provider == TestDatabase.Postgres)
        {
            Assert.Equal(["True"], await db.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\"IX_items_Code\"')"));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failure_in_the_first_part_rolls_it_back_and_the_rerun_runs_everything(string provider)
    {
        using var db = await SeededAsync(provider);
        await db.ExecuteAsync("CREATE TABLE items (x integer)");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.StartsWith($"Running upgrade  -> {InParts.Id}, items in parts failed (part 1 of 3): ", error.Message);
        Assert.Equal("The revision was rolled back; the database is at base.", error.Hint);
        Assert.Empty(await db.VersionRowsAsync());
        Assert.Empty(await AuditAsync(db));
        Assert.Empty(await JournalAsync(db));

        await db.ExecuteAsync("DROP TABLE items");
        await db.Runner(InParts.All).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failure_in_the_last_part_says_which_parts_committed_and_the_rerun_runs_only_the_rest(string provider)
    {
        using var db = await SeededAsync(provider);
        await RefusePart3Async(db);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.StartsWith($"Running upgrade  -> {InParts.Id}, items in parts failed (part 3 of 3): ", error.Message);
        Assert.Equal(
            $"Parts 1-2 of 3 of revision {InParts.Id} committed; the database is at base with {InParts.Id} partly applied; "
            + "run `upgrade` again to finish it (see `current -v`).",
            error.Hint);
        Assert.Empty(await db.VersionRowsAsync());
        Assert.Equal(["part 1"], await AuditAsync(db));
        Assert.Equal(["Code", "Id"], await ColumnsAsync(db));
        Assert.Equal([$"{InParts.Id} upgrade 2/3 running=0"], await JournalAsync(db));
        var state = await db.Runner(InParts.All).GetCurrentStateAsync(withJournal: true, CancellationToken.None);
        Assert.Equal("upgrade: parts 1-2 of 3 committed", Assert.Single(state.PartlyApplied).Describe());

        await AllowPart3Async(db);
        var log = new LogLines();
        await db.Runner(InParts.All, log: log.Logger).UpgradeAsync("head");

        Assert.Contains($"Resuming {InParts.Id} after part 2 of 3", log.Lines);
        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Equal(["Code", "Id", "Note"], await ColumnsAsync(db));
        Assert.Empty(await JournalAsync(db));
    }

    [Fact]
    public async Task A_concurrent_index_that_failed_on_duplicates_is_dropped_and_built_again_once_the_rows_are_fixed()
    {
        using var db = await SeededAsync(TestDatabase.Postgres, duplicateCodes: true);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.StartsWith($"Running upgrade  -> {InParts.Id}, items in parts failed (part 2 of 3): 23505", error.Message);
        Assert.StartsWith($"Part 1 of 3 of revision {InParts.Id} committed; the database is at base", error.Hint);
        Assert.Equal(["False"], await db.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\"IX_items_Code\"')"));
        Assert.Equal([$"{InParts.Id} upgrade 1/3 running=0"], await JournalAsync(db));

        await db.ExecuteAsync("DELETE FROM items WHERE \"Id\" = 3");
        var log = new LogLines();
        await db.Runner(InParts.All, log: log.Logger).UpgradeAsync("head");

        Assert.Contains("Dropping the invalid index \"IX_items_Code\" left by an earlier attempt, to build it again", log.Lines);
        Assert.Equal(["True"], await db.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\"IX_items_Code\"')"));
        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Equal(["1", "2"], await db.QueryAsync("SELECT \"Id\" FROM items ORDER BY 1"));
    }

    [Fact]
    public async Task A_run_killed_during_a_concurrent_index_build_that_completed_goes_on_after_it()
    {
        using var db = await SeededAsync(TestDatabase.Postgres);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));
        // What a kill right after the index was built leaves: the row still says it was started.
        await db.ExecuteAsync($"UPDATE {Journal} SET parts_done = 1, statement_running = 1");
        await AllowPart3Async(db);

        await db.Runner(InParts.All).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Empty(await JournalAsync(db));
    }

    [Fact]
    public async Task A_foreign_key_validation_that_failed_on_orphans_is_run_again_once_they_are_fixed_even_after_a_kill()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(NotValidKey.All).UpgradeAsync(NotValidKey.TablesId);
        await db.ExecuteAsync("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1), (2, 7)");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(NotValidKey.All).UpgradeAsync("head"));

        Assert.StartsWith($"Running upgrade {NotValidKey.TablesId} -> {NotValidKey.KeyId}, children reference parents failed (part 2 of 2): ", error.Message);
        Assert.StartsWith($"Part 1 of 2 of revision {NotValidKey.KeyId} committed; the database is at {NotValidKey.TablesId}", error.Hint);
        Assert.Equal(["False"], await db.QueryAsync("SELECT convalidated FROM pg_constraint WHERE conname = 'fk_child_parent'"));
        // What a kill during the validation leaves: the row says it was started. The catalog can
        // tell whether it completed, so the next run neither refuses nor needs to be told.
        await db.ExecuteAsync($"UPDATE {Journal} SET parts_done = 1, statement_running = 1");
        await db.ExecuteAsync("DELETE FROM child WHERE parent_id = 7");

        await db.Runner(NotValidKey.All).UpgradeAsync("head");

        Assert.Equal(["True"], await db.QueryAsync("SELECT convalidated FROM pg_constraint WHERE conname = 'fk_child_parent'"));
        Assert.Equal([NotValidKey.KeyId], await db.VersionRowsAsync());
        Assert.Empty(await JournalAsync(db));
    }

    [Fact]
    public async Task A_run_interrupted_during_a_statement_the_database_cannot_vouch_for_refuses_in_one_line_until_told()
    {
        using var db = await SeededAsync(TestDatabase.Sqlite);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));
        // What a kill during VACUUM leaves.
        await db.ExecuteAsync($"UPDATE {Journal} SET parts_done = 1, statement_running = 1");
        await AllowPart3Async(db);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.Equal(
            $"Revision {InParts.Id} was interrupted during its part 2 of 3, run outside a transaction (VACUUM); whether it completed is unknown.",
            error.Message);
        Assert.Contains("--interrupted-statement done", error.Hint);
        Assert.Equal(["part 1"], await AuditAsync(db));

        await db.Runner(InParts.All, new RunnerOptions { InterruptedStatementCompleted = true }).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
    }

    [Fact]
    public async Task Told_that_the_interrupted_statement_did_not_complete_a_run_runs_it_again_and_finishes()
    {
        using var db = await SeededAsync(TestDatabase.Sqlite);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));
        await db.ExecuteAsync($"UPDATE {Journal} SET parts_done = 1, statement_running = 1");
        await AllowPart3Async(db);
        var log = new LogLines();

        await db.Runner(InParts.All, new RunnerOptions { InterruptedStatementCompleted = false }, log.Logger).UpgradeAsync("head");

        Assert.Contains($"Resuming {InParts.Id} after part 1 of 3", log.Lines);
        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Empty(await JournalAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_partly_applied_revision_whose_commands_changed_is_refused(string provider)
    {
        using var db = await SeededAsync(provider);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));
        await db.ExecuteAsync($"UPDATE {Journal} SET checksum = 'written by another version'");
        await AllowPart3Async(db);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        Assert.Equal($"Revision {InParts.Id} is partly applied (upgrade: parts 1-2 of 3 committed), but its commands have changed since.", error.Message);
        Assert.Equal(["part 1"], await AuditAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Another_plan_while_a_revision_is_partly_applied_is_refused_naming_it(string provider)
    {
        using var db = await SeededAsync(provider);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).DowngradeAsync("base"));

        Assert.Equal(
            $"Revision {InParts.Id} is partly applied (upgrade: parts 1-2 of 3 committed); the database is at base, and this plan does not finish it.",
            error.Message);
        Assert.Equal($"Run `upgrade {InParts.Id}` (or a target after it) to finish it first; see `current -v`.", error.Hint);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_downgrade_in_parts_that_fails_resumes_where_it_stopped(string provider)
    {
        using var db = await SeededAsync(provider);
        await db.Runner(InParts.All).UpgradeAsync("head");
        // Part 3 of the downgrade deletes part 1's row and drops the table: a view on the table
        // (PostgreSQL) or a trigger keeping the row (SQLite, which drops tables under views) makes it fail.
        await db.ExecuteAsync(provider == TestDatabase.Postgres
            ? "CREATE VIEW item_codes AS SELECT \"Code\" FROM items"
            : "CREATE TRIGGER item_codes BEFORE DELETE ON item_audit WHEN old.what = 'part 1' BEGIN SELECT RAISE(ABORT, 'kept'); END");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).DowngradeAsync("base"));

        Assert.StartsWith($"Running downgrade {InParts.Id} -> , items in parts failed (part 3 of 3): ", error.Message);
        Assert.Equal(
            $"Parts 1-2 of 3 of revision {InParts.Id} committed; the database is at {InParts.Id} with {InParts.Id} partly undone; "
            + "run `downgrade` again to finish it (see `current -v`).",
            error.Hint);
        Assert.Equal([$"{InParts.Id} downgrade 2/3 running=0"], await JournalAsync(db));

        await db.ExecuteAsync(provider == TestDatabase.Postgres ? "DROP VIEW item_codes" : "DROP TRIGGER item_codes");
        await db.Runner(InParts.All).DowngradeAsync("base");

        Assert.Empty(await db.VersionRowsAsync());
        Assert.Empty(await AuditAsync(db));
        Assert.DoesNotContain("items", await db.TablesAsync());
        Assert.Empty(await JournalAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_single_transaction_run_refuses_a_revision_in_parts_before_anything_runs(string provider)
    {
        using var db = await SeededAsync(provider);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(InParts.All, new RunnerOptions { SingleTransaction = true }).UpgradeAsync("head"));

        Assert.StartsWith($"--single-transaction cannot run upgrade  -> {InParts.Id}, items in parts: its part 2 of 3 (", error.Message);
        Assert.EndsWith(") must run outside a transaction.", error.Message);
        Assert.Empty(await AuditAsync(db));
        Assert.DoesNotContain("items", await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stamp_clears_the_journal_of_a_partly_applied_revision(string provider)
    {
        using var db = await SeededAsync(provider);
        await RefusePart3Async(db);
        await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(InParts.All).UpgradeAsync("head"));

        await db.Runner(InParts.All).StampAsync([InParts.Id], purge: false);

        Assert.Empty(await JournalAsync(db));
        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task Ctrl_c_during_a_concurrent_index_build_says_what_committed_and_the_next_run_builds_it_again()
    {
        using var db = await SeededAsync(TestDatabase.Postgres);
        // An open snapshot makes CREATE INDEX CONCURRENTLY wait for it: the run stops there for sure.
        await using var reader = new NpgsqlConnection(db.ConnectionString + ";Pooling=false");
        await reader.OpenAsync();
        await using var snapshot = await reader.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM item_seed", reader, snapshot))
        {
            await read.ExecuteScalarAsync();
        }

        using var interrupt = new CancellationTokenSource();
        var run = db.Runner(InParts.All).UpgradeAsync("head", interrupt.Token);
        while ((await db.QueryAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'")).Single() == "0")
        {
            Assert.False(run.IsCompleted, "The run ended before it waited in its concurrent index build.");
            await Task.Delay(20);
        }

        await interrupt.CancelAsync();
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => run);

        Assert.Equal($"Interrupted while running upgrade  -> {InParts.Id}, items in parts (part 2 of 3)", error.Message);
        Assert.StartsWith($"Part 1 of 3 of revision {InParts.Id} committed; the database is at base with {InParts.Id} partly applied", error.Hint);
        Assert.Equal([$"{InParts.Id} upgrade 1/3 running=1"], await JournalAsync(db));
        await snapshot.RollbackAsync();

        await db.Runner(InParts.All).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await AuditAsync(db));
        Assert.Equal(["True"], await db.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\"IX_items_Code\"')"));
    }

    internal static async Task<TestDatabase> SeededAsync(string provider, bool duplicateCodes = false)
    {
        var db = await TestDatabase.CreateAsync(provider);
        await db.ExecuteAsync(InParts.Setup + "INSERT INTO item_seed VALUES (1, 'a'), (2, 'b')" + (duplicateCodes ? ", (3, 'a')" : "") + ";");
        return db;
    }

    /// <summary>Part 3's row in item_audit fails a check, so part 3 fails.</summary>
    internal static Task RefusePart3Async(TestDatabase db) => db.ExecuteAsync(db.Provider == TestDatabase.Postgres
        ? "ALTER TABLE item_audit ADD CONSTRAINT no_part_3 CHECK (what <> 'part 3')"
        : "DROP TABLE item_audit; CREATE TABLE item_audit (what text NOT NULL CHECK (what <> 'part 3'))");

    internal static Task AllowPart3Async(TestDatabase db) => db.ExecuteAsync(db.Provider == TestDatabase.Postgres
        ? "ALTER TABLE item_audit DROP CONSTRAINT no_part_3"
        : "CREATE TABLE audit_copy AS SELECT what FROM item_audit; DROP TABLE item_audit; ALTER TABLE audit_copy RENAME TO item_audit");

    internal static Task<List<string>> AuditAsync(TestDatabase db) => db.QueryAsync("SELECT what FROM item_audit ORDER BY 1");

    private static Task<List<string>> ColumnsAsync(TestDatabase db) => db.QueryAsync(db.Provider == TestDatabase.Postgres
        ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY 1"
        : "SELECT name FROM pragma_table_info('items') ORDER BY 1");

    /// <summary>The journal's rows as "revision direction done/total running=0|1"; none when it does not exist.</summary>
    internal static async Task<List<string>> JournalAsync(TestDatabase db)
    {
        var exists = await db.QueryAsync(db.Provider == TestDatabase.Postgres
            ? $"SELECT count(*) FROM information_schema.tables WHERE table_name = '{Journal}'"
            : $"SELECT count(*) FROM sqlite_master WHERE name = '{Journal}'");
        return exists.Single() == "0"
            ? []
            : await db.QueryAsync(
                $"SELECT revision || ' ' || direction || ' ' || parts_done || '/' || parts_total || ' running=' || statement_running FROM {Journal} ORDER BY 1");
    }
}

/// <summary>`upgrade --sql` of a revision in parts, run as a user runs it: by psql or the sqlite3 shell.</summary>
public sealed class StepJournalScriptTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_script_marks_each_part_and_run_by_the_shell_leaves_the_database_at_head_without_a_journal_row(string provider)
    {
        using var db = await StepJournalTests.SeededAsync(provider);

        var script = db.Runner(InParts.All).Script(MigrationDirection.Upgrade, [], "head");

        Assert.Contains("-- part 1 of 3: runs in a transaction\nBEGIN", script.ReplaceLineEndings("\n"));
        Assert.Contains("-- part 2 of 3: runs outside a transaction\n", script.ReplaceLineEndings("\n"));
        Assert.Contains("-- part 3 of 3: runs in a transaction\nBEGIN", script.ReplaceLineEndings("\n"));
        Assert.Equal(3, script.Split("BEGIN TRANSACTION;").Length - 1);
        // The statement outside a transaction is bounded by the lock timeout too, and the session's setting put back.
        var index = script.IndexOf("CREATE UNIQUE INDEX CONCURRENTLY", StringComparison.Ordinal);
        Assert.True(provider != TestDatabase.Postgres
            || (script.LastIndexOf("SET lock_timeout = 5000;", index, StringComparison.Ordinal) > script.LastIndexOf("COMMIT;", index, StringComparison.Ordinal)
                && script.IndexOf("RESET lock_timeout;", index, StringComparison.Ordinal) > index), script);
        var (exitCode, error) = await ShellAsync(db, script);
        Assert.True(exitCode == 0, error);

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await StepJournalTests.AuditAsync(db));
        Assert.Empty(await StepJournalTests.JournalAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_script_that_stops_in_the_last_part_leaves_the_journal_a_live_upgrade_resumes_from(string provider)
    {
        using var db = await StepJournalTests.SeededAsync(provider);
        var script = db.Runner(InParts.All).Script(MigrationDirection.Upgrade, [], "head");
        await db.ExecuteAsync(provider == TestDatabase.Postgres
            ? "ALTER TABLE item_audit ADD CONSTRAINT no_part_3 CHECK (what <> 'part 3')"
            : "CREATE TRIGGER no_part_3 BEFORE INSERT ON item_audit WHEN new.what = 'part 3' BEGIN SELECT RAISE(ABORT, 'refused'); END");

        var (exitCode, _) = await ShellAsync(db, script);

        Assert.NotEqual(0, exitCode);
        Assert.Equal([$"{InParts.Id} upgrade 2/3 running=0"], await StepJournalTests.JournalAsync(db));
        await db.ExecuteAsync(provider == TestDatabase.Postgres ? "ALTER TABLE item_audit DROP CONSTRAINT no_part_3" : "DROP TRIGGER no_part_3");

        await db.Runner(InParts.All).UpgradeAsync("head");

        Assert.Equal([InParts.Id], await db.VersionRowsAsync());
        Assert.Equal(["part 1", "part 3"], await StepJournalTests.AuditAsync(db));
    }

    /// <summary>The script through psql or sqlite3, stopping at the first error as a deployment would.</summary>
    internal static async Task<(int ExitCode, string Error)> ShellAsync(TestDatabase db, string script)
    {
        ProcessStartInfo start;
        if (db.Provider == TestDatabase.Postgres)
        {
            var connection = new NpgsqlConnectionStringBuilder(db.ConnectionString);
            start = new ProcessStartInfo("psql") { ArgumentList = { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", connection.Host!, "-p",
                connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", connection.Username!, "-d", connection.Database! } };
            start.Environment["PGPASSWORD"] = connection.Password;
        }
        else
        {
            start = new ProcessStartInfo("sqlite3") { ArgumentList = { "-bail", new SqliteConnectionStringBuilder(db.ConnectionString).DataSource } };
        }

        return await Shell.RunAsync(start, script);
    }
}
