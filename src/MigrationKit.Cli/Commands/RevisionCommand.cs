using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Runner.Scaffolding;
using Serilog;

namespace MigrationKit.Cli.Commands;

/// <summary><c>revision -m MSG</c>: writes a new, empty revision on top of a head.</summary>
internal sealed class RevisionCommand : CliCommand
{
    private CommandOption _message = null!;
    private CommandOption _revId = null!;
    private CommandOption _head = null!;
    private CommandOption _splice = null!;
    private CommandOption _branchLabel = null!;
    private CommandOption _dependsOn = null!;
    private CommandOption _versionPath = null!;
    private CommandOption _autogenerate = null!;
    private CommandOption _allowEmpty = null!;

    public override string Name => "revision";

    public override string Description => "Create a new revision file.";

    /// <summary>Autogenerate needs the app's DbContext and model; a plain revision only the graph.</summary>
    public override bool NeedsDatabase => _autogenerate.HasValue();

    public override bool ReadsOnlyModel => true;

    public override bool WritesCode => _autogenerate.HasValue();

    public override void Configure(CommandLineApplication command)
    {
        _message = command.Option("-m|--message <MESSAGE>", "What the revision does.", CommandOptionType.SingleValue);
        _revId = command.Option("--rev-id <ID>", "Use this id instead of a generated one.", CommandOptionType.SingleValue);
        _head = command.Option("--head <REV>", "The head (or, with --splice, any revision) to build on; 'base' starts a new root. Default: head.", CommandOptionType.SingleValue);
        _splice = command.Option("--splice", "Allow a non-head revision as --head, creating a new branch.", CommandOptionType.NoValue);
        _branchLabel = command.Option("--branch-label <LABEL>", "A label for the branch this revision starts.", CommandOptionType.MultipleValue);
        _dependsOn = command.Option("--depends-on <REV>", "A revision this one depends on (repeatable).", CommandOptionType.MultipleValue);
        _versionPath = command.Option("--version-path <PATH>", "Folder, relative to the project, to write the revision in.", CommandOptionType.SingleValue);
        _autogenerate = command.Option("--autogenerate", "Fill the revision with the changes between the app's model and the parent's snapshot.", CommandOptionType.NoValue);
        _allowEmpty = command.Option("--allow-empty", "With --autogenerate, write the revision even when nothing changed.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        // Refused before any work: a revision outside the project is never compiled.
        _ = RevisionsFolder(app, _versionPath.Value());
        var graph = app.Graph;
        var labels = _branchLabel.Values.Where(v => v is not null).Cast<string>().ToList();
        var parents = graph.ParentsForNewRevision(_head.Value() ?? "head", _splice.HasValue(), labels);
        var dependsOn = _dependsOn.Values.Where(v => v is not null).Select(v => graph.Resolve(v!).Id).ToList();
        RevisionCode? code = null;
        if (_autogenerate.HasValue())
        {
            Autogenerator.PrepareCodeGeneration();
            var safeForms = app.Settings.Autogenerate;
            code = new Autogenerator(app.Context, app.ModelAssembly, app.StartupAssembly)
                {
                    Options = new AutogenerateOptions
                    {
                        ConcurrentIndexes = safeForms?.ConcurrentIndexes ?? false,
                        NotValidForeignKeys = safeForms?.NotValidForeignKeys ?? false,
                    },
                }
                .Generate(app.Catalog, parents.Count == 0 ? null : parents[0], app.LintSettings);
            if (code is null && !_allowEmpty.HasValue())
            {
                Log.Information("No changes in schema detected.");
                return 0;
            }

            foreach (var warning in code?.HeaderComments ?? [])
            {
                Log.Warning("{Warning:l}", warning);
            }
        }

        var revision = new RevisionInfo(
            NewId(app, _revId.Value()),
            parents,
            _message.Value() ?? "",
            labels,
            dependsOn,
            DateTimeOffset.Now);
        await Out.WriteLineAsync(Write(app, revision, _versionPath.Value(), code));
        return 0;
    }

    /// <summary>A caller-chosen id is checked against the graph; a generated one cannot clash in practice, but is checked too.</summary>
    internal static string NewId(AppScope app, string? requested)
    {
        var graph = app.Graph;
        if (requested is not null)
        {
            if (requested.Length == 0 || requested.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
            {
                throw new MigrationKitException($"Revision id '{requested}' is not valid.", "Use letters, digits and underscores.");
            }

            if (graph.Contains(requested))
            {
                throw new MigrationKitException($"Revision {requested} already exists.", "Choose another --rev-id.");
            }

            return requested;
        }

        string id;
        do
        {
            id = RevisionIds.New(app.Settings.RevisionIdLength);
        }
        while (graph.Contains(id));
        return id;
    }

    /// <summary>Writes the file and returns Alembic's "Generating PATH ...  done" line.</summary>
    internal static string Write(AppScope app, RevisionInfo revision, string? versionPath, RevisionCode? code = null)
    {
        var folder = RevisionsFolder(app, versionPath);
        var directory = Path.GetFullPath(Path.Combine(app.Location.ProjectDirectory, folder));
        var path = RevisionWriter.Write(directory, app.Settings.NamespaceFor(app.Location.RootNamespace, folder), revision, code,
            app.Choice.KeptApart ? app.Choice.ContextName : null);
        return $"  Generating {path} ...  done";
    }

    /// <summary>
    /// The folder revisions are written in (<paramref name="versionPath"/>, else the settings'
    /// versionPath), relative to the project; one outside the project is refused, since the
    /// project's build never compiles what is written there.
    /// </summary>
    private static string RevisionsFolder(AppScope app, string? versionPath)
    {
        var folder = versionPath ?? app.Settings.VersionPath;
        var project = Path.GetFullPath(app.Location.ProjectDirectory);
        var relative = Path.GetRelativePath(project, Path.GetFullPath(Path.Combine(project, folder)));
        if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new MigrationKitException(
                $"Version path '{folder}' is outside the project folder {project}, so a revision written there would never be compiled",
                "Use a folder inside the project, such as Revisions (--version-path, or versionPath in migratekit.json).");
        }

        return relative;
    }
}
