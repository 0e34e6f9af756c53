using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>Two developers branch from the same revision; the graph makes them merge.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class BranchTests(PackedTool tool)
{
    [Fact]
    public async Task Two_branches_upgrade_with_heads_or_after_a_merge_and_the_merge_refuses_downgrade_minus_one()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Branches");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        var root = await app.AddRevisionAsync("create accounts", CreateTable("accounts"), DropTable("accounts"));
        var audit = await app.AddRevisionAsync("add audit", CreateTable("audit"), DropTable("audit"), "--head", root, "--splice");
        var reports = await app.AddRevisionAsync("add reports", CreateTable("reports"), DropTable("reports"), "--head", root, "--splice");
        string[] branches = [.. new[] { audit, reports }.Order(StringComparer.Ordinal)];

        // `heads` builds the app, so the last revision is in from here on.
        Assert.Equal(branches, LeadingIds(Succeeded(await app.RunAsync(database.Environment, "heads"))).Order(StringComparer.Ordinal));

        var refused = await app.RunAsync(database.Environment, "upgrade", "head", "--no-build");
        Assert.Contains("Multiple head revisions", FailedInOneLine(refused));
        Assert.Empty(refused.StepLines);
        Assert.Empty(await database.VersionRowsAsync());
        Assert.Empty(await database.TablesAsync());

        var both = Succeeded(await app.RunAsync(database.Environment, "upgrade", "heads", "--no-build"));
        Assert.Equal(3, both.StepLines.Count);
        Assert.Equal($"Running upgrade  -> {root}, create accounts", both.StepLines[0]);
        Assert.Equal(branches, await database.VersionRowsAsync());
        Assert.Equal(["accounts", "audit", "reports"], await database.TablesAsync());
        Assert.Equal(branches, LeadingIds(Succeeded(await app.RunAsync(database.Environment, "current", "--no-build"))).Order(StringComparer.Ordinal));

        var merged = Succeeded(await app.RunAsync(database.Environment, "merge", "heads", "-m", "merge", "--no-build"));
        var mergeFile = ThrowawayApp.GeneratedFile(merged);
        var merge = ThrowawayApp.RevisionId(mergeFile);
        Assert.Contains(audit, File.ReadAllText(mergeFile));
        Assert.Contains(reports, File.ReadAllText(mergeFile));

        var upgrade = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head"));
        var step = Assert.Single(upgrade.StepLines);
        Assert.Matches($"^Running upgrade ({audit}, {reports}|{reports}, {audit}) -> {merge}, merge$", step);
        Assert.Equal([merge], await database.VersionRowsAsync());
        Assert.Equal([merge], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "heads", "--no-build"))));

        // One step down from a merge is two revisions; the tool must say so rather than pick one.
        var ambiguous = await app.RunAsync(database.Environment, "downgrade", "-1", "--no-build");
        var error = FailedInOneLine(ambiguous);
        Assert.Contains(merge, error);
        Assert.Contains(audit, error);
        Assert.Contains(reports, error);
        Assert.Empty(ambiguous.StepLines);
        Assert.Equal([merge], await database.VersionRowsAsync());
        Assert.Equal(["accounts", "audit", "reports"], await database.TablesAsync());
    }
}
