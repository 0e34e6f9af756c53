using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// On a live PostgreSQL database a revision never sits in the lock queue blocking the app: it
/// gives up after the lock timeout, retries, and at last says who was in the way.
/// </summary>
public sealed class LockTimeoutTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_revision_blocked_by_an_open_transaction_retries_then_gives_up_naming_the_table_and_holder_while_inserts_never_wait_longer_than_the_lock_timeout()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(Busy.All).UpgradeAsync("ac0000000001");
        await using var holder = await HoldAsync(db, "report-query", "BEGIN; SELECT count(*) FROM busy");
        var log = new LogLines();
        using var stopInserts = new CancellationTokenSource();
        var inserts = InsertInALoopAsync(db, stopInserts.Token);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Busy.All, new RunnerOptions { LockTimeout = OneSecond, LockRetries = 2 }, log.Logger)
            .UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(60)));
        clock.Stop();
        await stopInserts.CancelAsync();
        var insertWaits = await inserts;

        Assert.StartsWith(
            $"Running upgrade ac0000000002 -> ac0000000003, add extra gave up after 3 tries: could not lock busy within the lock timeout (1 s): it is held by pid {holder.ProcessID} ('report-query', idle in transaction for ",
            error.Message);
        Assert.EndsWith(": SELECT count(*) FROM busy)", error.Message);
        Assert.StartsWith("The revision was rolled back; the database is at ac0000000002. Run again once the session holding the lock is done", error.Hint);
        // Every try starts again with the revision's own line.
        Assert.Equal(["create audit", "add extra", "add extra", "add extra"], log.Lines.Where(l => l.StartsWith("Running upgrade", StringComparison.Ordinal))
            .Where(l => !l.Contains("could not", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(", ", StringComparison.Ordinal) + 2)..]));
        var retries = log.Lines.Where(l => l.Contains("; try ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, retries.Count);
        // A busy machine may open the second connection too late to see the first wait; by the last try it looks in time.
        Assert.All(retries, l => Assert.StartsWith("Running upgrade ac0000000002 -> ac0000000003, add extra could not ", l));
        Assert.Contains(retries, l => l.Contains($"could not lock busy within the lock timeout (1 s): it is held by pid {holder.ProcessID} ('report-query'", StringComparison.Ordinal));
        Assert.Matches(@"; try 2 of 3 in \d(\.\d)? s$", retries[0]);
        Assert.Matches(@"; try 3 of 3 in \d(\.\d)? s$", retries[1]);
        // Three tries of a second each and pauses of at most 1 + 2 s.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));

        // Earlier revisions of the run stay; the blocked one and those after it did not run.
        Assert.Equal(["ac0000000002"], await db.VersionRowsAsync());
        Assert.Equal(["audit", "busy"], await db.TablesAsync());
        Assert.Empty(await db.QueryAsync("SELECT column_name FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'extra'"));

        // The app kept writing: queued behind the ALTER at most for its lock timeout, free between tries.
        Assert.True(insertWaits.Count > 20, $"only {insertWaits.Count} inserts ran");
        Assert.True(insertWaits.Max() < OneSecond + TimeSpan.FromMilliseconds(500), $"an insert waited {insertWaits.Max().TotalMilliseconds} ms");
        Assert.True(insertWaits.Max() > TimeSpan.FromMilliseconds(500), $"no insert queued behind the ALTER (the longest waited {insertWaits.Max().TotalMilliseconds} ms of {insertWaits.Count}): the test proves nothing");
    }

    [Fact]
    public async Task A_lock_released_during_the_retries_lets_the_upgrade_finish()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(Busy.All).UpgradeAsync("ac0000000002");
        var holder = await HoldAsync(db, "short-report", "BEGIN; SELECT count(*) FROM busy");
        var log = new LogLines();

        var upgrade = db.Runner(Busy.All, new RunnerOptions { LockTimeout = OneSecond, LockRetries = 5 }, log.Logger).UpgradeAsync("head");
        await Task.Delay(1500);
        await holder.DisposeAsync();

        Assert.Equal(2, (await upgrade.WaitAsync(TimeSpan.FromSeconds(60))).Steps.Count);
        Assert.Contains(log.Lines, l => l.StartsWith("Running upgrade ac0000000002 -> ac0000000003, add extra could not lock busy", StringComparison.Ordinal));
        Assert.Equal(["ac0000000004"], await db.VersionRowsAsync());
        Assert.Equal(["extra"], await db.QueryAsync("SELECT column_name FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'extra'"));
    }

    [Fact]
    public async Task A_lock_timeout_of_zero_waits_until_the_lock_is_released()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(Busy.All).UpgradeAsync("ac0000000002");
        var holder = await HoldAsync(db, "long-report", "BEGIN; SELECT count(*) FROM busy");
        var log = new LogLines();

        var clock = Stopwatch.StartNew();
        var upgrade = db.Runner(Busy.All, new RunnerOptions { LockTimeout = TimeSpan.Zero, LockRetries = 0 }, log.Logger).UpgradeAsync("head");
        // Longer than the default lock timeout: without "0" it would have given up.
        await Task.Delay(RunnerOptions.DefaultLockTimeout + OneSecond);
        Assert.False(upgrade.IsCompleted, "the upgrade did not wait for the lock");
        await holder.DisposeAsync();

        Assert.Equal(2, (await upgrade.WaitAsync(TimeSpan.FromSeconds(30))).Steps.Count);
        Assert.True(clock.Elapsed >= RunnerOptions.DefaultLockTimeout + OneSecond);
        Assert.DoesNotContain(log.Lines, l => l.Contains("could not", StringComparison.Ordinal));
        Assert.Equal(["ac0000000004"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task In_a_single_transaction_a_lock_timeout_retries_the_whole_run_and_giving_up_leaves_nothing_of_it()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(Busy.All).UpgradeAsync("ac0000000001");
        await using var holder = await HoldAsync(db, "report-query", "BEGIN; SELECT count(*) FROM busy");
        var log = new LogLines();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(
                Busy.All, new RunnerOptions { SingleTransaction = true, LockTimeout = OneSecond, LockRetries = 1 }, log.Logger)
            .UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.StartsWith($"The run gave up after 2 tries: could not lock busy within the lock timeout (1 s): it is held by pid {holder.ProcessID}", error.Message);
        Assert.StartsWith("The revision was rolled back; nothing of this run was applied.", error.Hint);
        // The retry ran the whole run again: create audit (the first revision) twice.
        Assert.Equal(2, log.Lines.Count(l => l == "Running upgrade ac0000000001 -> ac0000000002, create audit"));
        Assert.Equal(["ac0000000001"], await db.VersionRowsAsync());
        Assert.Equal(["busy"], await db.TablesAsync());
    }

    [Fact]
    public async Task A_statement_outside_a_transaction_has_the_lock_timeout_too()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.Runner(BusyAlone.All).UpgradeAsync("ac0000000001");
        await using var holder = await HoldAsync(db, "report-query", "BEGIN; SELECT count(*) FROM busy");

        var clock = Stopwatch.StartNew();
        // Two seconds: with no retry, the one try must leave the second connection time to look even on a busy machine.
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(BusyAlone.All, new RunnerOptions { LockTimeout = TimeSpan.FromSeconds(2), LockRetries = 0 })
            .UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(12));
        Assert.StartsWith($"Running upgrade ac0000000001 -> ad0000000002, add extra alone gave up after 1 try: could not lock busy within the lock timeout (2 s): it is held by pid {holder.ProcessID}", error.Message);
        Assert.Equal(["ac0000000001"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task The_statement_timeout_ends_a_slow_revision_at_once_without_retries()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var log = new LogLines();

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Sleepy.All, new RunnerOptions { StatementTimeout = OneSecond }, log.Logger)
            .UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        // Well before the revision's ten-second sleep would end.
        Assert.InRange(clock.Elapsed, OneSecond, TimeSpan.FromSeconds(8));
        Assert.Equal("Running upgrade ae0000000001 -> ae0000000002, slow was ended by the statement timeout (1 s)", error.Message);
        Assert.Equal("The revision was rolled back; the database is at ae0000000001. Give it longer with --statement-timeout SECONDS (0 for no limit).", error.Hint);
        Assert.Equal(2, log.Lines.Count);
        Assert.Equal(["ae0000000001"], await db.VersionRowsAsync());
        Assert.Equal(["quick"], await db.TablesAsync());
    }

    [Fact]
    public async Task The_timeouts_end_with_the_run_and_leave_the_apps_pooled_connection_as_the_server_set_it()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        // One connection in the pool: the app's next query gets the very session the run used.
        var pooled = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = true, MaxPoolSize = 1 }.ConnectionString;
        var options = new DbContextOptionsBuilder().UseNpgsql(pooled).Options;
        await using (var context = new DbContext(options))
        {
            // A statement outside a transaction (SET, RESET) and one in it (SET LOCAL).
            await new RevisionRunner(context, RevisionCatalog.FromTypes(BusyAlone.All), new RunnerOptions { LockTimeout = OneSecond, StatementTimeout = TimeSpan.FromSeconds(7) })
                .UpgradeAsync("head");
        }

        await using var app = new NpgsqlConnection(pooled);
        await app.OpenAsync();
        await using var show = new NpgsqlCommand("SELECT current_setting('lock_timeout') || ' ' || current_setting('statement_timeout')", app);
        Assert.Equal("0 0", await show.ExecuteScalarAsync());
        Assert.Equal(["ad0000000002"], await db.VersionRowsAsync());
        NpgsqlConnection.ClearPool(app);
    }

    [Fact]
    public async Task An_upgrade_through_PgBouncer_in_transaction_mode_is_refused_in_one_line_before_anything_runs()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        using var bouncer = await PgBouncer.StartAsync("transaction");
        var database = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database;
        var context = new DbContext(new DbContextOptionsBuilder().UseNpgsql(bouncer.ConnectionStringTo(db.ConnectionString)).Options);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => new RevisionRunner(context, RevisionCatalog.FromTypes(Linear.All)).UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(
            $"The connection to database '{database}' on 'tcp://127.0.0.1:{bouncer.Port}' goes through a pooler in transaction mode (its server session changed hands between two transactions), where the migration lock cannot hold.",
            error.Message);
        Assert.Equal("Connect to the PostgreSQL server directly (its own port, usually 5432), not through the pooler.", error.Hint);
        Assert.Empty(await db.VersionRowsAsync());
        Assert.Empty(await db.TablesAsync());
        // No advisory lock left behind on one of PgBouncer's server sessions.
        Assert.Equal(["0"], await db.QueryAsync(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
    }

    [Fact]
    public async Task An_upgrade_through_PgBouncer_in_session_mode_runs_as_on_a_direct_connection()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        using var bouncer = await PgBouncer.StartAsync("session");
        var context = new DbContext(new DbContextOptionsBuilder().UseNpgsql(bouncer.ConnectionStringTo(db.ConnectionString)).Options);

        await new RevisionRunner(context, RevisionCatalog.FromTypes(Linear.All)).UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["aa0000000005"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task A_declared_transaction_pooler_is_refused_before_connecting()
    {
        // Nothing listens on port 1: any attempt to connect would fail with another message.
        var context = new DbContext(new DbContextOptionsBuilder().UseNpgsql("Host=127.0.0.1;Port=1;Database=app;Username=app;Password=secret").Options);
        var runner = new RevisionRunner(context, RevisionCatalog.FromTypes(Linear.All), new RunnerOptions { TransactionPooler = true });

        var upgrade = await Assert.ThrowsAsync<MigrationKitException>(() => runner.UpgradeAsync("head"));
        var stamp = await Assert.ThrowsAsync<MigrationKitException>(() => runner.StampAsync(["head"], purge: false));

        Assert.Equal(
            "The connection to database 'app' on 'tcp://127.0.0.1:1' goes through a pooler in transaction mode (as the settings declare), where the migration lock cannot hold.",
            upgrade.Message);
        Assert.Equal(upgrade.Message, stamp.Message);
    }

    /// <summary>A session of its own that ran <paramref name="sql"/> and stays as it left it.</summary>
    private static async Task<NpgsqlConnection> HoldAsync(TestDatabase db, string application, string sql)
    {
        var connection = new NpgsqlConnection(db.ConnectionString + $";Application Name={application};Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>
    /// Inserts into busy, one row at a time, until stopped (at most a minute), and says how long
    /// each insert took. On a thread of its own, with blocking calls, so that a thread pool kept
    /// busy by the other tests of the run cannot add to what it measures.
    /// </summary>
    private static Task<List<TimeSpan>> InsertInALoopAsync(TestDatabase db, CancellationToken stop) => Task.Factory.StartNew(() =>
    {
        using var connection = new NpgsqlConnection(db.ConnectionString + ";Application Name=app-inserts;Pooling=false");
        connection.Open();
        using var insert = new NpgsqlCommand("INSERT INTO busy (note) VALUES ('app')", connection);
        var waits = new List<TimeSpan>();
        var total = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested && total.Elapsed < TimeSpan.FromMinutes(1))
        {
            var clock = Stopwatch.StartNew();
            insert.ExecuteNonQuery();
            waits.Add(clock.Elapsed);
            Thread.Sleep(20);
        }

        return waits;
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
