using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// A project the built project references (directly or not), as the tool's last MSBuild build
/// left it: its files, its C# compiler call and the projects it references in turn. While only C#
/// sources changed in such projects, the tool compiles them directly too (<see cref="Plan"/>),
/// dependencies first, then the project itself; anything else goes to MSBuild.
/// </summary>
/// <param name="Stamp">Its project and Directory.Build files' paths and times at that build.</param>
/// <param name="ReferenceAssembly">Where MSBuild keeps the reference assembly that projects referencing it compile against.</param>
/// <param name="References">The project files it references.</param>
internal sealed record ReferencedBuild(string Stamp, ProjectInfo Info, string? ReferenceAssembly, BuildInputs Build, CompilerCall? Compiler, IReadOnlyList<string> References)
{
    /// <summary>
    /// Imported into every project of an MSBuild build (CustomAfterMicrosoftCommonTargets, a global
    /// property, so project references get it too): after CoreCompile, each project writes what the
    /// tool needs to compile it alone, its compiler's arguments when it ran the compiler (asked for
    /// by ProvideCommandLineArgs, which flows to project references as well).
    /// </summary>
    private const string RecordingTargets = """
        <Project>
          <Target Name="MigrateKitRecordCompilerCall" AfterTargets="CoreCompile" Condition="'$(MigrateKitCompilerCalls)' != ''">
            <WriteLinesToFile File="$(MigrateKitCompilerCalls)/$(MSBuildProjectName).$(TargetFramework).$([MSBuild]::StableStringHash($(MSBuildProjectFullPath))).txt" Overwrite="true"
              Lines="project=$(MSBuildProjectFullPath);target=$(TargetPath);refpath=$(TargetRefPath);roslyn=$(RoslynTargetsPath);shared=$(UseSharedCompilation);defaultcompile=$(EnableDefaultCompileItems);@(ProjectReference->'reference=%(FullPath)');@(CscCommandLineArgs->'arg=%(Identity)')" />
          </Target>
        </Project>
        """;

    private const string CallsFolderName = "migratekit-compiler-calls";

    /// <summary>
    /// The MSBuild arguments that make each project of the build record its compiler call in
    /// <paramref name="objFolder"/> (the built project's obj/), emptied first. None when the project
    /// sets CustomAfterMicrosoftCommonTargets itself: ours, global, would replace it.
    /// </summary>
    public static IEnumerable<string> RecordingArguments(ProjectInfo? known, string projectFile, string objFolder)
    {
        var projectTexts = ProjectInfo.ProjectFilesOf(projectFile).Select(File.ReadAllText);
        if (known is { HasProjectReferences: false } || projectTexts.Any(t => t.Contains("CustomAfterMicrosoftCommonTargets", StringComparison.Ordinal)))
        {
            return [];
        }

        var calls = Path.Combine(objFolder, CallsFolderName);
        if (Directory.Exists(calls))
        {
            Directory.Delete(calls, recursive: true);
        }

        Directory.CreateDirectory(calls);
        var targets = Path.Combine(objFolder, "migratekit-record-compiler-calls.targets");
        if (!File.Exists(targets) || File.ReadAllText(targets) != RecordingTargets)
        {
            File.WriteAllText(targets, RecordingTargets);
        }

        return ["-property:CustomAfterMicrosoftCommonTargets=" + targets, "-property:MigrateKitCompilerCalls=" + calls];
    }

    /// <summary>
    /// Every project the built one references, directly or not, as the build that just ended left
    /// them; null when the build did not record each of them once (then MSBuild builds every time).
    /// </summary>
    /// <param name="previous">The records of the build before, whose compiler call still serves a project the build found up to date.</param>
    public static IReadOnlyList<ReferencedBuild>? Read(ProjectInfo built, string objFolder, DateTime startedUtc, DateTime finishedUtc, IReadOnlyList<ReferencedBuild>? previous)
    {
        var calls = Path.Combine(objFolder, CallsFolderName);
        if (!built.HasProjectReferences || !Directory.Exists(calls))
        {
            return null;
        }

        var recorded = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(calls, "*.txt"))
        {
            var lines = File.ReadAllLines(file);
            var project = Value(lines, "project");
            if (project is null || !recorded.TryAdd(project, [.. lines]))
            {
                Log.Debug("{Project} was compiled more than once (several target frameworks): building it with MSBuild every time", project);
                return null;
            }
        }

        if (!recorded.TryGetValue(built.ProjectFile, out var own))
        {
            return null;
        }

