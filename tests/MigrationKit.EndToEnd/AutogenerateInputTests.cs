using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`revision --autogenerate` on an app it cannot work with: one line that says what to do.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class AutogenerateInputTests(PackedTool tool)
{
    private const string NoContext = """
        namespace App;

        public class User
        {
            public int Id { get; set; }
        }
        """;

    private const string SecondContext = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class ReportingDbContext : DbContext
        {
            protected override void OnConfiguring(DbContextOptionsBuilder options) => options.UseSqlite("Data Source=reports.db");
        }
        """;

    /// <summary>Only a constructor that needs options, and no factory or host that could give them.</summary>
    private const string Unconstructible = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
        {
        }
        """;

    [Fact]
    public async Task A_broken_build_no_context_two_contexts_and_an_unconstructible_context_are_each_one_line_saying_what_to_do()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "AutogenerateInput");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        var env = database.Environment;
        var context = File.ReadAllText(Path.Combine(app.Directory, "AppDbContext.cs"));
        string[] autogenerate = ["revision", "--autogenerate", "-m", "users"];

        var broken = app.WriteFile("Broken.cs", "namespace App;\n\ninternal static class Broken\n{\n    public static int Value => \"not a number\";\n}");
        var build = FailedInOneLine(await app.RunAsync(env, autogenerate));
        Assert.StartsWith("Build failed: ", build);
        Assert.Contains("CS0029", build);
        Assert.Contains("Fix the build", build);
        File.Delete(broken);

        app.WriteFile("AppDbContext.cs", NoContext);
        Assert.Equal(
            "No DbContext was found in the app. Add a class deriving from DbContext to the project, or pass --startup-project with the project that has one.",
            FailedInOneLine(await app.RunAsync(env, autogenerate)));

        app.WriteFile("AppDbContext.cs", context);
        app.WriteFile("ReportingDbContext.cs", SecondContext);
        Assert.Equal(
            "More than one DbContext was found: App.AppDbContext, App.ReportingDbContext. Pass --context with one of them, or set \"context\" in migratekit.json.",
            FailedInOneLine(await app.RunAsync(env, autogenerate)));
        // Naming one settles it: the empty model holds nothing to write.
        Assert.Contains("No changes in schema detected.", Succeeded(await app.RunAsync(env, [.. autogenerate, "--context", "AppDbContext", "--no-build"])).StandardError);
        File.Delete(Path.Combine(app.Directory, "ReportingDbContext.cs"));

        app.WriteFile("AppDbContext.cs", Unconstructible);
        var construct = FailedInOneLine(await app.RunAsync(env, autogenerate));
        Assert.StartsWith("Unable to create the DbContext 'AppDbContext': ", construct);
        Assert.EndsWith("Give it a parameterless constructor or an IDesignTimeDbContextFactory, or register it in the app's host.", construct);

        Assert.Empty(Directory.Exists(app.RevisionsDirectory) ? Directory.GetFiles(app.RevisionsDirectory, "*.cs") : []);
    }
}
