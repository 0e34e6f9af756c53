using System.Reflection;
using Microsoft.EntityFrameworkCore.Infrastructure;
using MigrationKit.Core;

namespace MigrationKit.Runner;

/// <summary>Lets an app upgrade its own database at start-up, the same way the CLI does.</summary>
public static class DatabaseFacadeExtensions
{
    /// <summary>
    /// Upgrades the database to <paramref name="target"/> (default <c>head</c>) with the revisions
    /// compiled into <paramref name="revisionsAssembly"/> (default: the DbContext's assembly),
    /// under the same lock and transactions as <c>dotnet migratekit upgrade</c>.
    /// </summary>
    /// <returns>The steps that ran; empty when the database was up to date.</returns>
    /// <remarks>
    /// In an app with several DbContexts, a context whose revisions name it
    /// (<c>[Revision(..., Context = typeof(X))]</c>, written after <c>init --context</c>) runs those,
    /// recorded in a version table of its own (<c>migratekit_version_x</c> unless
    /// <paramref name="options"/> names one); the other context runs the revisions that name none.
    /// </remarks>
    public static async Task<MigrationPlan> UpgradeAsync(
        this DatabaseFacade database,
        string target = "head",
        RunnerOptions? options = null,
        Assembly? revisionsAssembly = null,
        CancellationToken cancellationToken = default)
    {
        var context = database.GetService<Microsoft.EntityFrameworkCore.Infrastructure.ICurrentDbContext>().Context;
        var contextType = context.GetType();
        var catalog = RevisionCatalog.ForContext(revisionsAssembly ?? contextType.Assembly, contextType.FullName!, out var keptApart);
        options ??= keptApart ? new RunnerOptions { VersionTable = Database.VersionTable.NameFor(contextType.Name) } : null;
        return await new RevisionRunner(context, catalog, options).UpgradeAsync(target, cancellationToken);
    }
}
