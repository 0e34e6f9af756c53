using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// ReadyToRun (ahead-of-time compiled) copies of the IL-only assemblies the agent loads: EF Core,
/// the provider, Microsoft.Extensions.*, the app's own assembly and ours. NuGet ships them as IL
/// only, so without this a command compiles some 6,000 methods just in time, about 70% of
/// `current`'s time. A run notes what it loaded as IL; once it is over, crossgen2 (the SDK's
/// compiler, from NuGet) compiles those files in a process of its own into a per-user cache,
/// keyed by each file's path, size and time, and later runs load the image instead of the file.
/// An image holds the same IL, metadata and identity as its file, so the app still runs on its
/// own EF Core and provider versions; the runtime falls back to the IL wherever the native
/// code does not fit. Any failure leaves the IL file in use.
/// </summary>
internal sealed class NativeImages
{
    /// <summary>`background` (the default): compile after the command, in a process of its own;
    /// `wait`: compile before this process exits (CI images, benchmarks); `off`: never.</summary>
    public const string ModeVariable = "MIGRATEKIT_NATIVE_IMAGES";

    /// <summary>Where the images live; default: the user's cache folder.</summary>
    public const string CacheVariable = "MIGRATEKIT_NATIVE_IMAGE_CACHE";

    /// <summary>Set for the background process: the cache whose pending jobs it compiles.</summary>
    public const string JobVariable = "MIGRATEKIT_NATIVE_IMAGE_JOB";

    // Each image is its own version bubble, as PublishReadyToRun builds them. Cross-module inlining
    // (--opt-cross-module) saved a third of the JIT but broke apps that bring their own copy of an
    // assembly the tool also loads (the sample's Serilog): an interface call inlined against one
    // copy failed with EntryPointNotFoundException once the other copy was the one loaded.
    private static readonly string[] CompilerOptions = ["-O"];

    // A failed restore of the compiler is not retried for a day, so an offline machine does
    // not pay for it after every command.
    private static readonly TimeSpan CompilerRetryDelay = TimeSpan.FromDays(1);

    private readonly string _directory;
    private readonly bool _wait;
    private readonly List<string> _missing = [];

    private NativeImages(string directory, bool wait)
    {
        _directory = directory;
        _wait = wait;
    }

    /// <summary>The cache this process uses, or null when native images are turned off.</summary>
    public static NativeImages? ForThisProcess()
    {
        var mode = Environment.GetEnvironmentVariable(ModeVariable)?.Trim().ToLowerInvariant();
        return mode is "off" or "0" or "false" ? null : new NativeImages(CacheDirectory(), wait: mode == "wait");
    }

    /// <summary>The image of an assembly file when one was compiled, else the file itself (noted for compiling).</summary>
    private string Resolve(string assemblyPath)
    {
        var key = Key(assemblyPath);
        if (key is null)
        {
            return assemblyPath;
        }

        var image = Path.Combine(_directory, key + ".dll");
        if (File.Exists(image))
        {
            return image;
        }

        if (!File.Exists(Path.Combine(_directory, key + ".il")))
        {
            lock (_missing)
            {
                _missing.Add(assemblyPath);
            }
        }

        return assemblyPath;
    }

