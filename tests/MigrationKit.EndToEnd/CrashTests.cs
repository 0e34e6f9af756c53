using MigrationKit.EndToEnd.Infrastructure;
using Xunit.Abstractions;
using static MigrationKit.EndToEnd.Infrastructure.SharedApps;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>A deployment killed half way, and two deployments at once: the version table always tells the truth.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class CrashTests(PackedTool tool, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = RunningCommand.DefaultTimeout;

    /// <param name="chains">
    /// Trials run in this many independent sequences at once, each on its own database: most of a
    /// trial is the tool starting up, which two sequences overlap.
    /// </param>
    [Theory]
    [InlineData(AppDatabase.Postgres, 20, 2)]
    [InlineData(AppDatabase.Sqlite, 3, 1)]
    public async Task Sigkill_at_random_moments_never_leaves_the_version_table_and_the_schema_apart(string provider, int trials, int chains)
    {
        var app = await SlowAsync(tool);
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");

        await Task.WhenAll(Enumerable.Range(0, chains).Select(chain => KillRepeatedlyAsync(app, provider, trials / chains, new Random(seed + chain), $"chain {chain}")));
    }

    private async Task KillRepeatedlyAsync(ThrowawayApp app, string provider, int trials, Random random, string name)
    {
        var database = await AppDatabase.CreateAsync(provider);
        try
        {
            for (var trial = 1; trial <= trials; trial++)
            {
                var before = await database.VersionRowsAsync();
                using var run = app.Start(database.Environment, "upgrade", "head", "--no-build");

                // Mostly inside the five revisions (each pauses a quarter of a second), sometimes anywhere from start-up on.
                var fromStart = random.Next(4) == 0;
                if (fromStart || await run.ErrorLineSeenAsync("Running "))
                {
                    await Task.WhenAny(run.Exited, Task.Delay(fromStart ? random.Next(200, 4000) : random.Next(0, 1600)));
                }

                var killed = run.KillTree();
                var result = await run.WaitAsync(Timeout);
                await database.WaitForOtherSessionsToEndAsync();
                var after = await database.VersionRowsAsync();
                output.WriteLine($"{name}, trial {trial}: {(killed ? "killed" : "finished")} at [{string.Join(", ", after)}] after {result.StepLines.Count} step(s)");

                // It resumed where the version table said the database was...
                if (result.StepLines.Count > 0)
                {
                    Assert.StartsWith($"Running upgrade {string.Join(", ", before)} -> ", result.StepLines[0]);
                }

                // ...and whatever moment it died, the table names the revision whose schema is there.
                await AssertSchemaMatchesVersionAsync(database, after, result);
                if (!killed)
                {
                    Succeeded(result);
                    Assert.Equal([Slow[^1]], after);
                }

                if (after.SequenceEqual([Slow[^1]]))
                {
                    // At the head there is nothing left to interrupt: go on with an empty database.
                    database.Dispose();
                    database = await AppDatabase.CreateAsync(provider);
                }
            }

            // The next upgrade finishes the job.
            var finish = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build"));
            Assert.Equal([Slow[^1]], await database.VersionRowsAsync());
            await AssertSchemaMatchesVersionAsync(database, [Slow[^1]], finish);
        }
        finally
        {
            database.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Two_concurrent_upgrades_both_succeed_and_apply_each_revision_once(string provider)
    {
        var app = await SlowAsync(tool);
        using var database = await AppDatabase.CreateAsync(provider);

        using var first = app.Start(database.Environment, "upgrade", "head", "--no-build");
        using var second = app.Start(database.Environment, "upgrade", "head", "--no-build");
        var results = await Task.WhenAll(first.WaitAsync(Timeout), second.WaitAsync(Timeout));

        Succeeded(results[0]);
        Succeeded(results[1]);
        // Whoever took the lock second found the work done.
        Assert.Equal(Slow.Length, results.Sum(r => r.StepLines.Count));
        Assert.Equal(Slow, await database.QueryAsync("SELECT revision FROM applied ORDER BY 1"));
        Assert.Equal([Slow[^1]], await database.VersionRowsAsync());
    }

    [Fact]
    public async Task Two_concurrent_upgrades_of_a_database_that_does_not_exist_yet_both_succeed()
    {
        var app = await SlowAsync(tool);
        using var database = AppDatabase.PostgresNotCreated(out _);

        // Both find no database and race to create it; the loser must carry on, not fail.
        using var first = app.Start(database.Environment, "upgrade", "head", "--no-build");
        using var second = app.Start(database.Environment, "upgrade", "head", "--no-build");
        var results = await Task.WhenAll(first.WaitAsync(Timeout), second.WaitAsync(Timeout));

        Succeeded(results[0]);
        Succeeded(results[1]);
        Assert.Equal(Slow.Length, results.Sum(r => r.StepLines.Count));
        Assert.Equal([Slow[^1]], await database.VersionRowsAsync());
    }

    private static async Task AssertSchemaMatchesVersionAsync(AppDatabase database, List<string> versionRows, CommandResult result)
    {
        Assert.True(versionRows.Count <= 1, $"A linear graph has at most one version row, found [{string.Join(", ", versionRows)}].\n{result}");
        var applied = versionRows.Count == 0 ? 0 : Array.IndexOf(Slow, versionRows[0]) + 1;
        Assert.True(applied > 0 || versionRows.Count == 0, $"Unknown version row in [{string.Join(", ", versionRows)}].\n{result}");
        var tables = await database.TablesAsync();
        Assert.True(SlowTablesUpTo(applied).SequenceEqual(tables),
            $"Version table says [{string.Join(", ", versionRows)}] but the tables are [{string.Join(", ", tables)}].\n{result}");
        if (applied > 0)
        {
            Assert.Equal(Slow[..applied], await database.QueryAsync("SELECT revision FROM applied ORDER BY 1"));
        }
    }
}
