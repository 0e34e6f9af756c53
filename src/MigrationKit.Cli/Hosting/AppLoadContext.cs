using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The app's dependency graph inside the tool's own process: what `dotnet exec --depsfile` gives
/// the agent, without starting a second runtime. Assemblies resolve as the host resolves them:
/// the app's <c>.deps.json</c> first (its output folder, then the NuGet package folders; the
/// framework's copy when it is not older), then the app's folders and the tool's folder for our
/// own assemblies. Used when the app needs the runtime this process already runs with the same
/// settings, plus at most other shared frameworks of the same version (ASP.NET Core's, loaded from
/// their installed folder); otherwise the agent runs as a process of its own. Each file loads from
/// its native image when <see cref="NativeImages"/> has one.
/// </summary>
internal sealed class AppLoadContext : AssemblyLoadContext
{
    // Ours, and independent of EF Core: shared with the tool's first pass, so their code is
    // compiled once. A group is shared only when the app's graph holds none of it: the app's
    // copy wins, as in the agent process, and then its companions must bind to that copy.
    private static readonly string[][] SharedGroups =
        [["McMaster.Extensions.CommandLineUtils"], ["MigrationKit.Core"], ["Serilog", "Serilog.Sinks.Console"]];

    private readonly Dictionary<string, string> _managed;
    private readonly Dictionary<string, string> _native;
    private readonly string[] _frameworks;
    private readonly string[] _folders;
    private readonly HashSet<string> _shared;
    private readonly NativeImages? _images;

    private AppLoadContext(
        Dictionary<string, string> managed, Dictionary<string, string> native, string[] frameworks, string[] folders, NativeImages? images)
        : base("MigrationKit app")
    {
        _managed = managed;
        _native = native;
        _frameworks = frameworks;
        _folders = folders;
        _images = images;
        _shared = SharedGroups.Where(group => !group.Any(managed.ContainsKey)).SelectMany(group => group).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The app's graph in this process, or null when only a process of its own reproduces it.</summary>
    public static AppLoadContext? TryCreate(ProjectInfo startup, AppLocation app, string toolDirectory, NativeImages? images)
    {
        var frameworks = new List<string>();
        var reason = RuntimeMismatch(startup.RuntimeConfigFile, frameworks) ?? (File.Exists(startup.DepsFile) ? null : "no .deps.json");
        var managed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var native = new Dictionary<string, string>(StringComparer.Ordinal);
        reason ??= ReadDependencies(startup, frameworks, managed, native);
        if (reason is not null)
        {
            Log.Debug("Running the app in a process of its own: {Reason}", reason);
            return null;
        }

        var folders = new[] { Path.GetDirectoryName(app.StartupAssembly)!, Path.GetDirectoryName(app.RevisionsAssembly)!, toolDirectory }
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return new AppLoadContext(managed, native, frameworks.ToArray(), folders, images);
    }

    /// <summary>Every file this context can load, the way it resolves names: the app's graph first, then the folders.</summary>
    public IEnumerable<string> Files
        => _managed.Where(m => m.Value.Length > 0 && !m.Key.Contains('/')).Select(m => m.Value)
            .Concat(_folders.SelectMany(f => Directory.EnumerateFiles(f, "*.dll")));

    /// <summary>Runs the tool's entry point again, inside this context.</summary>
    public int RunAgent(string[] arguments)
        => (int)Entry.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [arguments])!;

    /// <summary>
    /// Starts, inside this context and on another thread, what autogenerate sets up on first use;
    /// with the app's assembly (one that will not change before the agent runs), through the
    /// provider and options its context configures.
    /// </summary>
    public void PrepareCodeGeneration(string? appAssembly, string? contextName)
        => Entry.GetMethod("PrepareCodeGeneration", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [appAssembly, contextName]);

    private Type Entry => LoadFromAssemblyName(typeof(AppLoadContext).Assembly.GetName()).GetType("Entry", throwOnError: true)!;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name!;
        if (!string.IsNullOrEmpty(assemblyName.CultureName) && assemblyName.CultureName != "neutral")
        {
            return _managed.TryGetValue(assemblyName.CultureName + "/" + name, out var satellite) ? LoadFromAssemblyPath(satellite) : null;
        }

        if (_managed.TryGetValue(name, out var path))
        {
            return path.Length == 0 ? null : LoadFile(path);
        }

        if (_shared.Contains(name))
        {
            // From the context the tool's first pass runs in, with whatever copy it loaded.
            return GetLoadContext(typeof(AppLoadContext).Assembly)!.LoadFromAssemblyName(assemblyName);
        }

        // The app's other shared frameworks (ASP.NET Core) serve what its graph does not list, as
        // the host's list of framework assemblies would; before our folders, whose copies are ours.
        foreach (var framework in _frameworks)
        {
            var candidate = Path.Combine(framework, name + ".dll");
            if (File.Exists(candidate))
            {
                return LoadFile(candidate);
            }
        }

