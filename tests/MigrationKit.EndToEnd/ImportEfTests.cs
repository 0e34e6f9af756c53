using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`import-ef`: an app whose database EF Core's Migrate() built adopts revisions without a schema change.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class ImportEfTests(PackedTool tool)
{
    private const string CreateUsersId = "20240101000000_CreateUsers";
    private const string AddNameId = "20240201000000_AddUserName";

    private static readonly string Context = AppSources.UsersContext(AppSources.StringColumns("Name"));

    /// <summary>What the app runs at start-up: EF Core's own migrations, on the database the test names.</summary>
    private const string Program = """
        using Microsoft.EntityFrameworkCore;

        using var db = new App.AppDbContext();
        db.Database.SetConnectionString(Environment.GetEnvironmentVariable("MIGRATEKIT_CONNECTION"));
        db.Database.Migrate();
        """;

    /// <summary>Two migrations as `dotnet ef migrations add` writes them, for both providers at once.</summary>
    private const string Migrations = $$"""
        using Microsoft.EntityFrameworkCore;
        using Microsoft.EntityFrameworkCore.Infrastructure;
        using Microsoft.EntityFrameworkCore.Migrations;
        using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

        namespace App.Migrations;

        [DbContext(typeof(AppDbContext))]
        [Migration("{{CreateUsersId}}")]
        public partial class CreateUsers : Migration
        {
            protected override void Up(MigrationBuilder migrationBuilder)
            {
                migrationBuilder.CreateTable(
                    name: "Users",
                    columns: table => new
                    {
                        Id = table.Column<int>(nullable: false)
                            .Annotation("Sqlite:Autoincrement", true)
                            .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                        Email = table.Column<string>(nullable: false),
                    },
                    constraints: table => table.PrimaryKey("PK_Users", x => x.Id));
            }

            protected override void Down(MigrationBuilder migrationBuilder)
            {
                migrationBuilder.DropTable(name: "Users");
            }

            protected override void BuildTargetModel(ModelBuilder modelBuilder)
            {
                modelBuilder.Entity("App.User", b =>
                {
                    b.Property<int>("Id").ValueGeneratedOnAdd().HasAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);
                    b.Property<string>("Email").IsRequired();
                    b.HasKey("Id");
                    b.ToTable("Users");
                });
            }
        }

        [DbContext(typeof(AppDbContext))]
        [Migration("{{AddNameId}}")]
        public partial class AddUserName : Migration
        {
            protected override void Up(MigrationBuilder migrationBuilder)
            {
                migrationBuilder.AddColumn<string>(name: "Name", table: "Users", nullable: true);
            }

            protected override void Down(MigrationBuilder migrationBuilder)
            {
                migrationBuilder.DropColumn(name: "Name", table: "Users");
            }

            protected override void BuildTargetModel(ModelBuilder modelBuilder)
            {
                Models.UserWithName(modelBuilder);
            }
        }

        /// <summary>The model after the last migration; EF writes it out twice, the test once.</summary>
        internal static class Models
        {
            public static void UserWithName(ModelBuilder modelBuilder)
            {
                modelBuilder.Entity("App.User", b =>
                    {
                        b.Property<int>("Id").ValueGeneratedOnAdd().HasAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);
                        b.Property<string>("Email").IsRequired();
                        b.Property<string>("Name");
                        b.HasKey("Id");
                        b.ToTable("Users");
                    });
            }
        }

        [DbContext(typeof(AppDbContext))]
        public partial class AppDbContextModelSnapshot : ModelSnapshot
        {
            protected override void BuildModel(ModelBuilder modelBuilder)
            {
                Models.UserWithName(modelBuilder);
            }
        }
        """;

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Import_ef_turns_applied_migrations_into_revisions_and_stamps_the_database_without_touching_the_schema(string provider)
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "ImportEf" + provider, files =>
        {
            var project = Path.Combine(files.Directory, "App.csproj");
            File.WriteAllText(project, File.ReadAllText(project).Replace("<TargetFramework>", "<OutputType>Exe</OutputType>\n    <TargetFramework>", StringComparison.Ordinal));
            files.WriteFile("AppDbContext.cs", Context);
            files.WriteFile("Program.cs", Program);
            files.WriteFile(Path.Combine("Migrations", "Migrations.cs"), Migrations);
        });
        using var database = await AppDatabase.CreateAsync(provider);
        var env = database.Environment;
        Succeeded(await RunningCommand.RunAsync(app.Directory, ["run", "--no-build"], env));
        // EF's history table, and on SQLite the lock table EF 9+ adds beside it.
        Assert.Equal(["Users", "__EFMigrationsHistory"], (await database.TablesAsync()).Where(t => t != "__EFMigrationsLock").Order(StringComparer.Ordinal));
        var schemaBefore = await SchemaAsync(database);

        var imported = Succeeded(await app.RunAsync(env, "import-ef", "--no-build"));

        Assert.Equal(2, imported.OutputLines.Count(l => l.TrimStart().StartsWith("Generating ", StringComparison.Ordinal)));
        Assert.Equal(
            [CreateUsersId, AddNameId],
            Directory.GetFiles(app.RevisionsDirectory, "*.cs").Select(ThrowawayApp.RevisionId).Order(StringComparer.Ordinal));
        Assert.Equal([AddNameId], await database.VersionRowsAsync());
        Assert.Equal(schemaBefore, await SchemaAsync(database));
        var second = File.ReadAllText(Directory.GetFiles(app.RevisionsDirectory, AddNameId + "*.cs").Single());
        Assert.Contains($"Parents = [\"{CreateUsersId}\"]", second);
        Assert.Contains("migrationBuilder.AddColumn<string>(", second);
        Assert.Contains("protected override void BuildTargetModel(ModelBuilder modelBuilder)", second);

        // The user deletes EF's migrations, as the tool says; from here on the revisions are the history.
        Directory.Delete(Path.Combine(app.Directory, "Migrations"), recursive: true);
        Assert.Equal([AddNameId], LeadingIds(Succeeded(await app.RunAsync(env, "current"))));
        // The last revision carries the last migration's model: nothing is pending.
        Assert.Equal(["No new upgrade operations detected."], Succeeded(await app.RunAsync(env, "check", "--no-build")).OutputLines);

        Succeeded(await app.RunAsync(env, "downgrade", "-1", "--no-build"));
        Assert.Equal(["Email", "Id"], await ColumnsAsync(database));
        Assert.Equal([CreateUsersId], await database.VersionRowsAsync());
        Succeeded(await app.RunAsync(env, "upgrade", "head", "--no-build"));
        Assert.Equal(["Email", "Id", "Name"], await ColumnsAsync(database));
        Assert.Equal([AddNameId], await database.VersionRowsAsync());
    }

    private static async Task<List<string>> ColumnsAsync(AppDatabase database) => (await database.QueryAsync(
        database.Provider == AppDatabase.Postgres
            ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'Users'"
            : "SELECT name FROM pragma_table_info('Users')")).Order(StringComparer.Ordinal).ToList();

    /// <summary>The user tables' definitions as the catalog keeps them.</summary>
    private static Task<List<string>> SchemaAsync(AppDatabase database) => database.QueryAsync(database.Provider == AppDatabase.Postgres
        ? "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT IN ('migratekit_version', 'migratekit_history') ORDER BY 1"
        : "SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT IN ('migratekit_version', 'migratekit_history') ORDER BY name");
}
