using System.Reflection;
using System.Runtime.Loader;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The tool's own assemblies (ours, the parser, Serilog, EF Core's design package, ...) loaded
/// from their native images when <see cref="NativeImages"/> has them: the host loads them from
/// the tool's folder as IL, which costs every command the JIT of the first pass. The tool's
/// entry point runs again inside this context; the framework still comes from the default one.
/// </summary>
internal sealed class ToolLoadContext : AssemblyLoadContext
{
    private readonly Dictionary<string, string> _files;
    private readonly NativeImages _images;

    private ToolLoadContext(Dictionary<string, string> files, NativeImages images)
        : base("MigrationKit tool")
    {
        _files = files;
        _images = images;
    }

    /// <summary>Runs the command in this context, then compiles what loaded as IL (see <see cref="NativeImages"/>).</summary>
    public static int Run(string[] arguments, NativeImages images)
    {
        var context = new ToolLoadContext(ToolFiles(), images);
        try
        {
            var entry = context.LoadFromAssemblyName(typeof(ToolLoadContext).Assembly.GetName()).GetType("Entry", throwOnError: true)!;
            return (int)entry.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [arguments])!;
        }
        finally
        {
            images.CompileMissing(context._files.Values, []);
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
        => string.IsNullOrEmpty(assemblyName.CultureName) && _files.TryGetValue(assemblyName.Name!, out var path)
            ? _images.Load(this, path)
            : null;

    /// <summary>What the host resolved from the tool's own folder (by its .deps.json): the framework's files stay shared.</summary>
    private static Dictionary<string, string> ToolFiles()
    {
        var folder = Path.GetDirectoryName(NativeImages.ToolAssembly)! + Path.DirectorySeparatorChar;
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var trusted = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (path.StartsWith(folder, StringComparison.Ordinal))
            {
                files.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }

        return files;
    }
}
