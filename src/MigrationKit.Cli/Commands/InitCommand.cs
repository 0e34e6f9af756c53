using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Hosting;
using MigrationKit.Core;

namespace MigrationKit.Cli.Commands;

/// <summary><c>init</c>: writes migratekit.json and the revisions folder into the project.</summary>
internal sealed class InitCommand(GlobalOptions options) : CliCommand
{
    private CommandOption _versionPath = null!;

    public override string Name => "init";

    public override string Description => "Set up MigrationKit in a project: settings file and revisions folder.";

    public override bool NeedsApp => false;

    public override void Configure(CommandLineApplication command)
        => _versionPath = command.Option("--version-path <PATH>", "Folder for revisions, relative to the project. Default: Revisions.", CommandOptionType.SingleValue);

    public override async Task<int> ExecuteAsync(AppScope? app, CancellationToken cancellationToken)
    {
        var projectFile = ProjectInfo.FindProjectFile(options.Project);
        var directory = Path.GetDirectoryName(projectFile)!;
        ToolSettings settings;
        if (File.Exists(Path.Combine(directory, ToolSettings.FileName)))
        {
            settings = AddContext(ToolSettings.Load(directory), directory);
        }
        else
        {
            settings = new ToolSettings { VersionPath = _versionPath.Value() ?? "Revisions", Context = options.Context };
        }

        var revisions = Path.Combine(directory, settings.Contexts?.GetValueOrDefault(options.Context ?? "")?.VersionPath ?? settings.VersionPath);
        Directory.CreateDirectory(revisions);
        settings.Save(directory);
        await Out.WriteLineAsync($"  Creating directory {revisions} ...  done");
        await Out.WriteLineAsync($"  Generating {Path.Combine(directory, ToolSettings.FileName)} ...  done");
        if (!File.ReadAllText(projectFile).Contains("\"MigrationKit\"", StringComparison.OrdinalIgnoreCase))
        {
            await Out.WriteLineAsync("  Revisions compile against the MigrationKit package: dotnet add package MigrationKit");
        }

        return 0;
    }

    /// <summary>
    /// A project set up already: `init --context X` gives X revisions of its own (folder, namespace
    /// and version table), so that it no longer shares the default context's graph.
    /// </summary>
    private ToolSettings AddContext(ToolSettings settings, string directory)
    {
        if (options.Context is not { } context
            || (settings.Context is { } configured && (ContextChoice.Names(configured, context) || ContextChoice.Names(context, configured)))
            || settings.Contexts?.ContainsKey(context) == true)
        {
            throw new MigrationKitException(
                options.Context is null ? $"{ToolSettings.FileName} already exists in '{directory}'." : $"The DbContext '{options.Context}' is set up already in '{directory}'.",
                "The project is set up; run `revision -m MESSAGE` to add a revision, or `init --context NAME` to give another DbContext revisions of its own.");
        }

        var name = Runner.Database.VersionTable.ContextBaseName(ContextChoice.ShortName(context));
        var own = new ContextSettings
        {
            VersionPath = _versionPath.Value() ?? $"{settings.VersionPath}/{name}",
            VersionTable = Runner.Database.VersionTable.NameFor(ContextChoice.ShortName(context)),
        };
        return settings with { Contexts = new Dictionary<string, ContextSettings>(settings.Contexts ?? [], StringComparer.Ordinal) { [context] = own } };
    }
}
