using System.Text.Json.Nodes;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>Snapshots as data files (<c>.model.json</c>) beside the revisions, and `snapshots --convert`.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class SnapshotTests(PackedTool tool)
{
    [Fact]
    public async Task Autogenerate_writes_data_snapshots_that_autogenerate_and_SQLite_rebuilds_read_and_convert_rewrites_a_CSharp_one()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "DataSnapshots");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        var env = database.Environment;

        // An older revision, its snapshot in C# as autogenerate wrote them before data snapshots.
        app.WriteSetting("autogenerate", new JsonObject { ["csharpSnapshots"] = true });
        app.WriteFile("AppDbContext.cs", Users());
        var created = ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create users")));
        Assert.Contains("protected override void BuildTargetModel(ModelBuilder modelBuilder)", File.ReadAllText(created));
        Assert.False(File.Exists(DataFile(created)));

        // Data by default: the file beside the revision, the project told once to embed such files.
        app.WriteSetting("autogenerate", null);
        app.WriteFile("AppDbContext.cs", Users("Name"));
        var named = await app.RunAsync(env, "revision", "--autogenerate", "-m", "add name");
        var namedFile = ThrowawayApp.GeneratedFile(Succeeded(named));
        Assert.Single(named.OutputLines, l => l.Contains("Added an EmbeddedResource item for **/*.model.json", StringComparison.Ordinal));
        Assert.Contains("migratekit.snapshot/", File.ReadAllText(Path.Combine(app.Directory, "App.csproj")), StringComparison.Ordinal);
        var namedSource = File.ReadAllText(namedFile);
        Assert.DoesNotContain("BuildTargetModel", namedSource);
        // Diffed against the C# parent: only the new column.
        Assert.DoesNotContain("CreateTable", namedSource);
        Assert.Contains("name: \"Name\"", namedSource);
        Assert.True(File.Exists(DataFile(namedFile)));

        // The next one diffs against that data snapshot, and holds only what changed since it.
        app.WriteFile("AppDbContext.cs", Users("Name", "Phone"));
        var phone = await app.RunAsync(env, "revision", "--autogenerate", "-m", "add phone");
        var phoneFile = ThrowawayApp.GeneratedFile(Succeeded(phone));
        Assert.DoesNotContain(phone.OutputLines, l => l.Contains("EmbeddedResource", StringComparison.Ordinal));
        var phoneSource = File.ReadAllText(phoneFile);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(phoneSource, "migrationBuilder\\.AddColumn"));
        Assert.Contains("name: \"Phone\"", phoneSource);
        Assert.StartsWith("{\"v\":1,\"delta\":true,", File.ReadAllText(DataFile(phoneFile)), StringComparison.Ordinal);

        // Dropping a column: SQLite rebuilds the table from the revision's data snapshot.
        app.WriteFile("AppDbContext.cs", Users("Phone"));
        ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "drop name")));
        Succeeded(await app.RunAsync(env, "upgrade", "head"));
        Assert.Equal(["Email", "Id", "Phone"], await ColumnsAsync(database));
        Succeeded(await app.RunAsync(env, "downgrade", "-2", "--no-build"));
        Assert.Equal(["Email", "Id", "Name"], await ColumnsAsync(database));
        Succeeded(await app.RunAsync(env, "upgrade", "head", "--no-build"));

        // The C# snapshot as data, proven first; the revision keeps Upgrade and Downgrade.
        var converted = Succeeded(await app.RunAsync(env, "snapshots", "--convert", "--no-build"));
        Assert.Equal([$"  {ThrowawayApp.RevisionId(created)}: converted to {Path.GetFileName(DataFile(created))}"], converted.OutputLines);
        Assert.DoesNotContain("BuildTargetModel", File.ReadAllText(created));
        Assert.Contains("migrationBuilder.CreateTable(", File.ReadAllText(created));
        Assert.True(File.Exists(DataFile(created)));
        Assert.Equal(["No new upgrade operations detected."], Succeeded(await app.RunAsync(env, "check")).OutputLines);
        Assert.Equal(["No revision records a C# snapshot."], Succeeded(await app.RunAsync(env, "snapshots", "--convert", "--no-build")).OutputLines);
        Succeeded(await app.RunAsync(env, "downgrade", "base", "--no-build"));
        Assert.Empty(await ColumnsAsync(database));
    }

    private static string Users(params string[] columns) => AppSources.UsersContext(AppSources.StringColumns(columns));

    private static string DataFile(string revisionFile) => Path.ChangeExtension(revisionFile, ".model.json");

    private static async Task<IReadOnlyList<string>> ColumnsAsync(AppDatabase database)
        => (await database.QueryAsync("SELECT name FROM pragma_table_info('Users')")).Order(StringComparer.Ordinal).ToList();
}