        var result = new List<ReferencedBuild>();
        var pending = new Queue<string>(Values(own, "reference"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var projectFile))
        {
            if (!seen.Add(projectFile))
            {
                continue;
            }

            if (!recorded.TryGetValue(projectFile, out var lines) || Value(lines, "target") is not { Length: > 0 } target)
            {
                Log.Debug("The build did not record the compiler call of {Project}: building with MSBuild every time", projectFile);
                return null;
            }

            var references = Values(lines, "reference").ToList();
            references.ForEach(pending.Enqueue);
            var info = new ProjectInfo(projectFile, Path.GetDirectoryName(projectFile)!, target, "", null, "", [], references.Count > 0);
            var inputs = BuildInputs.Read(info, startedUtc);
            var stamp = ProjectInfo.InputsStamp(projectFile);
            // As for the project itself: an older call serves only the same project files.
            var before = previous?.FirstOrDefault(p => p.Info.ProjectFile == projectFile && p.Stamp == stamp);
            var call = CompilerCall.Of(Value(lines, "roslyn") ?? "", Value(lines, "shared") ?? "", Value(lines, "defaultcompile") ?? "",
                    Values(lines, "arg").ToList(), info, inputs.Files, finishedUtc)
                ?? before?.Compiler?.After(before.Build.ChangesTo(inputs), info.ProjectDirectory);
            var referenceAssembly = Value(lines, "refpath") is { Length: > 0 } refPath ? Path.GetFullPath(refPath, info.ProjectDirectory) : null;
            result.Add(new ReferencedBuild(stamp, info, referenceAssembly, inputs, call, references));
        }

        return result;
    }

    /// <summary>
    /// What to compile directly, in order, for the C# sources changed in the referenced projects
    /// since their records: those changed and every one that references one of them (a public API
    /// may have changed). Null when MSBuild has to build: a project or Directory.Build file
    /// changed, another build wrote an output, or a change is not one the compiler alone can take.
    /// </summary>
    public static IReadOnlyList<(ReferencedBuild Project, CompilerCall Call)>? Plan(IReadOnlyList<ReferencedBuild> references)
    {
        var folders = Folders(references);
        var changed = new Dictionary<string, ProjectChanges>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (ProjectInfo.InputsStamp(reference.Info.ProjectFile) != reference.Stamp)
            {
                Log.Debug("{Project}'s project files changed: building with MSBuild", reference.Info.ProjectFile);
                return null;
            }

            if (reference.Build.ChangesSince(reference.Info) is not { } changes)
            {
                return null;
            }

            if (!changes.IsEmpty)
            {
                changed[reference.Info.ProjectFile] = changes;
            }
        }

        // Dependencies first: a project is placed once every project it references is.
        var plan = new List<(ReferencedBuild, CompilerCall)>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var recompiled = new HashSet<string>(StringComparer.Ordinal);
        var left = references.ToList();
        while (left.Count > 0)
        {
            var ready = left.Where(r => r.References.All(placed.Contains)).ToList();
            if (ready.Count == 0)
            {
                return null;
            }

            foreach (var reference in ready)
            {
                left.Remove(reference);
                placed.Add(reference.Info.ProjectFile);
                var changes = changed.GetValueOrDefault(reference.Info.ProjectFile);
                if (changes is null && !reference.References.Any(recompiled.Contains))
                {
                    continue;
                }

                if (reference.Compiler?.After(changes ?? new ProjectChanges([], [], []), reference.Info.ProjectDirectory, folders) is not { } call)
                {
                    Log.Debug("{Project} changed in a way the compiler alone cannot take: building with MSBuild", reference.Info.ProjectFile);
                    return null;
                }

                recompiled.Add(reference.Info.ProjectFile);
                plan.Add((reference, call));
            }
        }

        return plan;
    }

    /// <summary>The referenced projects' folders, whose outputs the records vouch for.</summary>
    public static IReadOnlyList<string> Folders(IReadOnlyList<ReferencedBuild>? references)
        => references?.Select(r => r.Info.ProjectDirectory).ToList() ?? [];

    /// <summary>
    /// Compiles the plan's projects in order, each output copied to its own output folder and to
    /// those of the projects that hold a copy (<paramref name="outputFolders"/>: every project's in
    /// the build), and returns the records as they now stand.
    /// </summary>
    public static async Task<IReadOnlyList<ReferencedBuild>> CompileAsync(
        IReadOnlyList<ReferencedBuild> references, IReadOnlyList<(ReferencedBuild Project, CompilerCall Call)> plan,
        IReadOnlyList<string> outputFolders, CancellationToken cancellationToken)
    {
        var updated = references.ToDictionary(r => r.Info.ProjectFile, StringComparer.Ordinal);
        foreach (var (project, call) in plan)
        {
            var started = DateTime.UtcNow;
            var apiChanged = await call.CompileAsync(project.Info, cancellationToken, project.ReferenceAssembly, outputFolders);
            Log.Debug("Compiled {Project} directly ({Api})", project.Info.ProjectFile, apiChanged ? "its public API changed" : "same public API");
            updated[project.Info.ProjectFile] = project with { Build = BuildInputs.Read(project.Info, started), Compiler = call };
        }

        return references.Select(r => updated[r.Info.ProjectFile]).ToList();
    }

    private static string? Value(IEnumerable<string> lines, string key)
        => Values(lines, key).FirstOrDefault();

    private static IEnumerable<string> Values(IEnumerable<string> lines, string key)
        => lines.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]);
}
