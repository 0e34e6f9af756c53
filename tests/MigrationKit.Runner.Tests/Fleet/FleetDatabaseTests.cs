using System.Collections.Concurrent;
using System.Diagnostics;
using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;
using Xunit.Abstractions;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>A fleet of PostgreSQL databases, migrated by a role without superuser rights.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetDatabaseTests(ITestOutputHelper output)
{
    private static readonly RevisionCatalog Catalog = RevisionCatalog.FromTypes(Tenants.All);

    [Fact]
    public async Task Two_hundred_databases_reach_head_but_the_two_that_fail_and_a_retry_of_the_report_finishes_them()
    {
        var setUp = Stopwatch.StartNew();
        await using var fleet = await PostgresFleet.CreateAsync();
        var old = await TemplateAtAsync(fleet, "old", Tenants.Accounts);
        var head = await TemplateAtAsync(fleet, "head", Tenants.Audit);
        // Three in four at the first revision, the rest at head already.
        var databases = await fleet.CreateDatabasesAsync(200, i => i % 4 == 3 ? head : old);
        var (conflicting, denied) = (databases[17], databases[42]);
        await PostgresFleet.AdminAsync(conflicting, "CREATE TABLE fleet_orders (id int)");
        await PostgresFleet.AdminAsync(denied, "ALTER SCHEMA public OWNER TO CURRENT_USER; REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        var targets = databases.Select(d => fleet.Target(d)).ToList();
        var runner = new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog, options: new FleetOptions { ContinueOnError = true });

        var clock = Stopwatch.StartNew();
        var report = await runner.UpgradeAsync(targets);
        clock.Stop();
        output.WriteLine($"set-up {setUp.Elapsed - clock.Elapsed}, fleet run {clock.Elapsed}");

        Assert.False(report.Succeeded);
        Assert.Equal([(Tenants.Audit, 198), (Tenants.Accounts, 2)], report.ByRevision());
        Assert.Equal(50, report.Targets.Count(t => t.Status == TargetStatus.Unchanged));
        Assert.Equal(148, report.Targets.Count(t => t.Status == TargetStatus.Succeeded && t.Steps == 3));
        var failed = report.Targets.Where(t => t.Status == TargetStatus.Failed).ToDictionary(t => t.Name);
        Assert.Equal([conflicting, denied], failed.Keys.Order());
        Assert.Contains("\"fleet_orders\" already exists", failed[conflicting].Error);
        Assert.Contains("permission denied for schema public", failed[denied].Error);
        Assert.All(failed.Values, f => Assert.DoesNotContain('\n', f.Error!));
        Assert.DoesNotContain(fleet.Password, report.ToJson());
        foreach (var database in databases.Where(d => d != conflicting))
        {
            // Each database's version table tells the truth about its schema (the conflicting
            // table of the one left out would look like revision 2's).
            Assert.Equal(await StateAsync(database), await VersionAsync(database));
        }

        Assert.Equal(0, await fleet.SessionsAsync());

        await PostgresFleet.AdminAsync(conflicting, "DROP TABLE fleet_orders");
        await PostgresFleet.AdminAsync(denied, $"GRANT CREATE ON SCHEMA public TO {fleet.Role}");
        var again = await RetryFailed.RunAsync(runner, targets, report);

        Assert.True(again.Succeeded);
        Assert.Equal([conflicting, denied], again.Targets.Select(t => t.Name).Order());
        Assert.All(again.Targets, t => Assert.Equal((TargetStatus.Succeeded, 3), (t.Status, t.Steps)));
        Assert.Equal(Tenants.Audit, await VersionAsync(conflicting));
        Assert.Equal(Tenants.Audit, await StateAsync(denied));
    }

    [Fact]
    public async Task A_target_at_the_revision_costs_one_query_and_no_revision_generates_sql_again()
    {
        await using var fleet = await PostgresFleet.CreateAsync();
        var old = await TemplateAtAsync(fleet, "old", Tenants.Accounts);
        var head = await TemplateAtAsync(fleet, "head", Tenants.Audit);
        List<string> fresh = [await fleet.CreateDatabaseAsync($"{fleet.Prefix}_empty"), await fleet.CreateDatabaseAsync($"{fleet.Prefix}_behind", old)];
        var databases = await fleet.CreateDatabasesAsync(12, i => i < 8 ? old : head);
        var runner = new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog);
        var commands = new ConcurrentDictionary<string, int>();
        var connections = new ConcurrentDictionary<string, int>();
        using var listener = CommandsByDatabase(commands, connections);

        // A database behind or empty costs one connection, not one for the first query and another for the run.
        var first = new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog);
        Assert.True((await first.UpgradeAsync(fresh.Select(d => fleet.Target(d)).ToList())).Succeeded);
        Assert.All(fresh, d => Assert.Equal(1, connections[d]));

        var before = Tenants.UpgradeCalls;
        var report = await runner.UpgradeAsync(databases.Select(d => fleet.Target(d)).ToList());

        // Three revisions to run on eight databases: each one's Upgrade called once for the fleet.
        Assert.Equal(3, Tenants.UpgradeCalls - before);
        Assert.True(report.Succeeded);
        Assert.All(databases[8..], d => Assert.Equal(1, commands[d]));
        Assert.All(databases[..8], d => Assert.True(commands[d] > 5, $"{d}: {commands[d]} commands"));
        Assert.All(databases, d => Assert.Equal(1, connections[d]));
        Assert.All(report.Targets.Skip(8), t => Assert.Equal(TargetStatus.Unchanged, t.Status));

        commands.Clear();
        var again = await runner.UpgradeAsync(databases.Select(d => fleet.Target(d)).ToList());

        Assert.All(again.Targets, t => Assert.Equal((TargetStatus.Unchanged, Tenants.Audit), (t.Status, string.Join(",", t.After))));
        Assert.All(databases, d => Assert.Equal(1, commands[d]));
        Assert.Equal(3, Tenants.UpgradeCalls - before);
    }

    [Fact]
    public async Task No_more_sessions_than_parallel_are_open_while_the_fleet_runs_and_none_after()
    {
        await using var fleet = await PostgresFleet.CreateAsync();
        var old = await TemplateAtAsync(fleet, "old", Tenants.Accounts);
        var databases = await fleet.CreateDatabasesAsync(16, _ => old);
        var sessions = new ConcurrentBag<int>();
        var running = new ConcurrentBag<int>();
        var options = new FleetOptions
        {
            Parallel = 3,
            Progress = new Synchronous(p =>
            {
                running.Add(p.Running);
                if (p.Finished is not null)
                {
                    sessions.Add(fleet.SessionsAsync().GetAwaiter().GetResult());
                }
            }),
        };

        var report = await new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog, options: options)
            .UpgradeAsync(databases.Select(d => fleet.Target(d)).ToList());

        Assert.True(report.Succeeded);
        Assert.InRange(running.Max(), 1, 3);
        Assert.InRange(sessions.Max(), 0, 3);
        Assert.Equal(0, await fleet.SessionsAsync());
    }

    /// <summary>A template database at <paramref name="revision"/>, made by the role through a fleet of one.</summary>
    internal static async Task<string> TemplateAtAsync(PostgresFleet fleet, string name, string revision)
    {
        var database = await fleet.CreateDatabaseAsync($"{fleet.Prefix}_{name}");
        var report = await new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog)
            .UpgradeAsync([fleet.Target(database)], revision);
        Assert.True(report.Succeeded, report.Targets[0].Error);
        return database;
    }

    private static async Task<string> VersionAsync(string database)
        => string.Join(",", await PostgresFleet.QueryAsync(database, "SELECT version_num FROM migratekit_version ORDER BY 1"));

    private static async Task<string> StateAsync(string database) => (await PostgresFleet.QueryAsync(database, Tenants.SchemaStateSql("public")))[0];

    /// <summary>
    /// Counts the commands Npgsql sends to each database and, when asked, the connections it opens to
    /// each (its tracing: a physical open is a "CONNECT db" activity), whoever sends or opens them.
    /// </summary>
    internal static ActivityListener CommandsByDatabase(ConcurrentDictionary<string, int> commands, ConcurrentDictionary<string, int>? connections = null)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                // Npgsql's tags, under the semantic conventions' new names or their old ones.
                if ((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is not null
                    && (activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name")) is string database)
                {
                    commands.AddOrUpdate(database, 1, (_, n) => n + 1);
                }
                else if (connections is not null && activity.OperationName.StartsWith("CONNECT ", StringComparison.Ordinal))
                {
                    connections.AddOrUpdate(activity.OperationName["CONNECT ".Length..], 1, (_, n) => n + 1);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}

/// <summary>Progress told on the worker's own thread, as it happens (<see cref="Progress{T}"/> posts it later).</summary>
internal sealed class Synchronous(Action<FleetProgress> report) : IProgress<FleetProgress>
{
    public void Report(FleetProgress value) => report(value);
}
