using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>history</c>: the revisions newest first, as <c>parents -&gt; id (head), message</c>; with
/// <c>--applied</c>, the database's audit history instead (what ran on it, when, by whom).
/// </summary>
internal sealed class HistoryCommand : CliCommand
{
    private CommandOption _range = null!;
    private CommandOption _verbose = null!;
    private CommandOption _indicateCurrent = null!;
    private CommandOption _json = null!;
    private CommandOption _applied = null!;

    public override string Name => "history";

    public override string Description => "List the revisions in chronological order, newest first.";

    public override bool NeedsDatabase => NeedsCurrentRevisions || _applied.HasValue();

    private bool NeedsCurrentRevisions
        => _indicateCurrent.HasValue() || (_range.Value()?.Contains("current", StringComparison.Ordinal) ?? false);

    public override void Configure(CommandLineApplication command)
    {
        _range = command.Option("-r|--rev-range <RANGE>", "A range: A:B, A:, :B, -3:, current:, ...", CommandOptionType.SingleValue);
        _verbose = command.Option("-v", "Show each revision in full.", CommandOptionType.NoValue);
        _indicateCurrent = command.Option("-i|--indicate-current", "Mark the database's current revisions.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON.", CommandOptionType.NoValue);
        _applied = command.Option("--applied", "List what ran on the database (the audit history): upgrades, downgrades and stamps, newest first.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var graph = app.Graph;
        if (_applied.HasValue())
        {
            return await ListAppliedAsync(app, cancellationToken);
        }

        var range = _range.Value();
        // Only read the database when the answer depends on it.
        var needsDatabase = NeedsCurrentRevisions;
        IReadOnlyList<string> heads = needsDatabase ? await app.Runner.GetCurrentHeadsAsync(cancellationToken) : [];
        if (needsDatabase)
        {
            graph.ValidateCurrentHeads(heads);
        }

        var revisions = graph.History(range, heads);
        // Alembic marks the version table's rows, not every applied ancestor.
        var current = _indicateCurrent.HasValue() ? heads.ToHashSet(StringComparer.Ordinal) : null;
        if (_json.HasValue())
        {
            await Out.WriteLineAsync(JsonOutput.Revisions(revisions, graph, current));
            return 0;
        }

        var format = new RevisionFormatter(graph);
        var text = new System.Text.StringBuilder();
        foreach (var revision in revisions)
        {
            var isCurrent = current?.Contains(revision.Id) ?? false;
            text.AppendLine(_verbose.HasValue()
                ? format.Verbose(revision, isCurrent)
                : format.Line(revision, parents: true, labels: true, message: true, current: isCurrent));
        }

        await Out.WriteAsync(text.ToString());
        return 0;
    }

    /// <summary>`history --applied`: the history table's rows; none yet on a database no run has touched since it exists.</summary>
    private async Task<int> ListAppliedAsync(AppScope app, CancellationToken cancellationToken)
    {
        if (_range.HasValue() || _indicateCurrent.HasValue() || _verbose.HasValue())
        {
            throw new MigrationKitException("--applied lists the database's history; it takes no -r, -i or -v.", "Run `history --applied` alone, or with --json.");
        }

        var entries = await app.Runner.ReadHistoryAsync(cancellationToken);
        if (_json.HasValue())
        {
            await Out.WriteLineAsync(JsonOutput.History(entries));
        }
        else if (entries.Count == 0)
        {
            await Out.WriteLineAsync($"No history yet in {app.Runner.DescribeConnection()} (table {app.Runner.HistoryTableName}): the next upgrade, downgrade or stamp starts it.");
        }
        else
        {
            await Out.WriteAsync(HistoryOutput.Table(entries, app.Graph));
        }

        return 0;
    }
}
