using System.Text.Json;
using System.Text.Json.Serialization;
using MigrationKit.Core;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>What MSBuild says about a project: where its assembly and dependency manifest are.</summary>
internal sealed record ProjectInfo(
    string ProjectFile,
    string ProjectDirectory,
    string TargetPath,
    string DepsFile,
    string? RuntimeConfigFile,
    string RootNamespace,
    IReadOnlyList<string> PackageFolders,
    bool HasProjectReferences)
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

    /// <summary>
    /// Asks MSBuild for the project's outputs, building it first when <paramref name="build"/> is
    /// set: one MSBuild process for both, since starting MSBuild costs about a second. Without a
    /// build, the answer of the last run is reused while the project files are unchanged.
    /// With <paramref name="modelOnly"/>, a build that only C# sources need may compile the model
    /// alone (<see cref="ModelBuild"/>), whose assembly is then returned beside the project's.
    /// <paramref name="whileCompiling"/> is called as the compiler starts, when it is called alone
    /// (the project's outputs other than the assembly stay as they are), with whether the
    /// project's assembly stays as it is too (the model is compiled alone). <paramref name="whileChecking"/>
    /// starts reading the last answer's assembly while the project's files are checked (it is the
    /// one returned when nothing needs building); a build waits for that read to end first, as
    /// MSBuild rewrites the file in place, under a reader that maps it.
    /// </summary>
    public static async Task<(ProjectInfo Info, string? ModelAssembly)> ReadAsync(
        string projectFile, string? configuration, string? framework, bool build, bool modelOnly, CancellationToken cancellationToken,
        Action<ProjectInfo, bool>? whileCompiling = null, Func<ProjectInfo, Task>? whileChecking = null)
    {
        var cache = CacheFile(projectFile, configuration, framework);
        var stamp = InputsStamp(projectFile);
        var cached = TryReadCache(cache, stamp);
        if (cached is not null && !build)
        {
            return (cached.Info, null);
        }

        var reading = cached is not null && whileChecking is not null ? whileChecking(cached.Info) : Task.CompletedTask;

        if (cached is { Build: { } ours } && !cached.Info.HasProjectReferences && ours.AfterAnotherBuild(cached.Info) is { } theirs)
        {
            Log.Debug("{Assembly} was written by another build since ours, from the C# files the project has now: taking it as ours", cached.Info.TargetPath);
            cached = cached with { Build = theirs, Compiler = cached.Compiler?.After(ours.ChangesTo(theirs), cached.Info.ProjectDirectory) };
            WriteCache(cache, cached);
        }

        // A project that references others is built by MSBuild unless the last build recorded them all.
        if (cached is { Build: { } lastBuild } && (cached.References is not null || !cached.Info.HasProjectReferences)
            && lastBuild.ChangesSince(cached.Info) is { } changes
            && ReferencedBuild.Plan(cached.References ?? []) is { } plan)
        {
            if (changes.IsEmpty && plan.Count == 0 && !cached.ReferencesCompiledSince)
            {
                Log.Debug("{Project} is up to date; not building", projectFile);
                return (cached.Info, null);
            }

            if (cached.Compiler?.After(changes, cached.Info.ProjectDirectory, ReferencedBuild.Folders(cached.References)) is { } compiler)
            {
                await Ended(reading);
                if (plan.Count > 0)
                {
                    // Recorded before the project itself compiles: a kill or a compile error from
                    // here on leaves a project older than its references, which the next run compiles.
                    var outputFolders = cached.References!.Select(r => Path.GetDirectoryName(r.Info.TargetPath)!)
                        .Append(Path.GetDirectoryName(cached.Info.TargetPath)!).ToList();
                    cached = cached with
                    {
                        References = await ReferencedBuild.CompileAsync(cached.References!, plan, outputFolders, cancellationToken),
                        ReferencesCompiledSince = true,
                    };
                    WriteCache(cache, cached);
                }

                // Not a build: the next one starts from the same changes.
                if (modelOnly && await ModelBuild.TryCompileAsync(cached.Info, compiler, changes, () => whileCompiling?.Invoke(cached.Info, true), cancellationToken) is { } model)
                {
                    return (cached.Info, model);
                }

                whileCompiling?.Invoke(cached.Info, false);
                var compileStarted = DateTime.UtcNow;
                await compiler.CompileAsync(cached.Info, cancellationToken);
                WriteCache(cache, cached with { Build = BuildInputs.Read(cached.Info, compileStarted), Compiler = compiler, ReferencesCompiledSince = false });
                return (cached.Info, null);
            }
        }

        // Files changed while MSBuild runs may have been missed by it: they count as changed after.
        await Ended(reading);
        var started = DateTime.UtcNow;
        var objFolder = Path.GetDirectoryName(cache)!;
        var recording = build ? ReferencedBuild.RecordingArguments(cached?.Info, projectFile, objFolder).ToList() : [];
        var (info, answer) = await QueryAsync(projectFile, configuration, framework, build, recording, cancellationToken);
        if (!build)
        {
            WriteCache(cache, new CacheEntry(stamp, info, null, null));
            return (info, null);
        }

        // The compiler's other inputs (editor configs, references) may be written by this very build:
        // they count as changed only when newer than its end.
        var finished = DateTime.UtcNow;
        var inputs = BuildInputs.Read(info, started);
        // A build that found the assembly up to date (another build made it) ran no compiler: the
        // last call we know still compiles these sources while it fits the files seen now.
        var call = CompilerCall.FromBuild(answer, info, inputs.Files, finished)
            ?? (cached?.Build is { } before ? cached.Compiler?.After(before.ChangesTo(inputs), info.ProjectDirectory) : null);
        var references = recording.Count > 0 ? ReferencedBuild.Read(info, objFolder, started, finished, cached?.References) : null;
        WriteCache(cache, new CacheEntry(stamp, info, inputs, call, references));
        return (info, null);
    }

    /// <summary>Waits for a task whose failure is not ours to report.</summary>
    private static async Task Ended(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e)
        {
            Log.Debug("Reading the last build's assembly early failed: {Reason}", e.Message);
        }
    }

    private static async Task<(ProjectInfo Info, JsonElement Answer)> QueryAsync(
        string projectFile, string? configuration, string? framework, bool build, IEnumerable<string> recording, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "msbuild", projectFile, "-nologo" };
        if (build)
        {
            arguments.AddRange(["-restore", "-target:Build", "-verbosity:quiet"]);
            arguments.AddRange(CompilerCall.MSBuildArguments);
            arguments.AddRange(recording);
        }

        arguments.AddRange(Properties.Select(p => "-getProperty:" + p));
        arguments.Add("-getItem:ProjectReference");
        if (configuration is not null)
        {
            arguments.Add("-property:Configuration=" + configuration);
        }

        if (framework is not null)
        {
            arguments.Add("-property:TargetFramework=" + framework);
        }

        Log.Debug("{Action} {Project}", build ? "Building" : "Reading", projectFile);
        var (exitCode, output) = await ProcessRunner.CaptureAsync(Path.GetDirectoryName(projectFile)!, arguments, cancellationToken);
        if (exitCode != 0)
        {
            Log.Debug("{BuildOutput:l}", output);
            throw build
                ? new MigrationKitException(
                    $"Build failed: {FirstError(output)}",
                    $"Fix the build (`dotnet build {Path.GetFileName(projectFile)}` shows every error), or pass --no-build.")
                : new MigrationKitException(
                    $"Cannot read project '{projectFile}': {FirstError(output)}",
                    "Check that `dotnet build` works for it.");
        }

        var json = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var properties = json.GetProperty("Properties");
        var hasProjectReferences = json.TryGetProperty("Items", out var items)
            && items.TryGetProperty("ProjectReference", out var references)
            && references.GetArrayLength() > 0;
        string Get(string name) => properties.GetProperty(name).GetString() ?? "";

        var targetPath = Get("TargetPath");
        if (targetPath.Length == 0)
        {
            throw new MigrationKitException(
                $"Project '{projectFile}' has no single target framework.", "Pass --framework.");
        }

        var runtimeConfig = Get("ProjectRuntimeConfigFilePath");
        return (new ProjectInfo(
            projectFile,
            Path.GetDirectoryName(projectFile)!,
            targetPath,
            Get("ProjectDepsFilePath"),
            runtimeConfig.Length > 0 ? runtimeConfig : null,
            Get("RootNamespace"),
            Get("NuGetPackageFolders").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            hasProjectReferences), json);
    }

    private static string CacheFile(string projectFile, string? configuration, string? framework)
        => Path.Combine(Path.GetDirectoryName(projectFile)!, "obj",
            $"{Path.GetFileName(projectFile)}.migratekit.{configuration ?? "default"}.{framework ?? "default"}.json");

    /// <summary>What the MSBuild answer depends on: the project file and the Directory.Build files above it.</summary>
    internal static string InputsStamp(string projectFile)
        => string.Join('|', ProjectFilesOf(projectFile).Select(f => $"{f}|{File.GetLastWriteTimeUtc(f).Ticks}"));

    /// <summary>The project file and the Directory.Build/Packages files MSBuild imports from the folders above it.</summary>
    public IEnumerable<string> ProjectFiles() => ProjectFilesOf(ProjectFile);

    internal static IEnumerable<string> ProjectFilesOf(string projectFile)
    {
        yield return projectFile;
        for (var folder = Path.GetDirectoryName(projectFile); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            foreach (var name in (string[])["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props"])
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path))
                {
                    yield return path;
                }
            }
        }
    }

    private static CacheEntry? TryReadCache(string cache, string stamp)
    {
        try
        {
            if (File.Exists(cache)
                && JsonSerializer.Deserialize(File.ReadAllText(cache), ProjectCacheJson.Default.CacheEntry) is { } entry
                && entry.Stamp == stamp
                && File.Exists(entry.Info.TargetPath))
            {
                return entry;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            Log.Debug("Ignoring project cache {Cache}: {Error}", cache, e.Message);
        }

        return null;
    }

    private static void WriteCache(string cache, CacheEntry entry)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            File.WriteAllText(cache, JsonSerializer.Serialize(entry, ProjectCacheJson.Default.CacheEntry));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only obj/ folder costs a second per command.
            Log.Debug("Cannot write project cache {Cache}: {Error}", cache, e.Message);
        }
    }

    /// <param name="Stamp">The project and Directory.Build files' paths and times the answer was given for.</param>
    /// <param name="Info">MSBuild's answer.</param>
    /// <param name="Build">What the last successful build saw, when this tool ran it.</param>
    /// <param name="Compiler">The C# compiler's call of the last MSBuild build that compiled the project, when this tool ran it.</param>
    /// <param name="References">The projects it references, directly or not, as that build (or the tool's direct compiles since) left them.</param>
    /// <param name="ReferencesCompiledSince">A referenced project was compiled since the project's own assembly: it has to be compiled.</param>
    internal sealed record CacheEntry(
        string Stamp, ProjectInfo Info, BuildInputs? Build, CompilerCall? Compiler,
        IReadOnlyList<ReferencedBuild>? References = null, bool ReferencesCompiledSince = false);

    internal static string FirstError(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal))
            ?? output.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)
            ?? "no output";
        return line.Trim();
    }
}

/// <summary>
/// The project cache's JSON, generated at compile time: every command reads the cache, and the
/// reflection-based serializer cost more to set up (about a hundred methods to compile) than the read.
/// </summary>
[JsonSerializable(typeof(ProjectInfo.CacheEntry))]
internal sealed partial class ProjectCacheJson : JsonSerializerContext;
