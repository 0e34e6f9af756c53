using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Design;

namespace MigrationKit.Cli.Commands;

/// <summary><c>merge -m MSG REV REV... | heads</c>: one revision whose parents are the given ones.</summary>
internal sealed class MergeCommand : CliCommand
{
    private CommandArgument _revisions = null!;
    private CommandOption _message = null!;
    private CommandOption _revId = null!;
    private CommandOption _branchLabel = null!;
    private CommandOption _forceSnapshot = null!;

    public override string Name => "merge";

    public override string Description => "Merge two or more revisions (or all heads) into one.";

    /// <summary>
    /// Runs in the agent: when the merged revisions record snapshots, the merge records the merged
    /// one, which takes the app's model. The DbContext is created only then.
    /// </summary>
    public override bool NeedsDatabase => true;

    public override void Configure(CommandLineApplication command)
    {
        _revisions = command.Argument("revisions", "The revisions to merge, or 'heads'.", multipleValues: true).IsRequired();
        _message = command.Option("-m|--message <MESSAGE>", "What the merge is for.", CommandOptionType.SingleValue);
        _revId = command.Option("--rev-id <ID>", "Use this id instead of a generated one.", CommandOptionType.SingleValue);
        _branchLabel = command.Option("--branch-label <LABEL>", "A label for the merged branch.", CommandOptionType.MultipleValue);
        _forceSnapshot = command.Option("--force-snapshot", "Record the app's model as the merged snapshot even when it is not exactly the union of the merged revisions' snapshots.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var graph = app.Graph;
        var parents = graph.ParentsForMerge(_revisions.Values.Where(v => v is not null).Cast<string>().ToList());
        var labels = _branchLabel.Values.Where(v => v is not null).Cast<string>().ToList();
        graph.ValidateNewBranchLabels(labels);
        // A merge records a snapshot only when its branches changed the model apart; otherwise
        // it carries the one model that holds them all forward, as every revision without one does.
        var code = app.Catalog.TryMergedModelRevision(parents, out _)
            ? null
            : new Autogenerator(app.Context, app.ModelAssembly, app.StartupAssembly) { WriteDataSnapshots = app.Settings.Autogenerate?.CSharpSnapshots != true }.Merge(app.Catalog, parents, _forceSnapshot.HasValue());
        var revision = new RevisionInfo(
            RevisionCommand.NewId(app, _revId.Value()),
            parents,
            _message.Value() ?? "",
            labels,
            created: DateTimeOffset.Now);
        await Out.WriteLineAsync(RevisionCommand.Write(app, revision, versionPath: null, code));
        return 0;
    }
}
