using System.Text.Json;
using MigrationKit.Core;
using MigrationKit.Runner.Snapshots;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The C# compiler's command line from the last MSBuild build that compiled the project (the Csc
/// task's arguments, asked for with ProvideCommandLineArgs), to compile it again directly when only
/// C# sources changed since: the compiler alone, without MSBuild's start-up, evaluation, restore and
/// target graph. MSBuild stays the judge of everything else: any other change makes the tool build
/// with MSBuild again (<see cref="ProjectInfo"/>).
/// </summary>
/// <param name="Compiler">The SDK's csc.dll that MSBuild ran.</param>
/// <param name="Shared">Whether MSBuild used the compiler server (UseSharedCompilation), as we then do.</param>
/// <param name="Arguments">The arguments, as the Csc task wrote them into its response file.</param>
/// <param name="CapturedAtUtc">When that build ended: a compiler input written since is not in the arguments' world.</param>
/// <param name="DefaultSources">
/// The project takes its sources from the SDK's default glob only (no Compile item of its own, and
/// the sources MSBuild gave the compiler are exactly the .cs files we see), so a .cs file added or
/// deleted since changes the compiler's source list and nothing else.
/// </param>
/// <param name="EmbedsSnapshots">
/// The project embeds data snapshots (the item <see cref="SnapshotResources"/> adds), so a
/// <c>.model.json</c> written, edited or deleted since (every autogenerate writes one) changes one
/// resource of the compiler's, which it takes as well as a source.
/// </param>
internal sealed record CompilerCall(string Compiler, bool Shared, IReadOnlyList<string> Arguments, DateTime CapturedAtUtc, bool DefaultSources, bool EmbedsSnapshots = false)
{
    /// <summary>What to ask MSBuild for, beside the build, to make a <see cref="CompilerCall"/> of its answer.</summary>
    public static readonly string[] MSBuildArguments =
    [
        "-property:ProvideCommandLineArgs=true", "-getItem:CscCommandLineArgs",
        "-getProperty:RoslynTargetsPath", "-getProperty:UseSharedCompilation", "-getProperty:EnableDefaultCompileItems",
    ];

    // Options whose value is a file the compiler reads: when one changed, MSBuild decides again.
    private static readonly string[] FileOptions =
        ["/reference:", "/analyzer:", "/analyzerconfig:", "/additionalfile:", "/ruleset:", "/keyfile:", "/resource:", "/linkresource:", "/win32res:", "/win32icon:", "/win32manifest:", "/embed:", "/sourcelink:"];

    /// <summary>
    /// The compiler call of a build, or null when the build ran no C# compiler (up to date, or not
    /// C#) or ran one we cannot run the same way.
    /// </summary>
    public static CompilerCall? FromBuild(JsonElement answer, ProjectInfo info, IReadOnlyList<string> projectFiles, DateTime finishedUtc)
    {
        if (!answer.TryGetProperty("Items", out var items)
            || !items.TryGetProperty("CscCommandLineArgs", out var list)
            || list.GetArrayLength() == 0)
        {
            return null;
        }

        var properties = answer.GetProperty("Properties");
        string Get(string name) => properties.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";
        return Of(Get("RoslynTargetsPath"), Get("UseSharedCompilation"), Get("EnableDefaultCompileItems"),
            list.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToList(), info, projectFiles, finishedUtc);
    }

