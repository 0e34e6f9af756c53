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
        if (File.Exists(Path.Combine(directory, ToolSettings.FileName)))
        {
            throw new MigrationKitException($"{ToolSettings.FileName} already exists in '{directory}'.", "The project is set up; run `revision -m MESSAGE` to add a revision.");
        }

        var settings = new ToolSettings { VersionPath = _versionPath.Value() ?? "Revisions", Context = options.Context };
        var revisions = Path.Combine(directory, settings.VersionPath);
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
}
