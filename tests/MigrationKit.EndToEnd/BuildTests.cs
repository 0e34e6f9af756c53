using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>When the tool builds the app and when it takes the app's assembly as it is.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class BuildTests(PackedTool tool)
{
    [Fact]
    public async Task A_revision_compiled_by_an_outside_build_and_deleted_since_is_not_applied()
    {
        const string Kept = "bd0000000001", Deleted = "bd0000000002";
        using var app = await ThrowawayApp.CreateAsync(tool, "OutsideBuild", a => a.WriteRevision(Kept, [], "create t1", CreateTable("t1"), DropTable("t1")));
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);

        // The tool built the app (CreateAsync); the developer adds a revision, builds with
        // `dotnet build`, and deletes the file again: the assembly on disk still holds it.
        app.WriteRevision(Deleted, [Kept], "create t2", CreateTable("t2"), DropTable("t2"));
        Succeeded(await RunningCommand.RunAsync(app.Directory, ["build", "--no-restore"]));
        File.Delete(Path.Combine(app.RevisionsDirectory, Deleted + ".cs"));

        Succeeded(await app.RunAsync(database.Environment, "upgrade", "head"));
        Assert.Equal([Kept], await database.VersionRowsAsync());
        Assert.Equal(["t1"], await database.TablesAsync());
        Assert.Equal([Kept], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "heads"))));
    }

    [Fact]
    public async Task An_outside_build_of_the_sources_as_they_are_is_taken_as_is_and_an_edit_after_it_compiles_directly()
    {
        const string First = "bo0000000001", Second = "bo0000000002", Third = "bo0000000003";
        using var app = await ThrowawayApp.CreateAsync(tool, "OutsideBuildKept", a => a.WriteRevision(First, [], "create t1", CreateTable("t1"), DropTable("t1")));
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);

        // The developer adds a revision and builds with `dotnet build`: that assembly holds every
        // source there is, so the next command runs no MSBuild of its own.
        app.WriteRevision(Second, [First], "create t2", CreateTable("t2"), DropTable("t2"));
        Succeeded(await RunningCommand.RunAsync(app.Directory, ["build", "--no-restore"]));

        var upgraded = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--verbose"));
        Assert.Contains("was written by another build since ours, from the C# files the project has now: taking it as ours", upgraded.StandardError);
        Assert.DoesNotContain("Building ", upgraded.StandardError);
        Assert.Equal([Second], await database.VersionRowsAsync());

        // Then an edit: compiled directly, from the sources the outside build compiled plus the new one.
        app.WriteRevision(Third, [Second], "create t3", CreateTable("t3"), DropTable("t3"));
        var edited = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--verbose"));
        Assert.Contains("only C# sources changed since MSBuild last built it", edited.StandardError);
        Assert.Equal([Third], await database.VersionRowsAsync());
        Assert.Equal(["t1", "t2", "t3"], await database.TablesAsync());
    }

    [Fact]
    public async Task Version_prints_the_version_the_tool_was_packed_with()
    {
        var app = await SharedApps.FaultyAsync(tool);

        var result = Succeeded(await app.RunAsync("--version"));

        Assert.Equal([tool.Version], result.OutputLines);
        Assert.Empty(result.ErrorLines);
    }
}
