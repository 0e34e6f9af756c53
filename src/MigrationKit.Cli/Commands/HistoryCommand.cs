using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;

namespace MigrationKit.Cli.Commands;

/// <summary><c>history</c>: the revisions newest first, as <c>parents -&gt; id (head), message</c>.</summary>
internal sealed class HistoryCommand : CliCommand
{
    private CommandOption _range = null!;
    private CommandOption _verbose = null!;
    private CommandOption _indicateCurrent = null!;
    private CommandOption _json = null!;

    public override string Name => "history";

    public override string Description => "List the revisions in chronological order, newest first.";

    public override bool NeedsDatabase => NeedsCurrentRevisions;

    private bool NeedsCurrentRevisions
        => _indicateCurrent.HasValue() || (_range.Value()?.Contains("current", StringComparison.Ordinal) ?? false);

    public override void Configure(CommandLineApplication command)
    {
        _range = command.Option("-r|--rev-range <RANGE>", "A range: A:B, A:, :B, -3:, current:, ...", CommandOptionType.SingleValue);
        _verbose = command.Option("-v", "Show each revision in full.", CommandOptionType.NoValue);
        _indicateCurrent = command.Option("-i|--indicate-current", "Mark the database's current revisions.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var graph = app.Graph;
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
}
