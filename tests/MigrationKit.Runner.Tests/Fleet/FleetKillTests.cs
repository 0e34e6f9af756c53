using System.Diagnostics;
using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>A fleet run killed with SIGKILL mid-way: every target at a true revision, and a rerun finishes.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetKillTests
{
    [Fact]
    public async Task A_fleet_killed_mid_way_leaves_every_database_at_a_true_revision_and_a_rerun_finishes_all()
    {
        var databases = await Task.WhenAll(Enumerable.Range(0, 9).Select(_ => TestDatabase.CreateAsync(TestDatabase.Postgres)));
        try
        {
            using var folder = new TempDirectory("fleet-kill");
            await File.WriteAllLinesAsync(folder.File("targets.txt"), databases.Select(d => d.ConnectionString));

            // Nine databases, three revisions of half a second each, three at a time: about 4.5 s
            // in all; killed after the fourth revision started, in the middle of the run.
            await RunAndKillAfterAsync(folder.File("targets.txt"), revisionsStarted: 4);

            var versions = new List<string>();
            foreach (var db in databases)
            {
                await db.WaitForOtherSessionsToEndAsync();
                var version = (await db.VersionRowsAsync()).SingleOrDefault();
                var applied = version is null ? 0 : Array.IndexOf(SlowTenants.Ids, version) + 1;
                Assert.Equal(Enumerable.Range(1, applied).Select(i => $"slow_{i}"), await db.TablesAsync());
                versions.Add(version ?? "base");
            }

            Assert.Contains(versions, v => v != SlowTenants.Ids[^1]);
            Assert.Contains(versions, v => v != "base");

            var report = await new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), RevisionCatalog.FromTypes(SlowTenants.All))
                .UpgradeAsync(databases.Select((d, i) => new FleetTarget($"tenant_{i}", d.ConnectionString)).ToList());

            Assert.True(report.Succeeded);
            Assert.Equal([(SlowTenants.Ids[^1], 9)], report.ByRevision());
            foreach (var db in databases)
            {
                Assert.Equal(["slow_1", "slow_2", "slow_3"], await db.TablesAsync());
            }
        }
        finally
        {
            foreach (var db in databases)
            {
                db.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_interrupt_rolls_back_the_revisions_running_on_each_target_and_the_report_says_so()
    {
        var databases = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TestDatabase.CreateAsync(TestDatabase.Postgres)));
        try
        {
            var targets = databases.Select((d, i) => new FleetTarget($"tenant_{i}", d.ConnectionString)).ToList();
            using var interrupt = new CancellationTokenSource();
            var options = new FleetOptions { Parallel = 3, Progress = new Synchronous(p => { if (p.Running == 3) interrupt.CancelAfter(300); }) };

            // Three targets at once, each in its first half-second revision when the interrupt comes.
            var report = await new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), RevisionCatalog.FromTypes(SlowTenants.All), options: options)
                .UpgradeAsync(targets, ct: interrupt.Token);

            Assert.True(report.Cancelled);
            // In its first revision, or (on a slow machine) still before it: nothing applied either way.
            Assert.All(report.Targets, t => Assert.StartsWith("Interrupted ", t.Error));
            foreach (var db in databases)
            {
                await db.WaitForOtherSessionsToEndAsync();
                Assert.Empty(await db.VersionRowsAsync());
                Assert.Empty(await db.TablesAsync());
            }
        }
        finally
        {
            foreach (var db in databases)
            {
                db.Dispose();
            }
        }
    }

    private static async Task RunAndKillAfterAsync(string targets, int revisionsStarted)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(Program).Assembly.Location, "fleet", ScratchDatabase.Postgres, targets })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        var started = 0;
        while (started < revisionsStarted && await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            if (line.StartsWith("Running upgrade", StringComparison.Ordinal))
            {
                started++;
            }
        }

        var clock = Stopwatch.StartNew();
        child.Kill();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        // 137: killed by SIGKILL (128 + 9).
        Assert.True(child.ExitCode == 137, $"the fleet ended ({child.ExitCode}) before it was killed, {clock.Elapsed} after the revision started: {await errors}");
    }
}
