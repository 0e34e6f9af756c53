namespace MigrationKit.Cli.Hosting;

/// <summary>
/// What the tool tells its second self, the agent that runs inside the app's dependency graph:
/// passed through environment variables so the command line stays the user's own.
/// </summary>
internal sealed record AgentEnvironment(string RevisionsAssembly, string StartupAssembly, string ProjectDirectory, string RootNamespace)
{
    private const string Prefix = "MIGRATEKIT_AGENT_";

    public static AgentEnvironment? Current
        => Environment.GetEnvironmentVariable(Prefix + "ASSEMBLY") is { Length: > 0 } assembly
            ? new AgentEnvironment(
                assembly,
                Environment.GetEnvironmentVariable(Prefix + "STARTUP_ASSEMBLY") ?? assembly,
                Environment.GetEnvironmentVariable(Prefix + "PROJECT_DIR") ?? Directory.GetCurrentDirectory(),
                Environment.GetEnvironmentVariable(Prefix + "ROOT_NAMESPACE") ?? "")
            : null;

    public IReadOnlyDictionary<string, string> ToVariables() => new Dictionary<string, string>
    {
        [Prefix + "ASSEMBLY"] = RevisionsAssembly,
        [Prefix + "STARTUP_ASSEMBLY"] = StartupAssembly,
        [Prefix + "PROJECT_DIR"] = ProjectDirectory,
        [Prefix + "ROOT_NAMESPACE"] = RootNamespace,
    };
}
