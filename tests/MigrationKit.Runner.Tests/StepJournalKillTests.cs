using System.Diagnostics;
using Xunit.Abstractions;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// A revision in parts (<see cref="InParts.SlowAll"/>: a table of 20,000 rows, a unique index built
/// concurrently on it, a column; the transactional parts sleep a while) upgraded by a child process
/// that is killed with SIGKILL at a random moment. After every kill the journal, the version
/// table and the history say what committed (the history's row only once the revision is recorded:
/// no row for a revision rolled back or partly applied), and the next upgrade finishes the revision
/// without repeating a part.
/// </summary>
public sealed class StepJournalKillTests(ITestOutputHelper output)
{
    private const int Trials = 20;
    private const int Chains = 2;
    private const int Rows = 20_000;

    [Fact]
    public async Task Sigkill_at_random_moments_leaves_a_state_the_journal_tells_and_the_next_upgrade_finishes()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var outcomes = new List<string>();
        // Chains side by side, each on databases of its own, to keep the test short.
        await Task.WhenAll(Enumerable.Range(0, Chains).Select(chain => KillRepeatedlyAsync(new Random(seed + chain), chain, outcomes)));

        // The delays must have caught the revision between its parts, not only before or after it.
        Assert.Contains(outcomes, o => o.StartsWith("upgrade:", StringComparison.Ordinal));
    }

    private async Task KillRepeatedlyAsync(Random random, int chain, List<string> outcomes)
    {
        // How long a whole run takes on this machine now (the load of other work shifts it a lot):
        // the kills are spread over that.
        TimeSpan runTime;
        using (var calibration = await SeededAsync())
        {
            (_, runTime) = await UpgradeAndKillAsync(calibration, Timeout.InfiniteTimeSpan);
        }

        output.WriteLine($"chain {chain}: a whole run takes {runTime.TotalMilliseconds:0} ms after its first log line");
        for (var trial = chain; trial < Trials; trial += Chains)
        {
            using var db = await SeededAsync();

            var delay = runTime * random.NextDouble();
            var (killed, _) = await UpgradeAndKillAsync(db, delay);
            await db.WaitForOtherSessionsToEndAsync();

            // As `current -v` reads it: over a plain connection.
            await using var connection = new Npgsql.NpgsqlConnection(db.ConnectionString);
            var state = await RevisionRunner.ReadCurrentStateAsync(
                connection, InParts.Postgres, Testing.ScratchDatabase.VersionTable, withJournal: true, CancellationToken.None);
            var told = state.Heads.Count > 0 ? "recorded" : state.PartlyApplied.Count == 0 ? "nothing" : state.PartlyApplied[0].Describe();
            lock (outcomes)
            {
                outcomes.Add(told);
            }

            output.WriteLine($"trial {trial}: {(killed ? "killed" : "finished before the kill")} {delay.TotalMilliseconds:0} ms after the revision started: {told}");
            await AssertStateMatchesSchemaAsync(db, state);

            await db.Runner(InParts.SlowAll).UpgradeAsync("head");

            Assert.Equal([InParts.SlowId], await db.VersionRowsAsync());
            Assert.Equal(["part 1", "part 3"], await StepJournalTests.AuditAsync(db));
            Assert.Equal([Rows.ToString(System.Globalization.CultureInfo.InvariantCulture)], await db.QueryAsync("SELECT count(*) FROM items"));
            Assert.Equal(["True"], await IndexValidityAsync(db));
            Assert.Empty(await StepJournalTests.JournalAsync(db));
            Assert.Equal([InParts.SlowId + " upgrade"], await HistoryTests.RowsAsync(db));
        }
    }

    private static async Task<TestDatabase> SeededAsync()
    {
        var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.ExecuteAsync(InParts.Setup + $"INSERT INTO item_seed SELECT i, 'c' || i FROM generate_series(1, {Rows}) i;");
        return db;
    }

    /// <summary>What the journal and the version table say is what the schema shows.</summary>
    private static async Task AssertStateMatchesSchemaAsync(TestDatabase db, RevisionRunner.CurrentState state)
    {
        var audit = await StepJournalTests.AuditAsync(db);
        var hasNote = (await db.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'Note'")).Single() == "1";
        if (state.Heads.Count > 0)
        {
            Assert.Empty(state.PartlyApplied);
            Assert.Equal(["part 1", "part 3"], audit);
            Assert.True(hasNote);
            Assert.Equal([InParts.SlowId + " upgrade"], await HistoryTests.RowsAsync(db));
            return;
        }

        Assert.Empty(await HistoryTests.RowsAsync(db));

        var done = state.PartlyApplied.Count == 0 ? 0 : Assert.Single(state.PartlyApplied).PartsDone;
        Assert.Equal(done >= 1 ? ["part 1"] : [], audit);
        Assert.Equal(done >= 1 ? ["items"] : [], await db.QueryAsync("SELECT table_name FROM information_schema.tables WHERE table_name = 'items'"));
        Assert.False(hasNote);
        if (done >= 2)
        {
            Assert.Equal(["True"], await IndexValidityAsync(db));
        }
    }

    private static Task<List<string>> IndexValidityAsync(TestDatabase db)
        => db.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\"IX_items_Code\"')");

    /// <summary>
    /// Starts the child, waits until it starts the revision, then kills it (SIGKILL) after
    /// <paramref name="delay"/>; whether it was killed (not finished first), and how long after the revision started it ended.
    /// </summary>
    private static async Task<(bool Killed, TimeSpan Elapsed)> UpgradeAndKillAsync(TestDatabase db, TimeSpan delay)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(Program).Assembly.Location, "upgrade", db.Provider, db.ConnectionString })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            if (line.StartsWith("Running upgrade", StringComparison.Ordinal))
            {
                break;
            }
        }

        var clock = Stopwatch.StartNew();
        var exited = child.WaitForExitAsync();
        var killed = await Task.WhenAny(exited, Task.Delay(delay)) != exited;
        if (killed)
        {
            child.Kill();
        }

        await exited.WaitAsync(TimeSpan.FromSeconds(60));
        // 137: killed by SIGKILL (128 + 9).
        Assert.True(child.ExitCode is 0 or 137, $"the child failed ({child.ExitCode}): {await errors}");
        return (killed, clock.Elapsed);
    }
}
