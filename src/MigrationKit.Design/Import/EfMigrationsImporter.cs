using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit.Core;
using MigrationKit.Runner.Scaffolding;

namespace MigrationKit.Design.Import;

/// <summary>
/// `import-ef`: an app's EF Core migrations as a linear revision history. Each migration becomes a
/// revision with the migration's own id, its Up and Down operations and its target model (the
/// snapshot autogenerate and SQLite's table rebuilds need), regenerated as C# from the compiled
/// migration; and the database's <c>__EFMigrationsHistory</c> says which revision it is at.
/// </summary>
public sealed partial class EfMigrationsImporter
{
    private readonly DbContext _context;
    private readonly Autogenerator _generator;

    public EfMigrationsImporter(DbContext context, Assembly revisionsAssembly, Assembly startupAssembly)
    {
        _context = context;
        _generator = new Autogenerator(context, revisionsAssembly, startupAssembly);
    }

    /// <summary>Every migration of the context, oldest first, as a revision on top of the one before.</summary>
    public IReadOnlyList<ImportedRevision> Revisions()
    {
        var migrations = _context.GetService<IMigrationsAssembly>();
        if (migrations.Migrations.Count == 0)
        {
            throw new MigrationKitException(
                $"{_context.GetType().Name} has no EF Core migrations to import",
                "import-ef reads the migrations compiled into the context's migrations assembly; check --context and --project.");
        }

        var provider = _context.Database.ProviderName;
        var revisions = new List<ImportedRevision>();
        string? parent = null;
        // EF orders its migrations by id; so does the chain.
        foreach (var (id, type) in migrations.Migrations.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var migration = migrations.CreateMigration(type, provider!);
            var info = new RevisionInfo(id, parent is null ? [] : [parent], Message(id), created: Created(id));
            revisions.Add(new ImportedRevision(info, _generator.FromMigration(id, migration)));
            parent = id;
        }

        return revisions;
    }

    /// <summary>
    /// The migration the database last applied by EF's history table (null: none, or no table),
    /// checked to be the start of the chain as EF applies it.
    /// </summary>
    public async Task<string?> AppliedAsync(IReadOnlyList<ImportedRevision> chain, CancellationToken cancellationToken)
    {
        var history = _context.GetService<IHistoryRepository>();
        if (!await history.ExistsAsync(cancellationToken))
        {
            return null;
        }

        var applied = (await history.GetAppliedMigrationsAsync(cancellationToken)).Select(r => r.MigrationId).ToList();
        var known = chain.Select(r => r.Info.Id).ToList();
        var unknown = applied.Where(a => !known.Contains(a, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new MigrationKitException(
                $"The database's __EFMigrationsHistory lists migrations the app does not have: {string.Join(", ", unknown)}",
                "Build the app from the commit that applied them, or import against a database this app migrated.");
        }

        var sorted = applied.Order(StringComparer.Ordinal).ToList();
        if (!sorted.SequenceEqual(known.Take(sorted.Count), StringComparer.Ordinal))
        {
            throw new MigrationKitException(
                $"The database's __EFMigrationsHistory skips migrations ({string.Join(", ", known.Take(sorted.Count).Except(sorted, StringComparer.Ordinal))}), so no one revision describes it",
                "Apply the missing migrations with EF Core first (`dotnet ef database update`), then import.");
        }

        return sorted.Count == 0 ? null : sorted[^1];
    }

    /// <summary>"20240101000000_AddUserName" → "Add user name".</summary>
    private static string Message(string migrationId)
    {
        var name = migrationId.Contains('_', StringComparison.Ordinal) ? migrationId[(migrationId.IndexOf('_', StringComparison.Ordinal) + 1)..] : migrationId;
        var words = WordStart().Replace(name, " ").Trim().ToLowerInvariant();
        return words.Length == 0 ? migrationId : char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>The timestamp EF puts at the front of a migration id, when it is one.</summary>
    private static DateTimeOffset? Created(string migrationId)
        => migrationId.Length >= 14
           && DateTime.TryParseExact(migrationId[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : null;

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|_")]
    private static partial Regex WordStart();
}

/// <summary>One EF Core migration as a revision: its identity and its code.</summary>
public sealed record ImportedRevision(RevisionInfo Info, RevisionCode Code);
