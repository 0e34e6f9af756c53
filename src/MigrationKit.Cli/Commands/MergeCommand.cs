using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;

namespace MigrationKit.Cli.Commands;

/// <summary><c>merge -m MSG REV REV... | heads</c>: one revision whose parents are the given ones.</summary>
internal sealed class MergeCommand : CliCommand
{
    private CommandArgument _revisions = null!;
    private CommandOption _message = null!;
    private CommandOption _revId = null!;
    private CommandOption _branchLabel = null!;

    public override string Name => "merge";

    public override string Description => "Merge two or more revisions (or all heads) into one.";

    public override bool NeedsDatabase => false;

    public override void Configure(CommandLineApplication command)
    {
        _revisions = command.Argument("revisions", "The revisions to merge, or 'heads'.", multipleValues: true).IsRequired();
        _message = command.Option("-m|--message <MESSAGE>", "What the merge is for.", CommandOptionType.SingleValue);
        _revId = command.Option("--rev-id <ID>", "Use this id instead of a generated one.", CommandOptionType.SingleValue);
        _branchLabel = command.Option("--branch-label <LABEL>", "A label for the merged branch.", CommandOptionType.MultipleValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var graph = app.Graph;
        var parents = graph.ParentsForMerge(_revisions.Values.Where(v => v is not null).Cast<string>().ToList());
        var labels = _branchLabel.Values.Where(v => v is not null).Cast<string>().ToList();
        graph.ValidateNewBranchLabels(labels);
        var revision = new RevisionInfo(
            RevisionCommand.NewId(app, _revId.Value()),
            parents,
            _message.Value() ?? "",
            labels,
            created: DateTimeOffset.Now);
        await Out.WriteLineAsync(RevisionCommand.Write(app, revision, versionPath: null));
        return 0;
    }
}
