using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>PostgreSQL schema per tenant: every tenant's tables, version table and lock inside its own schema.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetSchemaTests
{
    private static readonly RevisionCatalog Catalog = RevisionCatalog.FromTypes(Tenants.All);

    [Fact]
    public async Task Two_hundred_schemas_of_one_database_reach_head_but_the_two_that_fail_and_a_retry_of_the_report_finishes_them()
    {
        await using var fleet = await PostgresFleet.CreateAsync();
        var database = await fleet.CreateDatabaseAsync(fleet.Prefix + "_schemas");
        // One name that needs quoting on search_path: capitals and a hyphen.
        var schemas = Enumerable.Range(0, 200).Select(i => i == 5 ? "Tenant-005" : $"tenant_{i:000}").ToList();
        await PostgresFleet.AdminAsync(database, string.Concat(schemas.Select(s => $"CREATE SCHEMA \"{s}\"; GRANT USAGE, CREATE ON SCHEMA \"{s}\" TO {fleet.Role};")));
        var targets = schemas.Select(s => fleet.Target(database, s)).ToList();
        var runner = new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog, options: new FleetOptions { ContinueOnError = true });
        Assert.True((await runner.UpgradeAsync(targets, Tenants.Accounts)).Succeeded);
        Assert.True((await runner.UpgradeAsync(targets.Where((_, i) => i % 4 == 3).ToList())).Succeeded);
        var (conflicting, denied) = (schemas[17], schemas[42]);
        await PostgresFleet.AdminAsync(database, $"CREATE TABLE {conflicting}.fleet_orders (id int); REVOKE CREATE ON SCHEMA {denied} FROM {fleet.Role}");

        var report = await runner.UpgradeAsync(targets);

        Assert.Equal([(Tenants.Audit, 198), (Tenants.Accounts, 2)], report.ByRevision());
        Assert.Equal(50, report.Targets.Count(t => t.Status == TargetStatus.Unchanged));
        var failed = report.Targets.Where(t => t.Status == TargetStatus.Failed).ToDictionary(t => t.Name);
        Assert.Equal([conflicting, denied], failed.Keys.Order());
        Assert.Contains("\"fleet_orders\" already exists", failed[conflicting].Error);
        Assert.Contains($"permission denied for schema {denied}", failed[denied].Error);
        foreach (var schema in schemas.Where(s => s != conflicting))
        {
            Assert.Equal((await PostgresFleet.QueryAsync(database, Tenants.SchemaStateSql(schema)))[0], await VersionAsync(database, schema));
        }

        // Nothing of any tenant landed in public, the next schema on search_path.
        Assert.Equal(["0"], await PostgresFleet.QueryAsync(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
        Assert.Equal(0, await fleet.SessionsAsync());

        await PostgresFleet.AdminAsync(database, $"DROP TABLE {conflicting}.fleet_orders; GRANT CREATE ON SCHEMA {denied} TO {fleet.Role}");
        var again = await RetryFailed.RunAsync(runner, targets, report);

        Assert.True(again.Succeeded);
        Assert.Equal([(Tenants.Audit, 2)], again.ByRevision());
        Assert.Equal(Tenants.Audit, await VersionAsync(database, conflicting));
        Assert.Equal(Tenants.Audit, await VersionAsync(database, denied));
    }

    [Fact]
    public async Task Two_schemas_of_one_database_migrate_without_waiting_for_each_others_lock()
    {
        await using var fleet = await PostgresFleet.CreateAsync();
        var database = await fleet.CreateDatabaseAsync(fleet.Prefix + "_locks");
        await PostgresFleet.AdminAsync(database, $"CREATE SCHEMA tenant_a AUTHORIZATION {fleet.Role}; CREATE SCHEMA tenant_b AUTHORIZATION {fleet.Role}");
        var targets = new[] { fleet.Target(database, "tenant_a"), fleet.Target(database, "tenant_b") };
        var runner = new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog,
            new RunnerOptions { LockWait = TimeSpan.FromSeconds(1) }, new FleetOptions { ContinueOnError = true });
        await using var holder = new NpgsqlConnection(fleet.ConnectionTo(database) + ";Pooling=false");
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", holder))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey.ForPostgres(database, ScratchDatabase.VersionTable, "tenant_a"));
            await take.ExecuteScalarAsync();
        }

        var report = await runner.UpgradeAsync(targets);

        // tenant_a's lock held elsewhere stops tenant_a only; the database's own key is not taken.
        Assert.Equal((TargetStatus.Succeeded, Tenants.Audit), (report.Targets[1].Status, string.Join(",", report.Targets[1].After)));
        Assert.Equal(TargetStatus.Failed, report.Targets[0].Status);
        Assert.StartsWith($"Gave up after 1 s waiting for the migration lock of database '{database}'", report.Targets[0].Error);
        Assert.Contains("(schema tenant_a)", report.Targets[0].Error);

        await holder.CloseAsync();
        Assert.True((await runner.UpgradeAsync(targets)).Succeeded);
        Assert.Equal(Tenants.Audit, await VersionAsync(database, "tenant_a"));
    }

    [Fact]
    public async Task A_schema_that_does_not_exist_is_created_like_a_missing_database()
    {
        await using var fleet = await PostgresFleet.CreateAsync();
        var database = await fleet.CreateDatabaseAsync(fleet.Prefix + "_new");

        var report = await new FleetRunner(FleetContext.Factory(ScratchDatabase.Postgres), Catalog)
            .UpgradeAsync([fleet.Target(database, "tenant_new")]);

        Assert.True(report.Succeeded, report.Targets[0].Error);
        Assert.Equal(Tenants.Audit, await VersionAsync(database, "tenant_new"));
        Assert.Equal(["0"], await PostgresFleet.QueryAsync(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [Fact]
    public async Task A_model_with_a_default_schema_is_refused_in_one_line_before_any_target_runs()
    {
        var runner = new FleetRunner(
            () => new DefaultSchemaContext(new DbContextOptionsBuilder<DefaultSchemaContext>().UseNpgsql().Options), Catalog);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => runner.UpgradeAsync([new FleetTarget("tenant_a", "Host=127.0.0.1;Port=1;Database=nowhere", "tenant_a")]));

        Assert.Equal("The model of DefaultSchemaContext has the default schema 'app', so it cannot run in a schema per tenant.", error.Message);
    }

    private static async Task<string> VersionAsync(string database, string schema)
        => string.Join(",", await PostgresFleet.QueryAsync(database, $"SELECT version_num FROM \"{schema}\".migratekit_version ORDER BY 1"));
}
