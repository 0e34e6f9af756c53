using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Transfer;

namespace MigrationKit.Cli.Commands;

/// <summary><c>export DIR</c>: one CSV file with a header per table of the model, and a manifest with the revision, counts and checksums.</summary>
internal sealed class ExportCommand : CliCommand
{
    private CommandArgument _directory = null!;
    private CommandOption _from = null!;
    private CommandOption _tables = null!;
    private CommandOption _exclude = null!;
    private CommandOption _overwrite = null!;

    public override string Name => "export";

    public override string Description => "Write every table of the model as CSV, with a manifest, into a folder.";

    public override void Configure(CommandLineApplication command)
    {
        _directory = command.Argument("directory", "The folder to write (created if missing).").IsRequired();
        _from = command.Option("--from <CONNECTION>", "The database to export. Default: the app's own (--connection).", CommandOptionType.SingleValue);
        (_tables, _exclude) = TableOptions.Add(command);
        _overwrite = command.Option("--overwrite", "Replace an export already in the folder.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var manifest = await TransferOperations.ExportAsync(app.Context, _from.Value(), _directory.Value!,
            TableOptions.Names(_tables), TableOptions.Names(_exclude), app.Settings.VersionTable, _overwrite.HasValue(), TransferProgressPrinter.ForStandardError(), cancellationToken);
        await Out.WriteLineAsync($"Exported {manifest.Tables.Count} tables, {manifest.Tables.Sum(t => t.Rows)} rows, to {_directory.Value}.");
        return 0;
    }
}
