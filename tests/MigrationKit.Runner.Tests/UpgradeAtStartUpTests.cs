namespace MigrationKit.Runner.Tests;

/// <summary><c>Database.UpgradeAsync()</c>, which an app calls at start-up, in an app with several DbContexts.</summary>
public sealed class UpgradeAtStartUpTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_context_with_revisions_of_its_own_runs_only_those_into_its_own_version_table(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await using var context = new ReportingContext(db.Options<ReportingContext>());

        // The test assembly holds many graphs; only the two revisions naming ReportingContext are its.
        var plan = await context.Database.UpgradeAsync();
        var again = await context.Database.UpgradeAsync();

        Assert.Equal(["ab0000000001", "ab0000000002"], plan.Steps.Select(s => s.Revision.Id));
        Assert.Empty(again.Steps);
        Assert.Equal(["ab0000000002"], await db.QueryAsync("SELECT version_num FROM migratekit_version_reporting"));
        Assert.Equal(["migratekit_version_reporting", "migratekit_version_reporting_history", "totals"], await db.TablesAsync());
    }
}
