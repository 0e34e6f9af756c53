using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;

namespace MigrationKit.Cli.Commands;

/// <summary><c>show REV</c>: one revision in full.</summary>
internal sealed class ShowCommand : CliCommand
{
    private CommandArgument _revision = null!;

    public override string Name => "show";

    public override string Description => "Show the revision(s) denoted by the given symbol.";

    public override bool NeedsDatabase => false;

    public override void Configure(CommandLineApplication command)
        => _revision = command.Argument("revision", "An id, a unique prefix, a branch label, head or heads.").IsRequired();

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var graph = Require(scope).Graph;
        var format = new RevisionFormatter(graph);
        var revisions = _revision.Value switch
        {
            // "head"/"heads" name what upgrading from nothing would reach; the graph refuses "head" with several heads.
            "head" or "heads" => graph.PlanUpgrade([], _revision.Value).HeadsAfter.Select(graph.Get).ToList(),
            _ => [graph.Resolve(_revision.Value!)],
        };
        foreach (var revision in revisions)
        {
            await Out.WriteLineAsync(format.Verbose(revision));
        }

        return 0;
    }
}