    /// <summary>The compiler call of a build from MSBuild's values (properties as MSBuild spells them), or null as <see cref="FromBuild"/>.</summary>
    public static CompilerCall? Of(
        string roslynTargetsPath, string useSharedCompilation, string enableDefaultCompileItems, IReadOnlyList<string> cscArguments,
        ProjectInfo info, IReadOnlyList<string> projectFiles, DateTime finishedUtc)
    {
        var compiler = Path.Combine(roslynTargetsPath, "bincore", "csc.dll");
        if (cscArguments.Count == 0 || !File.Exists(compiler))
        {
            return null;
        }

        // /noconfig only counts on the command line, where we put it back.
        var arguments = cscArguments.Where(a => a != "/noconfig").ToList();
        var call = new CompilerCall(compiler, !string.Equals(useSharedCompilation, "false", StringComparison.OrdinalIgnoreCase), arguments, finishedUtc, DefaultSources: false);
        var seen = projectFiles.Where(f => f.EndsWith(".cs", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var projectTexts = info.ProjectFiles().Select(File.ReadAllText).ToList();
        var defaultSources = string.Equals(enableDefaultCompileItems, "true", StringComparison.OrdinalIgnoreCase)
            && !projectTexts.Any(t => t.Contains("<Compile", StringComparison.Ordinal))
            && call.Sources(info.ProjectDirectory).Where(s => IsUnder(s, info.ProjectDirectory) && !IsBuildOutput(s, info.ProjectDirectory)).ToHashSet(StringComparer.Ordinal).SetEquals(seen);
        var embedsSnapshots = projectTexts.Any(t => t.Contains(DataSnapshots.ResourcePrefix, StringComparison.Ordinal));
        return call with { DefaultSources = defaultSources, EmbedsSnapshots = embedsSnapshots };
    }

    /// <summary>
    /// The call that compiles the project's sources after the changes given, or null when one of
    /// them is not a C# source the compiler already reads (or a source added or deleted under a
    /// project that chooses its own), or when another input of the compiler changed.
    /// </summary>
    /// <param name="referencedProjects">
    /// The folders of referenced projects whose outputs the tool vouches for (<see cref="ReferencedBuild"/>):
    /// a reference under one of them may be newer than this call, since the tool compiled it since.
    /// </param>
    public CompilerCall? After(ProjectChanges changes, string projectDirectory, IReadOnlyList<string>? referencedProjects = null)
    {
        var sources = Sources(projectDirectory).ToHashSet(StringComparer.Ordinal);
        var (snapshotsAdded, added) = Split(changes.Added);
        var (snapshotsRemoved, removed) = Split(changes.Removed);
        if (!changes.Modified.All(f => sources.Contains(f) || IsSnapshot(f))
            || ((added.Count > 0 || removed.Count > 0)
                && !(DefaultSources && added.Concat(removed).All(f => f.EndsWith(".cs", StringComparison.Ordinal))))
            || !InputsUnchanged(projectDirectory, referencedProjects ?? []))
        {
            return null;
        }

        if (changes.Added.Count == 0 && changes.Removed.Count == 0)
        {
            return this;
        }

        var arguments = Without(removed.ToHashSet(StringComparer.Ordinal), projectDirectory)
            .Where(a => SnapshotResource(a, projectDirectory) is not { } file || !snapshotsRemoved.Contains(file))
            .Concat(added.Select(f => Quoted(Path.GetRelativePath(projectDirectory, f))))
            .Concat(snapshotsAdded.Select(f =>
                $"/resource:{Quoted(Path.GetRelativePath(projectDirectory, f))},{DataSnapshots.ResourcePrefix}{Path.GetFileName(f)}"))
            .ToList();
        return this with { Arguments = arguments };

        // A data snapshot the project embeds (outside bin/ and obj/, as the item's Exclude says).
        bool IsSnapshot(string file) => EmbedsSnapshots && file.EndsWith(DataSnapshots.FileSuffix, StringComparison.Ordinal)
            && IsUnder(file, projectDirectory) && !IsBuildOutput(file, projectDirectory);

        (List<string> Snapshots, List<string> Others) Split(IReadOnlyList<string> files)
            => (files.Where(IsSnapshot).ToList(), files.Where(f => !IsSnapshot(f)).ToList());
    }

    /// <summary>The file of a <c>/resource:</c> argument that embeds a data snapshot; null for any other argument.</summary>
    private static string? SnapshotResource(string argument, string projectDirectory)
    {
        if (!argument.StartsWith("/resource:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = argument["/resource:".Length..].Split(',');
        return parts.Length > 1 && parts[1].StartsWith(DataSnapshots.ResourcePrefix, StringComparison.Ordinal)
            ? Path.GetFullPath(Unquote(parts[0]), projectDirectory)
            : null;
    }

    /// <summary>
    /// Runs the compiler as MSBuild's CoreCompile would, then copies its outputs where MSBuild's
    /// copy to the output folder puts them.
    /// </summary>
    /// <param name="referenceAssembly">
    /// Where MSBuild copies the reference assembly (<c>/refout:</c>) that projects referencing this
    /// one compile against; copied only when it differs, as MSBuild's CopyRefAssembly does.
    /// </param>
    /// <param name="otherOutputFolders">Output folders of projects that reference this one: where it is, the assembly is replaced too.</param>
    /// <returns>Whether the reference assembly changed (the project's public API).</returns>
    public async Task<bool> CompileAsync(ProjectInfo info, CancellationToken cancellationToken, string? referenceAssembly = null, IEnumerable<string>? otherOutputFolders = null)
    {
        var output = Output(info.ProjectDirectory);
        Log.Debug("Compiling {Project} with {Compiler}: only C# sources changed since MSBuild last built it", info.ProjectFile, Compiler);
        var (exitCode, text) = await RunAsync(info, cancellationToken);
        if (exitCode != 0)
        {
            Log.Debug("{BuildOutput:l}", text);
            throw new MigrationKitException(
                $"Build failed: {ProjectInfo.FirstError(text)}",
                $"Fix the build (`dotnet build {Path.GetFileName(info.ProjectFile)}` shows every error), or pass --no-build.");
        }

        var targetFolder = Path.GetDirectoryName(info.TargetPath)!;
        var pdb = Option("/pdb:") is { } explicitPdb ? Path.GetFullPath(Unquote(explicitPdb), info.ProjectDirectory) : Path.ChangeExtension(output, ".pdb");
        var documentation = Option("/doc:") is { } doc ? Path.GetFullPath(Unquote(doc), info.ProjectDirectory) : null;
        var referenceChanged = false;
        if (referenceAssembly is not null && Option("/refout:") is { } refout
            && Path.GetFullPath(Unquote(refout), info.ProjectDirectory) is var newReference && File.Exists(newReference)
            && (!File.Exists(referenceAssembly) || !File.ReadAllBytes(newReference).AsSpan().SequenceEqual(File.ReadAllBytes(referenceAssembly))))
        {
            Replace(newReference, referenceAssembly);
            referenceChanged = true;
        }

        Replace(output, info.TargetPath);
        foreach (var folder in (otherOutputFolders ?? []).Prepend(targetFolder).Distinct())
        {
            var assemblyCopy = Path.Combine(folder, Path.GetFileName(info.TargetPath));
            if (folder != targetFolder && File.Exists(assemblyCopy))
            {
                Replace(output, assemblyCopy);
            }

            foreach (var file in new[] { pdb, documentation })
            {
                var copy = file is null ? null : Path.Combine(folder, Path.GetFileName(file));
                if (file is not null && File.Exists(file) && File.Exists(copy))
                {
                    Replace(file, copy);
                }
            }
        }

        // MSBuild compiles when an input is newer than this output: dated before every source, it
        // makes MSBuild's next build compile again and report what the skipped analyzers find,
        // instead of taking our output as up to date.
        File.SetLastWriteTimeUtc(output, DateTime.UnixEpoch);
        return referenceChanged;
    }

    /// <summary>
    /// The call that compiles the sources without those left out into <paramref name="assembly"/>,
    /// an assembly only loaded to build the app's model, writing none of the build's own outputs.
    /// </summary>
    /// <param name="leftOutAnalyzers">Analyzer assemblies (file names) not to pass.</param>
    public CompilerCall ForModel(string assembly, IReadOnlySet<string> leftOut, IReadOnlySet<string> leftOutAnalyzers, string projectDirectory)
    {
        // Not written: the reference assembly, documentation, error log, generated sources, and
        // symbols (with what only symbols carry: embedded sources, source link).
        string[] dropped = ["/out:", "/pdb:", "/refout:", "/doc:", "/errorlog:", "/generatedfilesout:", "/debug", "/embed", "/sourcelink:"];
        var arguments = Without(leftOut, projectDirectory)
            .Where(a => !dropped.Any(o => a.StartsWith(o, StringComparison.OrdinalIgnoreCase)))
            .Where(a => !a.StartsWith("/analyzer:", StringComparison.OrdinalIgnoreCase) || !leftOutAnalyzers.Contains(Path.GetFileName(Unquote(a["/analyzer:".Length..]))))
            // The nullable annotations without the nullable analysis: that analysis only warns, and
            // the assembly is the same byte for byte (EF Core reads the annotations), a sixth faster.
            .Select(a => a.ToLowerInvariant() switch
            {
                "/nullable:enable" or "/nullable+" or "/nullable" => "/nullable:annotations",
                "/nullable:warnings" => "/nullable:disable",
                _ => a,
            })
            .Append("/debug-")
            .Append("/out:" + Quoted(assembly))
            .ToList();
        return this with { Arguments = arguments };
    }

    /// <summary>Runs the compiler with these arguments (analyzers skipped, see below); its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(ProjectInfo info, CancellationToken cancellationToken)
    {
        var responseFile = Path.ChangeExtension(Output(info.ProjectDirectory), ".migratekit.rsp");
        await File.WriteAllLinesAsync(responseFile, Arguments, cancellationToken);
        List<string> command = ["exec", Compiler, "/noconfig", "/nologo"];
        if (Shared)
        {
            command.Add("/shared");
        }

        // Diagnostic analyzers cost a fifth of the compile and never change its output (source
        // generators still run); MSBuild's next build runs them (see the end of CompileAsync).
        command.AddRange(["@" + responseFile, "/skipanalyzers+"]);
        return await ProcessRunner.CaptureAsync(info.ProjectDirectory, command, cancellationToken);
    }

    /// <summary>The assembly the compiler writes.</summary>
    public string Output(string projectDirectory)
        => Path.GetFullPath(Unquote(Option("/out:") ?? throw new MigrationKitException("No /out: in the compiler arguments.")), projectDirectory);

    /// <summary>
    /// Puts a file in place whole: a process reading the old one (or mapping it, as a loaded
    /// assembly is) keeps it, and nobody sees half a file.
    /// </summary>
    private static void Replace(string source, string destination)
    {
        var partial = destination + $".{Environment.ProcessId}.tmp";
        File.Copy(source, partial, overwrite: true);
        File.Move(partial, destination, overwrite: true);
    }

    /// <summary>The arguments without the sources given (full paths).</summary>
    private IEnumerable<string> Without(IReadOnlySet<string> sources, string projectDirectory)
        => Arguments.Where(a => IsOption(a) || !sources.Contains(Path.GetFullPath(Unquote(a), projectDirectory)));

    /// <summary>The full paths of the sources the compiler reads.</summary>
    public IEnumerable<string> Sources(string projectDirectory)
        => Arguments.Where(a => !IsOption(a)).Select(a => Path.GetFullPath(Unquote(a), projectDirectory));

    /// <summary>Every file the compiler reads besides the sources exists, unchanged since the build that gave the arguments.</summary>
    private bool InputsUnchanged(string projectDirectory, IReadOnlyList<string> referencedProjects)
    {
        foreach (var argument in Arguments)
        {
            var option = FileOptions.FirstOrDefault(o => argument.StartsWith(o, StringComparison.OrdinalIgnoreCase));
            // A data snapshot is read afresh by every compile, as a source is.
            if (option is null || SnapshotResource(argument, projectDirectory) is not null)
            {
                continue;
            }

            var value = Unquote(argument[option.Length..].Split(',')[0]);
            // /reference:alias=path
            if (option == "/reference:" && value.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals && !File.Exists(value))
            {
                value = Unquote(value[(equals + 1)..]);
            }

            var path = Path.GetFullPath(value, projectDirectory);
            if (option == "/reference:" && referencedProjects.Any(folder => IsUnder(path, folder)) && File.Exists(path))
            {
                continue;
            }

            if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) >= CapturedAtUtc)
            {
                Log.Debug("{Input} changed since the last build: building with MSBuild", path);
                return false;
            }
        }

        return true;
    }

    private string? Option(string name)
        => Arguments.LastOrDefault(a => a.StartsWith(name, StringComparison.OrdinalIgnoreCase))?[name.Length..];

    /// <summary>An option, not a source: on Unix an absolute source path starts with '/' too, but has a second '/' before any ':'.</summary>
    private static bool IsOption(string argument)
    {
        if (argument.StartsWith('-'))
        {
            return true;
        }

        if (!argument.StartsWith('/'))
        {
            return false;
        }

        var name = argument.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? argument[..colon] : argument;
        return name.IndexOf('/', 1) < 0;
    }

    private static bool IsUnder(string path, string directory)
        => path.StartsWith(Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Sources MSBuild writes itself (assembly info, global usings) live in obj/, which the glob leaves out.</summary>
    private static bool IsBuildOutput(string path, string projectDirectory)
        => Path.GetRelativePath(projectDirectory, path).Split(Path.DirectorySeparatorChar)[0] is "obj" or "bin";

    private static string Unquote(string value) => value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static string Quoted(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;
}
