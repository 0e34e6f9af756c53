using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Runner.Scaffolding;
using Serilog;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>squash FROM TO -m MSG</c> and <c>squash --to-base REV -m MSG</c>: one revision in place of a
/// linear run (or of everything up to REV), the old files moved to <c>Squashed/ID/</c>.
/// </summary>
internal sealed class SquashCommand : CliCommand
{
    private CommandArgument _run = null!;
    private CommandOption _toBase = null!;
    private CommandOption _message = null!;
    private CommandOption _revId = null!;

    public override string Name => "squash";

    public override string Description => "Replace a linear run of revisions (FROM TO), or everything up to a revision (--to-base REV), by one.";

    /// <summary>Runs in the agent: the squash is diffed by EF Core's design-time services over the app's DbContext.</summary>
    public override bool NeedsDatabase => true;

    public override bool WritesCode => true;

    public override void Configure(CommandLineApplication command)
    {
        _run = command.Argument("run", "The oldest and the newest revision of the run.", multipleValues: true);
        _toBase = command.Option("--to-base <REV>", "Replace REV and everything below it by a new root (for apps whose every database is past REV).", CommandOptionType.SingleValue);
        _message = command.Option("-m|--message <MESSAGE>", "What the squashed revision is.", CommandOptionType.SingleValue);
        _revId = command.Option("--rev-id <ID>", "Use this id instead of a generated one.", CommandOptionType.SingleValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var run = Plan(app.Graph, _run.Values.Where(v => v is not null).Cast<string>().ToList(), _toBase.Value());
        Autogenerator.PrepareCodeGeneration();
        var squash = new Autogenerator(app.Context, app.ModelAssembly, app.StartupAssembly).Squash(app.Catalog, run);
        var revision = new RevisionInfo(
            RevisionCommand.NewId(app, _revId.Value()),
            run.Parents,
            _message.Value() ?? $"squash of {run.Replaced[0]} to {run.End}",
            run.BranchLabels,
            run.DependsOn,
            DateTimeOffset.Now,
            replaces: run.Replaced);
        // The new revision first: from then on the graph ignores the old ones wherever they lie.
        await Out.WriteLineAsync(RevisionCommand.Write(app, revision, versionPath: null, squash.Code));
        foreach (var line in squash.HandWritten)
        {
            Log.Warning("{Line:l}", line);
        }

        var directory = RevisionCommand.RevisionsDirectory(app, versionPath: null);
        var notFound = SquashedFiles.MoveAside(app.Location.ProjectDirectory, directory, run.Replaced, revision.Id);
        Log.Information("Moved the {Count} replaced revision(s) to {Folder:l}: they stay compiled for 'upgrade {End:l} --replaced' until you delete the folder",
            run.Replaced.Count - notFound.Count, SquashedFiles.FolderFor(directory, revision.Id), run.End);
        if (notFound.Count > 0)
        {
            Log.Warning("No file found in the project for revision(s) {Ids:l}; they are replaced all the same", string.Join(", ", notFound));
        }

        return 0;
    }

    private static SquashRun Plan(RevisionGraph graph, List<string> run, string? toBase)
        => (run.Count, toBase) switch
        {
            (0, not null) => graph.PlanSquashToBase(toBase),
            (2, null) => graph.PlanSquash(run[0], run[1]),
            (_, not null) => throw new MigrationKitException("squash --to-base REV takes no FROM TO.", "For example: squash --to-base a1b2c3 -m \"new base\""),
            _ => throw new MigrationKitException("squash needs FROM and TO (the oldest and newest revision of the run), or --to-base REV.",
                "For example: squash a1b2c3 d4e5f6 -m \"2024's revisions\""),
        };
}
