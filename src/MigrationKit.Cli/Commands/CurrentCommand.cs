using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>current</c>: the revisions the database is at, one a line, full id first: the version table's rows and,
/// as Alembic lists them, the applied dependencies that head their branch in the database.
/// </summary>
internal sealed class CurrentCommand : CliCommand
{
    private CommandOption _verbose = null!;
    private CommandOption _json = null!;
    private FleetArguments _fleet = null!;

    public override string Name => "current";

    public override string Description => "Show the current revision(s) of the database.";

    public override void Configure(CommandLineApplication command)
    {
        _verbose = command.Option("-v", "Show each revision in full.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON (with a fleet: its report).", CommandOptionType.NoValue);
        _fleet = new FleetArguments(command, _json);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        if (_fleet.Requested(ownJson: true))
        {
            // Over a fleet: the matrix (revision -> count of targets), one read of each version table.
            FleetArguments.Refuse((_verbose.HasValue(), "-v", "it shows one database's revisions in full; `current` over a fleet counts targets per revision."));
            return await _fleet.RunAsync(app, app.RunnerOptions(), (runner, targets, token) => runner.CurrentAsync(targets, token), cancellationToken);
        }

        // Plain `current` stays one read of the version table; -v and --json explain a revision in parts too.
        // The graph is read from the assembly's metadata on the other core while the database answers.
        _ = app.Choice;
        var reading = Task.Run(() => app.Graph, cancellationToken);
        var (state, database) = await app.ReadCurrentStateAsync(withJournal: _verbose.HasValue() || _json.HasValue(), cancellationToken);
        var graph = await reading;
        var revisions = graph.Current(state.Heads);
        if (_json.HasValue())
        {
            await Out.WriteLineAsync(JsonOutput.Current(revisions, graph, state.PartlyApplied));
            return 0;
        }

        var format = new RevisionFormatter(graph);
        if (_verbose.HasValue())
        {
            await Out.WriteLineAsync($"Current revision(s) for {database}:");
        }

        foreach (var revision in revisions)
        {
            await Out.WriteLineAsync(_verbose.HasValue() ? format.Verbose(revision) : format.Line(revision));
        }

        foreach (var entry in state.PartlyApplied)
        {
            await Out.WriteLineAsync(PartlyApplied(entry));
        }

        return 0;
    }

    /// <summary>What a revision left between its parts, and what finishes it.</summary>
    private static string PartlyApplied(Runner.Database.JournalEntry entry)
    {
        var (state, verb) = entry.Direction == MigrationDirection.Upgrade ? ("partly applied", "upgrade") : ("partly undone", "downgrade");
        return $"Revision {entry.Revision} is {state} ({entry.Describe()}); `{verb}` finishes it"
               + (entry.StatementRunning ? " once you have checked whether that statement completed." : ".");
    }
}
