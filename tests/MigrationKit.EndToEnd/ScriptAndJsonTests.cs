using System.Text.Json;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.SharedApps;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>Output meant for other programs: the offline SQL script and the JSON listings.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class ScriptAndJsonTests(PackedTool tool)
{
    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Upgrade_head_sql_prints_a_script_that_a_sql_client_runs_to_the_head(string provider)
    {
        var app = await SlowAsync(tool);
        using var database = await AppDatabase.CreateAsync(provider);
        // Offline: the connection leads nowhere, and the tool must not need it.
        var offline = new Dictionary<string, string?>
        {
            [ThrowawayApp.ProviderVariable] = provider,
            ["MIGRATEKIT_CONNECTION"] = provider == AppDatabase.Postgres
                ? "Host=127.0.0.1;Port=1;Database=offline;Username=nobody"
                : $"Data Source={Path.Combine(Path.GetTempPath(), "migratekit-e2e-offline-" + Guid.NewGuid().ToString("N"), "never.db")}",
        };

        var script = Succeeded(await app.RunAsync(offline, "upgrade", "head", "--sql", "--no-build"));

        Assert.Equal(
            Slow.Select((id, i) => $"-- Running upgrade {(i == 0 ? "" : Slow[i - 1])} -> {id}, create t{i + 1}"),
            script.OutputLines.Where(l => l.StartsWith("-- Running", StringComparison.Ordinal)));
        await database.ExecuteAsync(script.StandardOutput);
        Assert.Equal(SlowTablesUpTo(Slow.Length), await database.TablesAsync());
        Assert.Equal(Slow, await database.QueryAsync("SELECT revision FROM applied ORDER BY 1"));
        Assert.Equal([Slow[^1]], await database.VersionRowsAsync());

        // The tool reads the version table the script wrote, and finds nothing left to do.
        Assert.Equal([Slow[^1]], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "current", "--no-build"))));
        Assert.Empty(Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build")).StepLines);
    }

    [Fact]
    public async Task Current_and_heads_print_json_arrays_of_revisions_with_ids()
    {
        var app = await SlowAsync(tool);
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);

        Assert.Empty(Ids(Succeeded(await app.RunAsync(database.Environment, "current", "--json", "--no-build"))));

        Succeeded(await app.RunAsync(database.Environment, "upgrade", Slow[1], "--no-build"));
        Assert.Equal([Slow[1]], Ids(Succeeded(await app.RunAsync(database.Environment, "current", "--json", "--no-build"))));
        Assert.Equal([Slow[^1]], Ids(Succeeded(await app.RunAsync(database.Environment, "heads", "--json", "--no-build"))));
    }

    /// <summary>Standard output parsed as a JSON array; the id of each element.</summary>
    private static List<string> Ids(CommandResult result)
    {
        using var document = JsonDocument.Parse(result.StandardOutput);
        Assert.True(document.RootElement.ValueKind == JsonValueKind.Array, "Expected a JSON array.\n" + result);
        return document.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
    }
}
