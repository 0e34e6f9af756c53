using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Design.Proof;
using Serilog;
using Serilog.Events;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>test</c>: every revision upgraded, downgraded and upgraded again on a scratch database,
/// its schema compared with its snapshot at each step (<see cref="RevisionProof"/>); fails (for CI)
/// when one does not hold.
/// </summary>
internal sealed class TestCommand : CliCommand
{
    private CommandOption _from = null!;
    private CommandOption _json = null!;
    private CommandOption _junit = null!;

    public override string Name => "test";

    public override string Description => "Upgrade, downgrade and upgrade again every revision on a scratch database, comparing the schema with each revision's snapshot.";

    public override void Configure(CommandLineApplication command)
    {
        _from = command.Option("--from <REV>", "Start from this revision (applied first) and test the revisions after it.", CommandOptionType.SingleValue);
        _json = command.Option("--json", "Print JSON.", CommandOptionType.NoValue);
        _junit = command.Option("--junit <PATH>", "Also write the results as JUnit XML, for CI.", CommandOptionType.SingleValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var junit = _junit.Value() is { } path ? Path.GetFullPath(path) : null;
        if (junit is not null && !Directory.Exists(Path.GetDirectoryName(junit)))
        {
            throw new MigrationKitException($"Cannot write {junit}: its folder does not exist.");
        }

        // The runner's "Running upgrade ..." lines, three per revision, only with --verbose.
        var runnerLog = Log.IsEnabled(LogEventLevel.Debug)
            ? Log.Logger
            : new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Logger(Log.Logger).CreateLogger();
        var proof = new RevisionProof(app.Context, app.Catalog, app.ModelAssembly, app.StartupAssembly, app.RunnerOptions(), runnerLog);
        var json = _json.HasValue();
        var results = await proof.RunAsync(_from.Value(), name => Log.Information("Testing on the scratch database {Database:l}", name), result =>
        {
            if (!json)
            {
                Out.WriteLine(ProofOutput.Line(result));
            }
        }, cancellationToken);

        await Out.WriteLineAsync(json ? ProofOutput.Json(results) : ProofOutput.Summary(results));
        if (junit is not null)
        {
            ProofOutput.WriteJUnit(results, junit);
        }

        return results.All(r => r.Outcome == ProofOutcome.Passed) ? 0 : CliApplication.Failure;
    }
}
