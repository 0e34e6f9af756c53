using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Transfer;

namespace MigrationKit.Cli.Commands;

/// <summary><c>import DIR</c>: an export loaded into a database at its revision, in foreign-key order, checked against the manifest.</summary>
internal sealed class ImportCommand : CliCommand
{
    private CommandArgument _directory = null!;
    private CommandOption _to = null!;
    private CommandOption _truncate = null!;
    private CommandOption _lockWait = null!;

    public override string Name => "import";

    public override string Description => "Load a folder written by export into the database (same revision), verified against its manifest.";

    public override void Configure(CommandLineApplication command)
    {
        _directory = command.Argument("directory", "The folder export wrote.").IsRequired();
        _to = command.Option("--to <CONNECTION>", "The database to load. Default: the app's own (--connection).", CommandOptionType.SingleValue);
        _truncate = command.Option("--truncate", "Empty each table in the transaction that loads it (a failed import leaves it as it was).", CommandOptionType.NoValue);
        _lockWait = LockWaitOption.Add(command);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var results = await TransferOperations.ImportAsync(app.Context, _to.Value(), _directory.Value!, _truncate.HasValue(),
            app.Settings.VersionTable, TransferProgressPrinter.ForStandardError(), cancellationToken, LockWaitOption.Value(_lockWait));
        await Out.WriteLineAsync($"Imported {results.Count} tables, {results.Sum(t => t.Rows)} rows, verified against the manifest.");
        return 0;
    }
}
