using System.Runtime.CompilerServices;
using MigrationKit.Cli;
using MigrationKit.Cli.Hosting;

// The background compile of native images that an earlier command asked for (see NativeImages).
if (Environment.GetEnvironmentVariable(NativeImages.JobVariable) is { Length: > 0 } cache)
{
    return NativeImages.RunJob(cache);
}

// Inside the app's dependency graph the runtime cannot see our own dependencies until the
// resolver is installed, so nothing that touches them may be compiled before this line runs.
if (AppLocation.OfAgent is { } agent)
{
    AssemblyResolver.Install(Path.GetDirectoryName(agent.StartupAssembly)!, Path.GetDirectoryName(agent.RevisionsAssembly)!);
    return Entry.Run(args);
}

// The tool's own process: the command runs where our assemblies load from native images.
return NativeImages.ForThisProcess() is { } images ? ToolLoadContext.Run(args, images) : Entry.Run(args);

internal static class Entry
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(string[] args) => CliApplication.Run(args);

    /// <summary>
    /// Called by the tool's first pass in the agent's context while the app compiles (AgentLauncher);
    /// <paramref name="appAssembly"/>, when given, stays as it is, and its context's configuration is used.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void PrepareCodeGeneration(string? appAssembly, string? contextName)
        => MigrationKit.Design.Autogenerator.PrepareCodeGeneration(appAssembly is null
            ? null
            : () => ContextFactory.ConfigurationOf(AssemblyResolver.Load(appAssembly), contextName));
}
