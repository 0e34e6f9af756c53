using Microsoft.EntityFrameworkCore;
using MigrationKit.Runner;
using MigrationKit.Testing;

namespace MigrationKit.Lint.Tests;

/// <summary>A fresh database for one test: the revisions a rule calls safe are applied to it for real.</summary>
public sealed class LintDatabase : ScratchDatabase
{
    private LintDatabase(string provider, string connectionString, TempDirectory? folder)
        : base(provider, connectionString, folder)
    {
    }

    public static async Task<LintDatabase> CreateAsync(string provider)
    {
        var (connectionString, folder) = await CreateEmptyAsync(provider, "lint.db", ";Pooling=False");
        return new LintDatabase(provider, connectionString, folder);
    }

    /// <summary>Upgrades the database to the head of the revisions through the runner, as `upgrade head` does.</summary>
    public Task UpgradeAsync(Type[] revisions)
        => new RevisionRunner(Linting.Context(Provider, ConnectionString), RevisionCatalog.FromTypes(revisions)).UpgradeAsync("head");
}

/// <summary>Lints revisions for a provider; linting reads no database, so no server is needed for it.</summary>
public static class Linting
{
    public static IReadOnlyList<LintFinding> Lint(string provider, Type[] revisions, string id, LintSettings? settings = null)
        => new RevisionLinter(Context(provider), settings).Lint(RevisionCatalog.FromTypes(revisions), [id]);

    /// <summary>The rule ids found, in order.</summary>
    public static List<string> Rules(string provider, Type[] revisions, string id, LintSettings? settings = null)
        => Lint(provider, revisions, id, settings).Select(f => f.Rule).ToList();

    public static DbContext Context(string provider, string? connectionString = null)
    {
        var options = new DbContextOptionsBuilder<LintContext>();
        if (provider == ScratchDatabase.Postgres)
        {
            options.UseNpgsql(connectionString ?? "Host=lint.invalid;Database=lint");
        }
        else
        {
            options.UseSqlite(connectionString ?? "Data Source=lint.invalid.db");
        }

        return new LintContext(options.Options);
    }

    private sealed class LintContext(DbContextOptions<LintContext> options) : DbContext(options);
}
