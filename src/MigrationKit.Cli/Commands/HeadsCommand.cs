using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;

namespace MigrationKit.Cli.Commands;

/// <summary><c>heads</c>: the revisions nothing builds on yet.</summary>
internal sealed class HeadsCommand : CliCommand
{
    private CommandOption _verbose = null!;
    private CommandOption _json = null!;

    public override string Name => "heads";

    public override string Description => "Show the current head revisions.";

    public override bool NeedsDatabase => false;

    public override void Configure(CommandLineApplication command)
    {
        _verbose = command.Option("-v", "Show each revision in full.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var graph = Require(scope).Graph;
        if (_json.HasValue())
        {
            await Out.WriteLineAsync(JsonOutput.Revisions(graph.Heads, graph));
            return 0;
        }

        var format = new RevisionFormatter(graph);
        var text = new System.Text.StringBuilder();
        foreach (var head in graph.Heads)
        {
            text.AppendLine(_verbose.HasValue() ? format.Verbose(head) : format.Line(head, labels: true, treeIndicators: false));
        }

        await Out.WriteAsync(text.ToString());
        return 0;
    }
}