    /// <summary>
    /// The image for <paramref name="context"/>: a copy of its own (<c>KEY.second.dll</c>, made once,
    /// whole) when another context of this process loaded this image already, as the agent in our
    /// process does with the tool's own assemblies that the first pass loaded too: the runtime
    /// uses an image's native code for its first load only. Asked of the whole process, since each
    /// context has its own copy of this class.
    /// </summary>
    private static string ForContext(AssemblyLoadContext context, string image)
    {
        if (!AppDomain.CurrentDomain.GetAssemblies().Any(a => !a.IsDynamic && a.Location == image && AssemblyLoadContext.GetLoadContext(a) != context))
        {
            return image;
        }

        var second = Path.ChangeExtension(image, ".second.dll");
        if (!File.Exists(second))
        {
            try
            {
                var partial = second + $".{Environment.ProcessId}.tmp";
                File.Copy(image, partial, overwrite: true);
                File.Move(partial, second, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return image;
            }
        }

        return second;
    }

    /// <summary>
    /// Loads an assembly file into <paramref name="context"/>, from its image when there is one. An
    /// image the runtime refuses (damaged on disk, removed meanwhile) is deleted and the file loads instead.
    /// </summary>
    public Assembly Load(AssemblyLoadContext context, string assemblyPath)
    {
        var image = Resolve(assemblyPath);
        if (image == assemblyPath)
        {
            return context.LoadFromAssemblyPath(assemblyPath);
        }

        image = ForContext(context, image);
        try
        {
            return context.LoadFromAssemblyPath(image);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException)
        {
            Log.Debug("Native image {Image} refused ({Reason}); using {File}", image, e.Message, assemblyPath);
            try
            {
                File.Delete(image);
            }
            catch (Exception deleteFailure) when (deleteFailure is IOException or UnauthorizedAccessException)
            {
                // Mapped by another process: the next compile replaces it.
            }

            lock (_missing)
            {
                _missing.Add(assemblyPath);
            }

            return context.LoadFromAssemblyPath(assemblyPath);
        }
    }

    /// <summary>
    /// Compiles what this run loaded as IL: in a process of its own that outlives ours, or before
    /// returning with <c>wait</c>. <paramref name="references"/> are the files the compiler
    /// resolves references against (the graph as this run resolved it).
    /// </summary>
    public void CompileMissing(IEnumerable<string> references, IEnumerable<string> packageFolders)
    {
        List<string> inputs;
        lock (_missing)
        {
            inputs = _missing.Distinct(StringComparer.Ordinal).ToList();
            _missing.Clear();
        }

        if (inputs.Count == 0)
        {
            return;
        }

        try
        {
            var jobs = Directory.CreateDirectory(JobsDirectory).FullName;
            File.WriteAllLines(Path.Combine(jobs, $"{Environment.ProcessId}-{Guid.NewGuid():N}.job"), inputs.Select(i => "in\t" + i)
                .Concat(references.Select(r => "ref\t" + r))
                .Concat(packageFolders.Select(f => "packages\t" + f)));
            if (_wait)
            {
                // The command's logger is closed by now; this line is progress, so standard error.
                Console.Error.WriteLine($"Compiling {inputs.Count} assemblies to native code ({ModeVariable}=wait) ...");
                CompilePending(waitForLock: true);
                return;
            }

            // Detached: its own standard streams, so nothing that reads ours waits for it.
            var info = new ProcessStartInfo(Environment.ProcessPath ?? ProcessRunner.DotnetPath)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.ArgumentList.Add(ToolAssembly);
            info.Environment[JobVariable] = _directory;
            using var process = Process.Start(info);
            Log.Debug("Compiling {Count} assemblies to native code in process {Id}", inputs.Count, process?.Id);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            Log.Debug("Native images not compiled: {Reason}", e.Message);
        }
    }

    /// <summary>The tool's own file, wherever the running copy of its code was loaded from.</summary>
    public static string ToolAssembly => Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry ? entry : typeof(NativeImages).Assembly.Location;

    /// <summary>The background process: compiles every pending job of the cache. Never fails.</summary>
    public static int RunJob(string directory)
    {
        new NativeImages(directory, wait: false).CompilePending(waitForLock: false);
        return 0;
    }

    private string JobsDirectory => Path.Combine(_directory, "jobs");

    /// <summary>
    /// One process at a time per cache compiles the jobs written so far, until none is left. A job
    /// written by a process that found the cache busy waits for the next one.
    /// </summary>
    private void CompilePending(bool waitForLock)
    {
        try
        {
            using var held = Lock(waitForLock);
            if (held is null)
            {
                return;
            }

            for (var jobs = PendingJobs(); jobs.Count > 0; jobs = PendingJobs())
            {
                var lines = jobs.SelectMany(job =>
                {
                    var content = File.ReadAllLines(job);
                    File.Delete(job);
                    return content;
                }).Select(l => l.Split('\t', 2)).Where(l => l.Length == 2).ToList();
                Compile(lines);
            }

            RemoveStaleImages();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Whatever went wrong, the IL files stay in use; the next run notes them again.
            Log.Debug("Native images not compiled: {Reason}", e.Message);
        }
    }

    private List<string> PendingJobs() => Directory.Exists(JobsDirectory) ? Directory.GetFiles(JobsDirectory, "*.job").ToList() : [];

    private void Compile(List<string[]> lines)
    {
        var inputs = lines.Where(l => l[0] == "in").Select(l => l[1]).Distinct(StringComparer.Ordinal).ToList();
        var compiler = FindCompiler(lines.Where(l => l[0] == "packages").Select(l => l[1]).ToList());
        if (compiler is null)
        {
            return;
        }

        var arguments = Path.Combine(_directory, $"references-{Environment.ProcessId}.rsp");
        File.WriteAllLines(arguments, References(lines.Where(l => l[0] == "ref").Select(l => l[1])).Select(r => "-r:" + r).Concat(CompilerOptions));
        try
        {
            foreach (var input in inputs)
            {
                CompileOne(compiler, arguments, input);
            }
        }
        finally
        {
            File.Delete(arguments);
        }
    }

    private void CompileOne(string compiler, string arguments, string input)
    {
        if (Key(input) is not { } key || File.Exists(Path.Combine(_directory, key + ".dll")))
        {
            return;
        }

        var image = Path.Combine(_directory, key + ".dll");
        var partial = image + $".{Environment.ProcessId}.tmp";
        var compiled = !IsNative(input) && Run(compiler, ["@" + arguments, input, "-o:" + partial]) && File.Exists(partial);
        if (compiled)
        {
            File.WriteAllText(Path.Combine(_directory, key + ".source"), input);
            // Whole or not at all: a run that looks now finds either no image or a complete one.
            File.Move(partial, image, overwrite: true);
        }
        else
        {
            // Native already, or the compiler refused it: use the file as it is from now on.
            File.Delete(partial);
            File.WriteAllText(Path.Combine(_directory, key + ".il"), input);
        }
    }

    /// <summary>An image whose file was rebuilt, updated or deleted will never be used again.</summary>
    private void RemoveStaleImages()
    {
        foreach (var marker in Directory.GetFiles(_directory, "*.source").Concat(Directory.GetFiles(_directory, "*.il")))
        {
            var key = Path.GetFileNameWithoutExtension(marker);
            if (Key(File.ReadAllText(marker)) != key)
            {
                File.Delete(Path.Combine(_directory, key + ".dll"));
                File.Delete(Path.Combine(_directory, key + ".second.dll"));
                File.Delete(marker);
            }
        }
    }

    /// <summary>One file per assembly name (the first one listed wins, as it did at run time), plus the framework's others.</summary>
    private static IEnumerable<string> References(IEnumerable<string> listed)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in listed.Concat(Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")))
        {
            if (File.Exists(path) && IsManaged(path))
            {
                byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }

        return byName.Values;
    }

    /// <summary>
    /// crossgen2 for this runtime's major version and machine: from a NuGet package folder, else
    /// restored once the way the SDK restores it for `PublishReadyToRun` (which also picks the version).
    /// </summary>
    private string? FindCompiler(IReadOnlyList<string> packageFolders)
    {
        var folders = packageFolders.Append(DefaultPackageFolder()).Distinct(StringComparer.Ordinal).ToList();
        if (FindInPackages(folders) is { } found)
        {
            return found;
        }

        var failedMarker = Path.Combine(_directory, "crossgen2-restore.failed");
        if (File.Exists(failedMarker) && DateTime.UtcNow - File.GetLastWriteTimeUtc(failedMarker) < CompilerRetryDelay)
        {
            return null;
        }

        var project = Directory.CreateDirectory(Path.Combine(_directory, "crossgen2-restore")).FullName;
        File.WriteAllText(Path.Combine(project, "restore.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <RuntimeIdentifier>{RuntimeInformation.RuntimeIdentifier}</RuntimeIdentifier>
                <PublishReadyToRun>true</PublishReadyToRun>
                <SelfContained>false</SelfContained>
              </PropertyGroup>
            </Project>
            """);
        var restored = Run(ProcessRunner.DotnetPath, ["restore", Path.Combine(project, "restore.csproj"), "-nologo", "-verbosity:quiet"]);
        var compiler = restored ? FindInPackages(folders) : null;
        if (compiler is null)
        {
            File.WriteAllText(failedMarker, "");
        }

        return compiler;
    }

    private static string? FindInPackages(IEnumerable<string> packageFolders)
    {
        var package = "microsoft.netcore.app.crossgen2." + RuntimeInformation.RuntimeIdentifier.ToLowerInvariant();
        var executable = OperatingSystem.IsWindows() ? "crossgen2.exe" : "crossgen2";
        return packageFolders
            .Select(folder => Path.Combine(folder, package))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateDirectories)
            .Select(version => (Version: Version.TryParse(Path.GetFileName(version).Split('-')[0], out var v) ? v : null, Path: Path.Combine(version, "tools", executable)))
            .Where(c => c.Version?.Major == Environment.Version.Major && File.Exists(c.Path))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Path)
            .FirstOrDefault();
    }

    private static string DefaultPackageFolder()
        => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Runs a tool quietly at low priority, so the user's next command keeps the CPU.</summary>
    private static bool Run(string executable, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        try
        {
            process.PriorityClass = ProcessPriorityClass.BelowNormal;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It may have exited already, or the system may not allow it: either way it runs.
        }

        process.StandardInput.Close();
        // Both streams drained, so a talkative compiler never blocks on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Task.WaitAll(output, errors);
        return process.ExitCode == 0;
    }

    /// <summary>The cache's compile lock; null when another process holds it and <paramref name="wait"/> is false.</summary>
    private FileStream? Lock(bool wait)
    {
        Directory.CreateDirectory(_directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(_directory, "compile.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (wait && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private static bool IsManaged(string path) => PeFlags(path) is not null;

    /// <summary>Already ReadyToRun (as the framework's own assemblies are): nothing to gain.</summary>
    private static bool IsNative(string path) => PeFlags(path) is true;

    /// <summary>Null for a file that is not a .NET assembly; else whether it carries native code.</summary>
    private static bool? PeFlags(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            var header = reader.PEHeaders.CorHeader;
            return header is null ? null : header.ManagedNativeHeaderDirectory.Size != 0 || (header.Flags & CorFlags.ILOnly) == 0;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Name and a hash of the file's identity (full path, size, last write) and of this runtime's
    /// major version and architecture: a rebuilt or updated file gets a key of its own.
    /// </summary>
    internal static string? Key(string assemblyPath)
    {
        var file = new FileInfo(assemblyPath);
        if (!file.Exists)
        {
            return null;
        }

        var identity = $"{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}|{Environment.Version.Major}|{RuntimeInformation.ProcessArchitecture}";
        // FNV-1a: stable across processes (string.GetHashCode is not) and free of crypto libraries,
        // whose loading alone would cost a run more than it saves.
        var hash = 14695981039346656037UL;
        foreach (var c in identity)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return $"{Path.GetFileNameWithoutExtension(assemblyPath)}-{hash:x16}";
    }

    private static string CacheDirectory()
    {
        if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var root = OperatingSystem.IsWindows()
            ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "migratekit", "native-images", $"net{Environment.Version.Major}-{RuntimeInformation.RuntimeIdentifier}");
    }
}
