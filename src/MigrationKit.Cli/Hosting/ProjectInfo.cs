using System.Text.Json;
using MigrationKit.Core;

namespace MigrationKit.Cli.Hosting;

/// <summary>What MSBuild says about a project: where its assembly and dependency manifest are.</summary>
internal sealed record ProjectInfo(
    string ProjectFile,
    string ProjectDirectory,
    string TargetPath,
    string DepsFile,
    string? RuntimeConfigFile,
    string RootNamespace,
    IReadOnlyList<string> PackageFolders)
{
    private static readonly string[] Properties =
        ["TargetPath", "ProjectDepsFilePath", "ProjectRuntimeConfigFilePath", "RootNamespace", "NuGetPackageFolders", "OutputType"];

    /// <summary>A project file, or a folder holding exactly one.</summary>
    public static string FindProjectFile(string? path)
    {
        var full = Path.GetFullPath(path ?? Directory.GetCurrentDirectory());
        if (File.Exists(full))
        {
            return full;
        }

        if (!Directory.Exists(full))
        {
            throw new MigrationKitException($"No project found at '{full}'.", "Pass --project with a folder or a .csproj file.");
        }

        var candidates = Directory.GetFiles(full, "*.*proj").Where(f => !f.EndsWith(".shproj", StringComparison.Ordinal)).ToArray();
        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new MigrationKitException(
                $"No project file was found in '{full}'.", "Run the command in the app's project folder or pass --project."),
            _ => throw new MigrationKitException(
                $"More than one project file in '{full}': {string.Join(", ", candidates.Select(Path.GetFileName))}.",
                "Pass --project with the one to use."),
        };
    }

    public static async Task<ProjectInfo> ReadAsync(string projectFile, string? configuration, string? framework, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "msbuild", projectFile, "-nologo" };
        arguments.AddRange(Properties.Select(p => "-getProperty:" + p));
        if (configuration is not null)
        {
            arguments.Add("-property:Configuration=" + configuration);
        }

        if (framework is not null)
        {
            arguments.Add("-property:TargetFramework=" + framework);
        }

        var (exitCode, output) = await ProcessRunner.CaptureAsync(Path.GetDirectoryName(projectFile)!, arguments, cancellationToken);
        if (exitCode != 0)
        {
            throw new MigrationKitException(
                $"Cannot read project '{projectFile}': {FirstError(output)}",
                "Check that `dotnet build` works for it.");
        }

        var properties = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("Properties");
        string Get(string name) => properties.GetProperty(name).GetString() ?? "";

        var targetPath = Get("TargetPath");
        if (targetPath.Length == 0)
        {
            throw new MigrationKitException(
                $"Project '{projectFile}' has no single target framework.", "Pass --framework.");
        }

        var runtimeConfig = Get("ProjectRuntimeConfigFilePath");
        return new ProjectInfo(
            projectFile,
            Path.GetDirectoryName(projectFile)!,
            targetPath,
            Get("ProjectDepsFilePath"),
            runtimeConfig.Length > 0 ? runtimeConfig : null,
            Get("RootNamespace"),
            Get("NuGetPackageFolders").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    internal static string FirstError(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal))
            ?? output.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)
            ?? "no output";
        return line.Trim();
    }
}
