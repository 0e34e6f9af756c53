using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>Two DbContexts in one app: each has its own revisions, graph and version table, as EF Core keeps migrations per context.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class ContextTests(PackedTool tool)
{
    private static readonly string ReportingContext = $$"""
        using Microsoft.EntityFrameworkCore;

        namespace App;

        {{AppSources.Context("ReportingDbContext", "Report", "Reports")}}

        public class Report
        {
            public int Id { get; set; }

            public required string Title { get; set; }
        }
        """;

    [Fact]
    public async Task Two_contexts_keep_their_own_revisions_and_version_tables_and_each_upgrades_and_checks_clean()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "TwoContexts");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        var env = database.Environment;

        // An app with one context and its revisions, as every app before this change.
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext());
        var users = ThrowawayApp.RevisionId(ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create users"))));

        // A second context: every command asks which one, in one line.
        app.WriteFile("ReportingDbContext.cs", ReportingContext);
        Assert.Equal(
            "More than one DbContext was found: App.AppDbContext, App.ReportingDbContext. Pass --context with one of them, or set \"context\" in migratekit.json.",
            FailedInOneLine(await app.RunAsync(env, "heads")));
        // Until it has revisions of its own, it would read the first context's graph (and see its tables as dropped).
        Assert.StartsWith(
            "The DbContexts App.AppDbContext and App.ReportingDbContext would share one graph of revisions. Run `dotnet migratekit init --context ReportingDbContext`",
            FailedInOneLine(await app.RunAsync(env, "check", "--context", "ReportingDbContext", "--no-build")));

        Succeeded(await app.RunAsync(env, "init", "--context", "ReportingDbContext"));
        var reportsFile = ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create reports", "--context", "ReportingDbContext")));
        Assert.Equal(Path.Combine(app.RevisionsDirectory, "Reporting"), Path.GetDirectoryName(reportsFile));
        Assert.Contains("Context = typeof(global::App.ReportingDbContext)", File.ReadAllText(reportsFile));
        Assert.DoesNotContain("name: \"Users\"", File.ReadAllText(reportsFile));
        var reports = ThrowawayApp.RevisionId(reportsFile);

        Assert.Equal([users], LeadingIds(Succeeded(await app.RunAsync(env, "heads", "--context", "AppDbContext"))));
        Assert.Equal([reports], LeadingIds(Succeeded(await app.RunAsync(env, "heads", "--context", "ReportingDbContext", "--no-build"))));

        Succeeded(await app.RunAsync(env, "upgrade", "head", "--context", "AppDbContext", "--no-build"));
        Succeeded(await app.RunAsync(env, "upgrade", "head", "--context", "ReportingDbContext", "--no-build"));
        // A context's own version table has its own history beside it, named as its step journal is.
        Assert.Equal(["Reports", "Users", "migratekit_version_reporting", "migratekit_version_reporting_history"], await database.TablesAsync());
        Assert.Equal([users], await database.VersionRowsAsync());
        Assert.Equal([reports], await database.QueryAsync("SELECT version_num FROM migratekit_version_reporting"));
        Assert.Equal([users + " upgrade"], await database.QueryAsync("SELECT revision || ' ' || direction FROM migratekit_history"));
        Assert.Equal([reports + " upgrade"], await database.QueryAsync("SELECT revision || ' ' || direction FROM migratekit_version_reporting_history"));

        foreach (var (context, revision) in new[] { ("AppDbContext", users), ("ReportingDbContext", reports) })
        {
            Assert.Equal(["No new upgrade operations detected."], Succeeded(await app.RunAsync(env, "check", "--context", context, "--no-build")).OutputLines);
            Assert.Equal([revision], LeadingIds(Succeeded(await app.RunAsync(env, "current", "--context", context, "--no-build"))));
        }
    }
}
