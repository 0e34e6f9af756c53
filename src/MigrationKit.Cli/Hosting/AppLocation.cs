namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Where the app is: its assemblies and project folder. The tool finds it with MSBuild, and
/// hands it to its second self (the agent inside the app's dependency graph) through
/// environment variables, so the command line stays the user's own.
/// </summary>
/// <param name="ModelAssembly">The model compiled without the revisions (<see cref="ModelBuild"/>), when the tool compiled it so.</param>
internal sealed record AppLocation(string RevisionsAssembly, string StartupAssembly, string ProjectDirectory, string RootNamespace, string? ModelAssembly = null)
{
    private const string Prefix = "MIGRATEKIT_AGENT_";

    /// <summary>The location given to this process when it runs as the agent; null in the tool's own process.</summary>
    public static AppLocation? OfAgent
        => Environment.GetEnvironmentVariable(Prefix + "ASSEMBLY") is { Length: > 0 } assembly
            ? new AppLocation(
                assembly,
                Environment.GetEnvironmentVariable(Prefix + "STARTUP_ASSEMBLY") ?? assembly,
                Environment.GetEnvironmentVariable(Prefix + "PROJECT_DIR") ?? Directory.GetCurrentDirectory(),
                Environment.GetEnvironmentVariable(Prefix + "ROOT_NAMESPACE") ?? "",
                Environment.GetEnvironmentVariable(Prefix + "MODEL_ASSEMBLY") is { Length: > 0 } model ? model : null)
            : null;

    public IReadOnlyDictionary<string, string> ToAgentVariables() => new Dictionary<string, string>
    {
        [Prefix + "ASSEMBLY"] = RevisionsAssembly,
        [Prefix + "STARTUP_ASSEMBLY"] = StartupAssembly,
        [Prefix + "PROJECT_DIR"] = ProjectDirectory,
        [Prefix + "ROOT_NAMESPACE"] = RootNamespace,
        [Prefix + "MODEL_ASSEMBLY"] = ModelAssembly ?? "",
    };
}
