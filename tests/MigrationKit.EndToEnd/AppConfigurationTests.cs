using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using Npgsql;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// The connection where users leave it: in the app's own configuration (the finance sample's
/// OnConfiguring reads FINANCE_CONNECTION), with neither --connection nor MIGRATEKIT_CONNECTION.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class AppConfigurationTests(PackedTool tool)
{
    [Fact]
    public async Task Upgrade_and_current_use_the_apps_own_connection_and_one_session_each()
    {
        var app = await SharedApps.FinanceAsync(tool);
        using var database = await AppDatabase.CreateAsync(ScratchDatabase.Postgres);
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;
        var appsOwn = new Dictionary<string, string?>
        {
            ["FINANCE_PROVIDER"] = "postgres",
            ["FINANCE_CONNECTION"] = database.ConnectionString,
            ["MIGRATEKIT_CONNECTION"] = null,
        };
        var heads = LeadingIds(Succeeded(await app.RunAsync(appsOwn, "heads", "--no-build")));
        var before = await SessionsAsync(name);

        var upgraded = Succeeded(await app.RunAsync(appsOwn, "upgrade", "head", "--no-build"));

        // The connection opened while EF Core sets itself up is the one the run then takes from
        // the provider's pool: the server saw one session, not two.
        Assert.Equal(before + 1, await SessionsAsync(name));
        Assert.NotEmpty(upgraded.StepLines);
        Assert.Equal(heads.Order(), await database.VersionRowsAsync());
        before = await SessionsAsync(name);

        var current = Succeeded(await app.RunAsync(appsOwn, "current", "--no-build", "--verbose"));

        Assert.Equal(before + 1, await SessionsAsync(name));
        Assert.Equal(heads, LeadingIds(current));
        Assert.Contains(current.ErrorLines, l => l.Contains("Reading the version table over a plain Npgsql.EntityFrameworkCore.PostgreSQL connection"));
        Assert.DoesNotContain(password, upgraded.StandardOutput + upgraded.StandardError + current.StandardOutput + current.StandardError);
    }

    /// <summary>The sessions the database has had, counted once the last one has ended (its statistics are written as it ends).</summary>
    private static async Task<int> SessionsAsync(string database)
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await PostgresServer.QueryColumnAsync(server, $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'")).Single() != "0")
        {
            Assert.True(DateTime.UtcNow < deadline, $"A session on {database} did not end within 15 s.");
            await Task.Delay(50);
        }

        return int.Parse((await PostgresServer.QueryColumnAsync(server, $"SELECT sessions FROM pg_stat_database WHERE datname = '{database}'")).Single());
    }
}
