using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;

namespace MigrationKit.Cli.Commands;

/// <summary><c>branches</c>: every branch point with the revisions it branches into.</summary>
internal sealed class BranchesCommand : CliCommand
{
    private CommandOption _verbose = null!;

    public override string Name => "branches";

    public override string Description => "Show the branch points.";

    public override bool NeedsDatabase => false;

    public override void Configure(CommandLineApplication command)
        => _verbose = command.Option("-v", "Show each branch point in full.", CommandOptionType.NoValue);

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var graph = Require(scope).Graph;
        var format = new RevisionFormatter(graph);
        foreach (var point in graph.BranchPoints)
        {
            await Out.WriteLineAsync(_verbose.HasValue()
                ? format.Verbose(point.Revision)
                : format.Line(point.Revision, labels: true, message: true));
            var indent = new string(' ', point.Revision.Id.Length);
            foreach (var child in point.Children)
            {
                await Out.WriteLineAsync($"{indent} -> {format.Line(child, labels: true, message: true)}");
            }
        }

        return 0;
    }
}
