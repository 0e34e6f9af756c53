using MigrationKit.Core;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>Builds the app before its revisions are read, as `dotnet ef` does.</summary>
internal static class ProjectBuilder
{
    public static async Task BuildAsync(string projectFile, string? configuration, string? framework, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "build", projectFile, "-nologo", "-verbosity:quiet" };
        if (configuration is not null)
        {
            arguments.AddRange(["--configuration", configuration]);
        }

        if (framework is not null)
        {
            arguments.AddRange(["--framework", framework]);
        }

        Log.Debug("Building {Project}", projectFile);
        var (exitCode, output) = await ProcessRunner.CaptureAsync(Path.GetDirectoryName(projectFile)!, arguments, cancellationToken);
        if (exitCode != 0)
        {
            Log.Debug("{BuildOutput:l}", output);
            throw new MigrationKitException(
                $"Build failed: {ProjectInfo.FirstError(output)}",
                $"Fix the build (`dotnet build {Path.GetFileName(projectFile)}` shows every error), or pass --no-build.");
        }
    }
}
