using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>How a fleet run schedules its targets, on SQLite files (real files, cheap to make).</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetScheduleTests : IDisposable
{
    private static readonly RevisionCatalog Catalog = RevisionCatalog.FromTypes(Tenants.All);
    private readonly TempDirectory _folder = new("fleet-sqlite");

    [Fact]
    public async Task Sqlite_files_as_targets_reach_head_and_the_one_that_fails_is_reported_with_its_error()
    {
        var targets = Files(6);
        await ConflictAsync(targets[2]);

        var report = await Runner(new FleetOptions { ContinueOnError = true }).UpgradeAsync(targets);

        Assert.False(report.Succeeded);
        Assert.Equal([(Tenants.Audit, 5), (Tenants.Accounts, 1)], report.ByRevision());
        var failed = Assert.Single(report.Targets, t => t.Status == TargetStatus.Failed);
        Assert.Equal("tenant_2.db", failed.Name);
        Assert.Contains("table \"fleet_orders\" already exists", failed.Error);
        Assert.All(targets.Where((_, i) => i != 2), t => Assert.Equal([Tenants.Audit], VersionRows(t)));
        Assert.Equal([Tenants.Accounts], VersionRows(targets[2]));
        Assert.Equal(["tenant_2.db"], report.NamesToRetry());
    }

    [Fact]
    public async Task By_default_a_failure_lets_the_running_targets_finish_and_starts_no_more()
    {
        var targets = Files(6);
        await ConflictAsync(targets[2]);

        var report = await Runner(new FleetOptions { Parallel = 1 }).UpgradeAsync(targets);

        Assert.Equal(
            [TargetStatus.Succeeded, TargetStatus.Succeeded, TargetStatus.Failed, TargetStatus.NotStarted, TargetStatus.NotStarted, TargetStatus.NotStarted],
            report.Targets.Select(t => t.Status));
        Assert.False(File.Exists(_folder.File("tenant_3.db")));
        Assert.Equal(["tenant_2.db", "tenant_3.db", "tenant_4.db", "tenant_5.db"], report.NamesToRetry().Order());
        Assert.Equal([(Tenants.Audit, 2), (Tenants.Accounts, 1)], report.ByRevision());
    }

    [Fact]
    public async Task A_failing_canary_starts_no_other_target_even_with_continue_on_error()
    {
        var targets = Files(6);
        await ConflictAsync(targets[1]);

        var report = await Runner(new FleetOptions { Canary = 2, Parallel = 4, ContinueOnError = true }).UpgradeAsync(targets);

        Assert.Equal([TargetStatus.Succeeded, TargetStatus.Failed], report.Targets.Take(2).Select(t => t.Status));
        Assert.All(report.Targets.Skip(2), t => Assert.Equal(TargetStatus.NotStarted, t.Status));
        Assert.All(Enumerable.Range(2, 4), i => Assert.False(File.Exists(_folder.File($"tenant_{i}.db"))));
    }

    [Fact]
    public async Task Canaries_run_alone_first_then_the_rest_in_parallel_up_to_the_bound()
    {
        var targets = Files(12);
        var log = new ConcurrentQueue<(string Event, string Name)>();
        var (running, mostRunning) = (0, 0);
        var events = new ConcurrentQueue<FleetProgress>();

        // A job that stays a while, so that the workers overlap as much as the schedule lets them.
        var report = await Runner(new FleetOptions { Canary = 2, Parallel = 3, Progress = new Synchronous(events.Enqueue) })
            .RunAsync("wait", targets, async (target, _, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                log.Enqueue(("start", target.Name));
                lock (log)
                {
                    mostRunning = Math.Max(mostRunning, now);
                }

                await Task.Delay(150, ct);
                log.Enqueue(("end", target.Name));
                Interlocked.Decrement(ref running);
                return new TargetResult(target.Name, TargetStatus.Unchanged, [], [], 0, TimeSpan.Zero, null);
            });

        Assert.True(report.Succeeded);
        var seen = log.ToList();
        var canariesDone = seen.FindLastIndex(e => e is ("end", "tenant_0.db") or ("end", "tenant_1.db"));
        var othersStart = seen.FindIndex(e => e.Event == "start" && e.Name is not ("tenant_0.db" or "tenant_1.db"));
        Assert.True(canariesDone < othersStart, string.Join(", ", seen));
        Assert.Equal(3, mostRunning);
        Assert.InRange(events.Max(e => e.Running), 1, 3);
        Assert.Contains(events, e => (e.Total, e.Done, e.Running, e.Failed, e.Remaining) == (12, 12, 0, 0, 0));
    }

    [Fact]
    public async Task An_interrupt_stops_the_fleet_and_the_report_says_so()
    {
        var targets = Files(6);
        using var interrupt = new CancellationTokenSource();
        var options = new FleetOptions { Parallel = 1, Progress = new Synchronous(p => { if (p.Finished is not null) interrupt.Cancel(); }) };

        var report = await Runner(options).UpgradeAsync(targets, ct: interrupt.Token);

        Assert.True(report.Cancelled);
        Assert.False(report.Succeeded);
        Assert.Equal(TargetStatus.Succeeded, report.Targets[0].Status);
        Assert.All(report.Targets.Skip(1), t => Assert.Equal(TargetStatus.NotStarted, t.Status));
        Assert.True(FleetReportFromJson(report).Cancelled);
    }

    [Fact]
    public async Task Two_targets_of_one_name_are_refused_in_one_line_naming_it()
    {
        var targets = Files(2);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => Runner(new FleetOptions()).UpgradeAsync([targets[0], targets[1] with { Name = targets[0].Name }]));

        Assert.Equal("Two targets of the fleet are named 'tenant_0.db'.", error.Message);
        Assert.False(File.Exists(_folder.File("tenant_0.db")));
    }

    [Fact]
    public async Task A_report_reads_back_as_written_and_a_file_that_is_not_one_is_refused_in_one_line()
    {
        var targets = Files(3);
        await ConflictAsync(targets[1]);
        var report = await Runner(new FleetOptions { ContinueOnError = true }).UpgradeAsync(targets);

        var read = FleetReportFromJson(report);

        Assert.Equal(("upgrade", "head", false), (read.Operation, read.Target, read.Succeeded));
        Assert.Equal(report.ByRevision(), read.ByRevision());
        Assert.Equal(report.Targets.Select(t => (t.Name, t.Status, t.Steps, t.Error)), read.Targets.Select(t => (t.Name, t.Status, t.Steps, t.Error)));
        Assert.Equal(["tenant_1.db"], read.NamesToRetry());
        File.WriteAllText(_folder.File("not-a-report.json"), "{\"targets\": 3}");
        var error = Assert.Throws<MigrationKitException>(() => FleetReport.ReadFile(_folder.File("not-a-report.json")));
        Assert.StartsWith($"'{_folder.File("not-a-report.json")}' is not a fleet report: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Current_and_stamp_over_a_fleet_read_and_write_each_version_table()
    {
        var targets = Files(4);
        var runner = Runner(new FleetOptions());
        await runner.UpgradeAsync(targets.Take(2).ToList(), Tenants.Note);

        var stamped = await runner.StampAsync(targets.Skip(2).ToList(), [Tenants.Accounts], purge: false);
        var current = await runner.CurrentAsync(targets);

        Assert.True(stamped.Succeeded);
        Assert.All(stamped.Targets, t => Assert.Equal((TargetStatus.Succeeded, Tenants.Accounts), (t.Status, string.Join(",", t.After))));
        Assert.Equal([(Tenants.Accounts, 2), (Tenants.Note, 2)], current.ByRevision());

        // A purge reports the rows it replaced, unchecked as it takes them.
        var purged = await runner.StampAsync(targets.Take(1).ToList(), [Tenants.Accounts], purge: true);
        Assert.Equal((TargetStatus.Succeeded, Tenants.Note, Tenants.Accounts),
            (purged.Targets[0].Status, string.Join(",", purged.Targets[0].Before), string.Join(",", purged.Targets[0].After)));
    }

    public void Dispose() => _folder.Dispose();

    private static FleetRunner Runner(FleetOptions options) => new(FleetContext.Factory(ScratchDatabase.Sqlite), Catalog, options: options);

    private List<FleetTarget> Files(int count)
        => Enumerable.Range(0, count).Select(i => new FleetTarget($"tenant_{i}.db", $"Data Source={_folder.File($"tenant_{i}.db")}")).ToList();

    /// <summary>The file at the first revision, with the table the second creates already there.</summary>
    private static async Task ConflictAsync(FleetTarget target)
    {
        Assert.True((await Runner(new FleetOptions()).UpgradeAsync([target], Tenants.Accounts)).Succeeded);
        await using var connection = new SqliteConnection(target.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE fleet_orders (id integer)";
        await command.ExecuteNonQueryAsync();
    }

    private static List<string> VersionRows(FleetTarget target)
    {
        using var connection = new SqliteConnection(target.ConnectionString + ";Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version_num FROM migratekit_version ORDER BY 1";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private FleetReport FleetReportFromJson(FleetReport report)
    {
        var path = _folder.File("report.json");
        File.WriteAllText(path, report.ToJson());
        return FleetReport.ReadFile(path);
    }
}
