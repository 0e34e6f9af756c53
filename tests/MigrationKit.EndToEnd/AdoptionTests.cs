using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>A developer adopts MigrationKit in a new class library, typing each command.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class AdoptionTests(PackedTool tool)
{
    private const string CreateUsers = """
        migrationBuilder.CreateTable(
            name: "users",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false),
                Email = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_users", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_users_Email", table: "users", column: "Email", unique: true);
        """;

    private const string CreateOrders = """
        migrationBuilder.CreateTable(
            name: "orders",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false),
                UserId = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_orders", x => x.Id);
                table.ForeignKey("FK_orders_users_UserId", x => x.UserId, "users", "Id");
            });
        """;

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task A_new_classlib_adopts_the_tool_and_walks_its_revisions_up_and_down(string provider)
    {
        using var folder = new TempDirectory("migratekit-e2e-adopt");
        var app = new ThrowawayApp(folder.File("app"));
        var postgres = provider == AppDatabase.Postgres;

        // The app, as `dotnet new` makes it, with the provider and the MigrationKit package.
        Succeeded(await Dotnet(folder.Path, "new", "classlib", "-o", "app"));
        app.WriteFile("nuget.config", tool.NuGetConfig);
        Succeeded(await (postgres
            ? Dotnet(app.Directory, "add", "package", "Npgsql.EntityFrameworkCore.PostgreSQL", "--version", PackedTool.NpgsqlEfCoreVersion)
            : Dotnet(app.Directory, "add", "package", "Microsoft.EntityFrameworkCore.Sqlite", "--version", PackedTool.EfCoreSqliteVersion)));
        Succeeded(await Dotnet(app.Directory, "add", "package", "MigrationKit", "--version", tool.Version, "--source", tool.PackageFolder));
        File.Delete(Path.Combine(app.Directory, "Class1.cs"));
        // PostgreSQL: the app reads its connection string from its own setting, which the tool uses when given none.
        // SQLite: a file beside the app, hard-coded.
        app.WriteFile("AppDbContext.cs", $$"""
            using Microsoft.EntityFrameworkCore;

            namespace app;

            public class AppDbContext : DbContext
            {
                protected override void OnConfiguring(DbContextOptionsBuilder options)
                    => options.{{(postgres ? "UseNpgsql(Environment.GetEnvironmentVariable(\"APP_CONNECTION\"))" : "UseSqlite(\"Data Source=app.db\")")}};
            }
            """);

        // The tool, installed for this repository only.
        Succeeded(await Dotnet(app.Directory, "new", "tool-manifest"));
        Succeeded(await Dotnet(app.Directory, "tool", "install", "--local", "MigrationKit.Tool", "--version", tool.Version, "--add-source", tool.PackageFolder));

        string databaseName = "";
        using var database = postgres ? AppDatabase.PostgresNotCreated(out databaseName) : AppDatabase.SqliteFile(Path.Combine(app.Directory, "app.db"));
        IReadOnlyDictionary<string, string?>? environment = postgres ? new Dictionary<string, string?> { ["APP_CONNECTION"] = database.ConnectionString } : null;

        // dotnet migratekit init
        Succeeded(await app.RunAsync(environment, "init"));
        Assert.True(File.Exists(Path.Combine(app.Directory, "migratekit.json")), "init wrote no migratekit.json");
        Assert.True(Directory.Exists(app.RevisionsDirectory), "init made no Revisions folder");

        // dotnet migratekit revision -m "create users"
        var generated = Succeeded(await app.RunAsync(environment, "revision", "-m", "create users"));
        var path = ThrowawayApp.GeneratedFile(generated);
        Assert.Equal(app.RevisionsDirectory, Path.GetDirectoryName(path));
        Assert.Matches("^[0-9a-f]{12}_create_users\\.cs$", Path.GetFileName(path));
        var users = ThrowawayApp.RevisionId(path);
        var source = File.ReadAllText(path);
        Assert.Contains("Message = \"create users\"", source);
        Assert.DoesNotContain("Parents", source);
        Assert.Contains(" : Revision", source);
        File.WriteAllText(path, ThrowawayApp.FillBodies(source, CreateUsers, Schema.DropTable("users")));

        // dotnet migratekit upgrade head: creates the database, runs the revision, records it.
        Assert.False(postgres ? await AppDatabase.PostgresDatabaseExistsAsync(databaseName) : File.Exists(Path.Combine(app.Directory, "app.db")));
        var upgrade = Succeeded(await app.RunAsync(environment, "upgrade", "head"));
        Assert.Equal([$"Running upgrade  -> {users}, create users"], upgrade.StepLines);
        if (postgres)
        {
            Assert.True(await AppDatabase.PostgresDatabaseExistsAsync(databaseName), "upgrade did not create the database");
            Assert.Contains(upgrade.ErrorLines, l => l.StartsWith("Creating ", StringComparison.Ordinal) && l.Contains(databaseName, StringComparison.Ordinal));
        }

        Assert.Equal(["users"], await database.TablesAsync());
        Assert.Equal([users], await database.VersionRowsAsync());
        Assert.Equal([users], LeadingIds(Succeeded(await app.RunAsync(environment, "current"))));

        // A second revision builds on the first.
        var orders = await app.AddRevisionAsync("add orders", CreateOrders, Schema.DropTable("orders"));
        Assert.Contains($"Parents = [\"{users}\"]", File.ReadAllText(Directory.GetFiles(app.RevisionsDirectory, $"{orders}_*.cs").Single()));
        upgrade = Succeeded(await app.RunAsync(environment, "upgrade", "head"));
        Assert.Equal([$"Running upgrade {users} -> {orders}, add orders"], upgrade.StepLines);
        Assert.Equal(["orders", "users"], await database.TablesAsync());
        Assert.Equal([orders], LeadingIds(Succeeded(await app.RunAsync(environment, "current"))));

        var history = Succeeded(await app.RunAsync(environment, "history"));
        Assert.Equal([$"{users} -> {orders} (head), add orders", $"<base> -> {users}, create users"], history.OutputLines);

        // Back down: one step, then all the way.
        var down = Succeeded(await app.RunAsync(environment, "downgrade", "-1"));
        Assert.Equal([$"Running downgrade {orders} -> {users}, add orders"], down.StepLines);
        Assert.Equal(["users"], await database.TablesAsync());
        Assert.Equal([users], await database.VersionRowsAsync());

        down = Succeeded(await app.RunAsync(environment, "downgrade", "base"));
        Assert.Equal([$"Running downgrade {users} -> , create users"], down.StepLines);
        Assert.Empty(await database.TablesAsync());
        Assert.Empty(await database.VersionRowsAsync());
        Assert.Empty(Succeeded(await app.RunAsync(environment, "current")).OutputLines);
    }

    private static Task<CommandResult> Dotnet(string directory, params string[] arguments) => RunningCommand.RunAsync(directory, arguments);
}
