using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`squash FROM TO` as typed, and databases before, inside and at the end of the run it replaces.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class SquashTests(PackedTool tool)
{
    [Fact]
    public async Task Squash_moves_the_run_aside_and_databases_at_its_end_inside_it_and_empty_all_reach_head()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Squash");
        using var atEnd = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        using var inside = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext());
        var users = Autogenerate(await app.RunAsync(atEnd.Environment, "revision", "--autogenerate", "-m", "create users"));
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext(AppSources.StringColumns("Name")));
        var name = Autogenerate(await app.RunAsync(atEnd.Environment, "revision", "--autogenerate", "-m", "add name"));
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext(AppSources.StringColumns("Name", "Phone")));
        var phone = Autogenerate(await app.RunAsync(atEnd.Environment, "revision", "--autogenerate", "-m", "add phone"));
        var after = await app.AddRevisionAsync("after the run", "", "");
        Succeeded(await app.RunAsync(atEnd.Environment, "upgrade", phone));
        Succeeded(await app.RunAsync(inside.Environment, "upgrade", name, "--no-build"));

        var squashed = Succeeded(await app.RunAsync(atEnd.Environment, "squash", name, phone, "-m", "name and phone"));
        var squashFile = ThrowawayApp.GeneratedFile(squashed);
        var squash = ThrowawayApp.RevisionId(squashFile);
        Assert.Contains($"Replaces = [\"{name}\", \"{phone}\"]", File.ReadAllText(squashFile));
        var folder = Path.Combine(app.RevisionsDirectory, "Squashed", squash);
        Assert.Equal(2, Directory.GetFiles(folder, "*.cs").Length);
        Assert.Equal(3, Directory.GetFiles(app.RevisionsDirectory, "*.cs").Length);
        Assert.Contains($"{users} -> {squash} (squash of 2 revisions, {name} to {phone}), name and phone",
            Succeeded(await app.RunAsync(atEnd.Environment, "history")).OutputLines);

        // At the run's end: continues, the row now naming the squash.
        Succeeded(await app.RunAsync(atEnd.Environment, "upgrade", "head", "--no-build"));
        Assert.Equal([after], await atEnd.VersionRowsAsync());

        // Inside it: one line naming the command, which brings it to the end through the old revisions.
        var error = FailedInOneLine(await app.RunAsync(inside.Environment, "upgrade", "head", "--no-build"));
        Assert.Contains($"'upgrade {phone} --replaced'", error);
        Assert.Equal([name], await inside.VersionRowsAsync());
        Succeeded(await app.RunAsync(inside.Environment, "upgrade", phone, "--replaced", "--no-build"));
        Succeeded(await app.RunAsync(inside.Environment, "upgrade", "head", "--no-build"));
        Assert.Equal([after], await inside.VersionRowsAsync());
        Assert.Equal(["Email", "Id", "Name", "Phone"], await ColumnsAsync(inside));

        // The folder deleted: the app builds without the old revisions and an empty database runs the squash.
        Directory.Delete(folder, recursive: true);
        using var empty = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        Succeeded(await app.RunAsync(empty.Environment, "upgrade", "head"));
        Assert.Equal([after], await empty.VersionRowsAsync());
        Assert.Equal(["Email", "Id", "Name", "Phone"], await ColumnsAsync(empty));
    }

    private static string Autogenerate(CommandResult result) => ThrowawayApp.RevisionId(ThrowawayApp.GeneratedFile(Succeeded(result)));

    private static Task<List<string>> ColumnsAsync(AppDatabase database)
        => database.QueryAsync("SELECT column_name FROM information_schema.columns WHERE table_name = 'Users' ORDER BY 1");
}
