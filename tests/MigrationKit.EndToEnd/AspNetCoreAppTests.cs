using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using Npgsql;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// An ASP.NET Core app as most are written: the context registered with AddDbContext, its
/// connection string in appsettings.json, found through the app's host as `dotnet ef` finds it.
/// The agent runs in the tool's process, the ASP.NET Core framework loaded beside the app.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class AspNetCoreAppTests(PackedTool tool)
{
    private const string Context = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
        {
            public DbSet<Note> Notes => Set<Note>();
        }

        public class Note
        {
            public long Id { get; set; }

            public required string Text { get; set; }
            {0}
        }
        """;

    private const string Program = """
        using App;
        using Microsoft.EntityFrameworkCore;

        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddDbContext<AppDbContext>(o => o.UseNpgsql(builder.Configuration.GetConnectionString("Default")));
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        app.Run();
        """;

    private const string NotesFactory = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class NotesFactory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
        {
            public AppDbContext CreateDbContext() => new(options);
        }
        """;

    [Fact]
    public async Task Its_connection_in_appsettings_serves_autogenerate_upgrade_and_current_in_the_tools_process_and_current_reads_it_without_EF_Cores_services()
    {
        using var database = await AppDatabase.CreateAsync(ScratchDatabase.Postgres);
        var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;
        using var app = await ThrowawayApp.CreateAsync(tool, "AspNetCore", a =>
        {
            a.WriteFile("App.csproj", ThrowawayApp.ProjectFile(tool, ("Npgsql.EntityFrameworkCore.PostgreSQL", PackedTool.NpgsqlEfCoreVersion))
                .Replace("Sdk=\"Microsoft.NET.Sdk\"", "Sdk=\"Microsoft.NET.Sdk.Web\"", StringComparison.Ordinal));
            a.WriteFile("AppDbContext.cs", Context.Replace("{0}", ""));
            a.WriteFile("Program.cs", Program);
            a.WriteFile("appsettings.json", $$"""{ "ConnectionStrings": { "Default": "{{database.ConnectionString}}" } }""");
        });
        var appsOwn = new Dictionary<string, string?> { ["MIGRATEKIT_CONNECTION"] = null };

        var created = Succeeded(await app.RunAsync(appsOwn, "revision", "--autogenerate", "-m", "create notes", "--verbose"));
        Assert.Contains("Running the agent in this process", created.StandardError);
        Assert.Contains("CreateTable(", File.ReadAllText(ThrowawayApp.GeneratedFile(created)));

        app.WriteFile("AppDbContext.cs", Context.Replace("{0}", "public string? Author { get; set; }"));
        var added = Succeeded(await app.RunAsync(appsOwn, "revision", "--autogenerate", "-m", "add author"));
        var addedFile = ThrowawayApp.GeneratedFile(added);
        Assert.Contains("AddColumn<string>(", File.ReadAllText(addedFile));

        var upgraded = Succeeded(await app.RunAsync(appsOwn, "upgrade", "head", "--verbose"));
        Assert.Contains("Running the agent in this process", upgraded.StandardError);
        Assert.Equal(2, upgraded.ErrorLines.Count(l => l.Contains(" Running upgrade ", StringComparison.Ordinal) && l.Contains(" -> ", StringComparison.Ordinal)));
        Assert.Equal([ThrowawayApp.RevisionId(addedFile)], await database.VersionRowsAsync());
        Assert.Contains("Author", await database.QueryAsync(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'Notes' ORDER BY column_name"));

        // The options the host registers give the connection string: no EF Core services for `current`.
        var current = Succeeded(await app.RunAsync(appsOwn, "current", "--no-build", "--verbose"));
        Assert.Equal([ThrowawayApp.RevisionId(addedFile)], LeadingIds(current));
        Assert.Contains("Reading the version table over a plain Npgsql.EntityFrameworkCore.PostgreSQL connection", current.StandardError);

        // A context factory of the app's own may make the context any way: it makes it, as for `dotnet ef`.
        app.WriteFile("Program.cs", Program.Replace("AddDbContext<AppDbContext>(", "AddDbContextFactory<AppDbContext, NotesFactory>(", StringComparison.Ordinal));
        app.WriteFile("NotesFactory.cs", NotesFactory);
        var fromFactory = Succeeded(await app.RunAsync(appsOwn, "current", "--verbose"));
        Assert.Equal([ThrowawayApp.RevisionId(addedFile)], LeadingIds(fromFactory));
        Assert.DoesNotContain("over a plain", fromFactory.StandardError);
        Assert.Contains("Using AppDbContext with Npgsql.EntityFrameworkCore.PostgreSQL", fromFactory.StandardError);
        foreach (var result in new[] { created, added, upgraded, current, fromFactory })
        {
            Assert.DoesNotContain(password, result.StandardOutput + result.StandardError);
        }
    }
}
