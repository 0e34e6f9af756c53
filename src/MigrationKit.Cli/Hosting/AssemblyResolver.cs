using System.Reflection;
using System.Runtime.Loader;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Inside the agent, the runtime knows the app's dependencies only. Our own (the runner, the
/// command-line parser, EF Core's design-time package when the app leaves it out) load from the
/// tool's folder; the app's project references from its output folder.
/// </summary>
internal static class AssemblyResolver
{
    public static void Install(params string[] appDirectories)
    {
        var folders = appDirectories.Append(AppContext.BaseDirectory)
            .Append(Path.GetDirectoryName(typeof(AssemblyResolver).Assembly.Location)!)
            .Distinct()
            .ToArray();
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, name.Name + ".dll");
                if (File.Exists(candidate))
                {
                    return context.LoadFromAssemblyPath(candidate);
                }
            }

            return null;
        };
    }

    /// <summary>
    /// Loads one of the app's assemblies into the context this tool runs in: the default one in
    /// the agent process, the app's own (<see cref="AppLoadContext"/>, which resolves it by name
    /// like every other) when the agent runs inside the tool's process.
    /// </summary>
    public static Assembly Load(string path)
    {
        var context = AssemblyLoadContext.GetLoadContext(typeof(AssemblyResolver).Assembly)!;
        return context == AssemblyLoadContext.Default
            ? context.LoadFromAssemblyPath(Path.GetFullPath(path))
            : context.LoadFromAssemblyName(AssemblyName.GetAssemblyName(path));
    }
}
