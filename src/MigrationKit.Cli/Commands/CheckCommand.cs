using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Design;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>check</c>: fails (for CI) when the app's model has changes that no revision holds, that is,
/// when `revision --autogenerate` on the head would write something.
/// </summary>
internal sealed class CheckCommand : CliCommand
{
    public override string Name => "check";

    public override string Description => "Fail when the model has changes that no revision holds yet.";

    public override void Configure(CommandLineApplication command)
    {
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        // The head that a new revision would build on; several heads are refused the same way.
        var parents = app.Graph.ParentsForNewRevision("head", splice: false, []);
        var operations = new Autogenerator(app.Context, app.RevisionsAssembly, app.StartupAssembly)
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
}
