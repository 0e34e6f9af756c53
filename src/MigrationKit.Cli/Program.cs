using System.Runtime.CompilerServices;
using MigrationKit.Cli;
using MigrationKit.Cli.Hosting;

// Inside the app's dependency graph the runtime cannot see our own dependencies until the
// resolver is installed, so nothing that touches them may be compiled before this line runs.
if (AppLocation.OfAgent is { } agent)
{
    AssemblyResolver.Install(Path.GetDirectoryName(agent.StartupAssembly)!, Path.GetDirectoryName(agent.RevisionsAssembly)!);
}

return Entry.Run(args);

internal static class Entry
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(string[] args) => CliApplication.Run(args);
}
