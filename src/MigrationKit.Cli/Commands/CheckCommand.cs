using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Design.Drift;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>check</c>: fails (for CI) when the app's model has changes that no revision holds, that is,
/// when `revision --autogenerate` on the head would write something.
/// </summary>
internal sealed class CheckCommand : CliCommand
{
    private CommandOption _database = null!;

    public override string Name => "check";

    public override string Description => "Fail when the model has changes that no revision holds yet; with --database, when the database differs from its revision's snapshot.";

    public override bool ReadsOnlyModel => true;

    public override void Configure(CommandLineApplication command)
    {
        _database = command.Option("--database", "Compare the live database with the model of the revision it is at (drift made by hand).", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        if (_database.HasValue())
        {
            return await CheckDatabaseAsync(app, cancellationToken);
        }

        // The head that a new revision would build on; several heads are refused the same way.
        var parents = app.Graph.ParentsForNewRevision("head", splice: false, []);
        var operations = new Autogenerator(app.Context, app.ModelAssembly, app.StartupAssembly)
            .PendingOperations(app.Catalog, parents.Count == 0 ? null : parents[0]);
        if (operations.Count == 0)
        {
            await Out.WriteLineAsync("No new upgrade operations detected.");
            return 0;
        }

        await Out.WriteLineAsync($"New upgrade operations detected ({operations.Count}); add them with `revision --autogenerate -m MESSAGE`:");
        foreach (var operation in operations)
        {
            await Out.WriteLineAsync("  " + OperationDescriptions.Describe(operation));
        }

        return CliApplication.Failure;
    }

    /// <summary>`check --database`: drift between the live schema and the current revision's snapshot.</summary>
    private static async Task<int> CheckDatabaseAsync(AppScope app, CancellationToken cancellationToken)
    {
        var heads = await app.Runner.GetCurrentHeadsAsync(cancellationToken);
        app.Graph.ValidateCurrentHeads(heads);
        if (heads.Count > 1)
        {
            throw new MigrationKitException(
                $"The database is at several revisions ({string.Join(", ", heads)}), and no one snapshot holds them all",
                "Upgrade it to a merge of them first (`merge heads`, then `upgrade head`).");
        }

        var revision = heads.Count == 0 ? null : heads[0];
        var differences = new DriftDetector(app.Context, app.ModelAssembly, app.StartupAssembly)
            .Find(app.Catalog, revision, app.Settings.VersionTable);
        var at = revision ?? "base";
        if (differences.Count == 0)
        {
            await Out.WriteLineAsync($"No drift: the database matches the model of revision {at}.");
            return 0;
        }

        await Out.WriteLineAsync($"The database differs from the model of revision {at} ({differences.Count}):");
        foreach (var difference in differences)
        {
            await Out.WriteLineAsync("  " + difference);
        }

        return CliApplication.Failure;
    }
}
