using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Design.Import;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>import-ef</c>: adopts an app that used EF Core migrations. Each migration becomes a revision
/// (a linear history), and the database is stamped at the one EF last applied; the schema is not
/// touched. EF's migration files are left for the user to delete: the tool never deletes source
/// it did not write.
/// </summary>
internal sealed class ImportEfCommand : CliCommand
{
    public override string Name => "import-ef";

    public override string Description => "Turn the app's EF Core migrations into revisions and stamp the database at the one EF last applied.";

    public override void Configure(CommandLineApplication command)
    {
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        if (app.Graph.Revisions.Count > 0)
        {
            throw new MigrationKitException(
                $"The project already has {app.Graph.Revisions.Count} revision(s); import-ef starts a history, it does not extend one",
                "Import into a project with no revisions yet.");
        }

        var importer = new EfMigrationsImporter(app.Context, app.RevisionsAssembly, app.StartupAssembly);
        var revisions = importer.Revisions();
        // Read before any file is written, so a database that does not fit the chain changes nothing.
        var applied = await importer.AppliedAsync(revisions, cancellationToken);
        foreach (var revision in revisions)
        {
            await Out.WriteLineAsync(RevisionCommand.Write(app, revision.Info, versionPath: null, revision.Code));
        }

        if (applied is null)
        {
            Log.Information("The database has applied no EF Core migration, so it stays at base");
        }
        else
        {
            var catalog = RevisionCatalog.Uncompiled(revisions.Select(r => r.Info));
            await new RevisionRunner(app.Context, catalog, app.RunnerOptions()).StampAsync([applied], purge: false, cancellationToken);
        }

        Log.Information(
            "Imported {Count} EF Core migrations. Delete them (and their ModelSnapshot) once the revisions are committed, and call Database.UpgradeAsync() instead of Database.Migrate(); __EFMigrationsHistory is left as it was",
            revisions.Count);
        return 0;
    }
}
