using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// The agent runs in the tool's process when the app needs only the tool's runtime, and as a
/// `dotnet exec` process of its own otherwise (an ASP.NET Core app, other runtime settings).
/// Both paths must do the same work; MIGRATEKIT_AGENT_PROCESS=1 forces the second one here.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class AgentProcessTests(PackedTool tool)
{
    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task The_agent_as_a_process_of_its_own_upgrades_reports_and_downgrades_like_the_agent_in_the_tools_process(string provider)
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "AgentProcess" + provider);
        using var database = await AppDatabase.CreateAsync(provider);
        var first = await app.AddRevisionAsync("create accounts", CreateTable("accounts"), DropTable("accounts"));
        var second = await app.AddRevisionAsync("create audit", CreateTable("audit"), DropTable("audit"));
        var separate = new Dictionary<string, string?>(database.Environment) { ["MIGRATEKIT_AGENT_PROCESS"] = "1" };

        var upgrade = Succeeded(await app.RunAsync(separate, "upgrade", "+1", "--verbose"));
        Assert.Contains("Running the agent as a process of its own", upgrade.StandardError);
        Assert.Contains($"Running upgrade  -> {first}, create accounts", upgrade.StandardError);
        Assert.Equal([first], await database.VersionRowsAsync());

        var inProcess = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build", "--verbose"));
        Assert.Contains("Running the agent in this process", inProcess.StandardError);
        Assert.Contains($"Running upgrade {first} -> {second}, create audit", inProcess.StandardError);
        Assert.DoesNotContain("create accounts", inProcess.StandardError);

        Assert.Equal([second], LeadingIds(Succeeded(await app.RunAsync(separate, "current", "--no-build"))));
        var downgrade = Succeeded(await app.RunAsync(separate, "downgrade", "base", "--no-build"));
        Assert.Equal(2, downgrade.StepLines.Count);
        Assert.Empty(await database.VersionRowsAsync());
        Assert.Empty(await database.TablesAsync());
    }
}