        foreach (var folder in _folders)
        {
            var candidate = Path.Combine(folder, name + ".dll");
            if (File.Exists(candidate))
            {
                return LoadFile(candidate);
            }
        }

        return null;
    }

    private Assembly LoadFile(string path) => _images?.Load(this, path) ?? LoadFromAssemblyPath(path);

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        => _native.TryGetValue(NativeKey(unmanagedDllName), out var path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    /// <summary>
    /// Why the app's runtimeconfig asks for something this process does not have (another major
    /// version, a framework not installed, another setting); null when it matches. The folders of
    /// the shared frameworks it names besides ours (ASP.NET Core's) go to <paramref name="frameworks"/>.
    /// An app without one (a class library) runs with the tool's, as the agent process would.
    /// </summary>
    private static string? RuntimeMismatch(string? runtimeConfigFile, List<string> frameworks)
    {
        if (runtimeConfigFile is null || !File.Exists(runtimeConfigFile))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(runtimeConfigFile));
        var options = json.RootElement.GetProperty("runtimeOptions");
        var requested = new List<JsonElement>();
        if (options.TryGetProperty("framework", out var single))
        {
            requested.Add(single);
        }

        if (options.TryGetProperty("frameworks", out var several))
        {
            requested.AddRange(several.EnumerateArray());
        }

        if (options.TryGetProperty("includedFrameworks", out _))
        {
            return "the app is self-contained";
        }

        foreach (var framework in requested)
        {
            var name = framework.GetProperty("name").GetString();
            var version = Version.TryParse(framework.GetProperty("version").GetString(), out var parsed) ? parsed : null;
            if (version?.Major != Environment.Version.Major)
            {
                return $"the app runs on {name} {version}";
            }

            if (name == "Microsoft.NETCore.App")
            {
                continue;
            }

            if (SharedFramework(name!, version) is not { } folder)
            {
                return $"the app runs on {name} {version}, which this runtime's folder does not have";
            }

            frameworks.Add(folder);
        }

        if (options.TryGetProperty("configProperties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                // The garbage collector's mode (server GC in every ASP.NET Core app) changes how
                // fast a long-running process collects, not what a command does.
                if (property.Name.StartsWith("System.GC.", StringComparison.Ordinal))
                {
                    continue;
                }

                var ours = AppContext.GetData(property.Name)?.ToString();
                var theirs = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                if (!string.Equals(ours, theirs, StringComparison.OrdinalIgnoreCase))
                {
                    return $"the app sets {property.Name}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The installed folder of a shared framework beside ours (`shared/NAME/VERSION` under the
    /// dotnet root) as the host rolls forward by default: the latest patch of the version's minor,
    /// else of the next minor installed. Null when none of that major version is installed.
    /// </summary>
    private static string? SharedFramework(string name, Version version)
    {
        var root = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar))!)!, name);
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.EnumerateDirectories(root)
            .Select(folder => (Folder: folder, Version: Version.TryParse(Path.GetFileName(folder).Split('-')[0], out var v) ? v : null))
            .Where(f => f.Version is not null && f.Version.Major == version.Major && f.Version >= version && !Path.GetFileName(f.Folder).Contains('-'))
            .OrderBy(f => f.Version!.Minor)
            .ThenByDescending(f => f.Version)
            .Select(f => f.Folder)
            .FirstOrDefault();
    }

    /// <summary>
    /// Every runtime asset of the app's graph, by assembly name (satellites by culture/name;
    /// native libraries by name without prefix and extension), for this machine's runtime
    /// identifier. An empty path marks an assembly the framework serves. Returns why it cannot
    /// resolve the graph (an asset it cannot find), or null.
    /// </summary>
    private static string? ReadDependencies(
        ProjectInfo startup, IReadOnlyList<string> frameworks, Dictionary<string, string> managed, Dictionary<string, string> native)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(startup.DepsFile));
        var root = json.RootElement;
        var targetName = root.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        var target = root.GetProperty("targets").GetProperty(targetName);
        var libraries = root.GetProperty("libraries");
        var appDirectory = Path.GetDirectoryName(startup.DepsFile)!;
        var frameworkDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var rids = RuntimeFallbacks();

        foreach (var library in target.EnumerateObject())
        {
            var description = libraries.GetProperty(library.Name);
            var packagePath = description.TryGetProperty("path", out var p) ? p.GetString() : null;
            var isProject = description.GetProperty("type").GetString() == "project";

            // As the host probes: the app's folder (where a build copies packages as
            // runtimes/<rid>/... or flat), then the package folders.
            string? Find(string asset)
            {
                IEnumerable<string> candidates = [Path.Combine(appDirectory, asset)];
                if (!isProject && !asset.StartsWith("runtimes/", StringComparison.Ordinal))
                {
                    candidates = candidates.Append(Path.Combine(appDirectory, Path.GetFileName(asset)));
                }

                if (packagePath is not null)
                {
                    candidates = candidates.Concat(startup.PackageFolders.Select(f => Path.Combine(f, packagePath, asset)));
                }

                return candidates.FirstOrDefault(File.Exists);
            }

            var (runtime, nativeAssets) = Assets(library.Value, rids);
            foreach (var (asset, assemblyVersion) in runtime)
            {
                var name = Path.GetFileNameWithoutExtension(asset);
                var framework = Path.Combine(frameworkDirectory, name + ".dll");
                if (File.Exists(framework) && (assemblyVersion is null || AssemblyName.GetAssemblyName(framework).Version >= assemblyVersion))
                {
                    // The host keeps the higher version of the two; the framework's here.
                    managed[name] = "";
                    continue;
                }

                if (frameworks.Select(f => Path.Combine(f, name + ".dll")).FirstOrDefault(File.Exists) is { } other
                    && (assemblyVersion is null || AssemblyName.GetAssemblyName(other).Version >= assemblyVersion))
                {
                    // Another shared framework's copy (ASP.NET Core's Microsoft.Extensions.*), loaded here.
                    managed[name] = other;
                    continue;
                }

                managed[name] = Find(asset) ?? "";
                if (managed[name].Length == 0)
                {
                    return $"{asset} of {library.Name} was not found";
                }
            }

            foreach (var asset in nativeAssets)
            {
                var path = Find(asset);
                if (path is null)
                {
                    return $"{asset} of {library.Name} was not found";
                }

                native[NativeKey(Path.GetFileName(asset))] = path;
            }

            if (library.Value.TryGetProperty("resources", out var resources))
            {
                foreach (var resource in resources.EnumerateObject())
                {
                    if (Find(resource.Name) is { } path && resource.Value.TryGetProperty("locale", out var locale))
                    {
                        managed[locale.GetString() + "/" + Path.GetFileNameWithoutExtension(resource.Name)] = path;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>A library's managed and native assets for the most specific runtime identifier it has them for.</summary>
    private static (List<(string Asset, Version? AssemblyVersion)> Runtime, List<string> Native) Assets(JsonElement library, string[] rids)
    {
        var runtime = new List<(string, Version?)>();
        var native = new List<string>();
        if (library.TryGetProperty("runtime", out var plain))
        {
            runtime.AddRange(plain.EnumerateObject().Select(a => (a.Name, AssemblyVersion(a.Value))));
        }

        if (library.TryGetProperty("native", out var plainNative))
        {
            native.AddRange(plainNative.EnumerateObject().Select(a => a.Name));
        }

        if (library.TryGetProperty("runtimeTargets", out var targets))
        {
            var all = targets.EnumerateObject()
                .Select(t => (t.Name, Rid: t.Value.GetProperty("rid").GetString(), Type: t.Value.GetProperty("assetType").GetString(), t.Value))
                .ToList();
            foreach (var type in new[] { "runtime", "native" })
            {
                var best = rids.FirstOrDefault(rid => all.Any(t => t.Type == type && t.Rid == rid));
                if (best is null)
                {
                    continue;
                }

                var chosen = all.Where(t => t.Type == type && t.Rid == best).ToList();
                if (type == "runtime")
                {
                    // RID-specific assemblies replace the portable ones of the same name.
                    runtime.RemoveAll(r => chosen.Any(c => Path.GetFileName(c.Name) == Path.GetFileName(r.Item1)));
                    runtime.AddRange(chosen.Select(c => (c.Name, AssemblyVersion(c.Value))));
                }
                else
                {
                    native.AddRange(chosen.Select(c => c.Name));
                }
            }
        }

        return (runtime, native);
    }

    private static Version? AssemblyVersion(JsonElement asset)
        => asset.ValueKind == JsonValueKind.Object && asset.TryGetProperty("assemblyVersion", out var v) && Version.TryParse(v.GetString(), out var version)
            ? version
            : null;

    /// <summary>This machine's runtime identifier, then the more general ones it falls back to.</summary>
    private static string[] RuntimeFallbacks()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var fallbacks = new List<string> { rid };
        for (var dash = rid.LastIndexOf('-'); dash > 0; dash = rid.LastIndexOf('-', dash - 1))
        {
            fallbacks.Add(rid[..dash]);
        }

        if (!OperatingSystem.IsWindows())
        {
            fallbacks.Add("unix");
        }

        fallbacks.Add("any");
        return fallbacks.Distinct().ToArray();
    }

    /// <summary>`libe_sqlite3.so`, `e_sqlite3.dll` and a DllImport of `e_sqlite3` all name one library.</summary>
    private static string NativeKey(string name)
    {
        var file = Path.GetFileName(name);
        foreach (var extension in (string[])[".dll", ".so", ".dylib"])
        {
            if (file.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                file = file[..^extension.Length];
                break;
            }
        }

        return file.StartsWith("lib", StringComparison.Ordinal) ? file[3..] : file;
    }
}
