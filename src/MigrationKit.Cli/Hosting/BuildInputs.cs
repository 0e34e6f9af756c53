using System.IO.Enumeration;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The project's files at the end of a successful build, and the time that build wrote the
/// assembly. The next build is skipped while the same files exist, none changed since, and the
/// assembly is still the one that build wrote: MSBuild would find nothing to do, in seconds.
/// A project's own files only: those of the projects it references have records of their own
/// (<see cref="ReferencedBuild"/>).
/// </summary>
/// <param name="AssemblyWrittenUtc">
/// The assembly's write time after the build. Another build since (`dotnet build`, an IDE) may
/// have compiled files that are gone again, so the files seen now say nothing about that assembly
/// until its symbols are read (<see cref="AfterAnotherBuild"/>).
/// </param>
internal sealed record BuildInputs(DateTime BuiltAtUtc, IReadOnlyList<string> Files, DateTime AssemblyWrittenUtc)
{
    // Files a run writes beside the project without being build inputs (SQLite databases).
    private static readonly string[] NotInputs = [".db", ".db-journal", ".db-wal", ".db-shm", ".sqlite", ".sqlite3", ".migratekit-lock", ".log"];

    public static BuildInputs Read(ProjectInfo info, DateTime startedUtc)
        => new(startedUtc, Enumerate(info.ProjectDirectory).Select(f => f.Path).Order(StringComparer.Ordinal).ToList(), File.GetLastWriteTimeUtc(info.TargetPath));

    /// <summary>The project's files changed, added and deleted since the build; null when that cannot tell whether to build.</summary>
    public ProjectChanges? ChangesSince(ProjectInfo info)
    {
        if (File.GetLastWriteTimeUtc(info.TargetPath) != AssemblyWrittenUtc)
        {
            Serilog.Log.Debug("{Assembly} was written by another build since ours: building with MSBuild", info.TargetPath);
            return null;
        }

        // Run before every command, over every revision file: one pass, no sorting of the (usually
        // unchanged) whole, so a history of thousands of revisions adds milliseconds, not a tenth of a second.
        var before = Files.ToHashSet(StringComparer.Ordinal);
        var modified = new List<string>();
        var added = new List<string>();
        var seen = 0;
        foreach (var (path, writtenUtc) in Enumerate(info.ProjectDirectory))
        {
            if (!before.Contains(path))
            {
                added.Add(path);
                continue;
            }

            seen++;
            if (writtenUtc >= BuiltAtUtc)
            {
                modified.Add(path);
            }
        }

        var removed = seen == before.Count
            ? []
            : before.Except(Enumerate(info.ProjectDirectory).Select(f => f.Path), StringComparer.Ordinal).ToList();
        return new ProjectChanges(
            modified.Order(StringComparer.Ordinal).ToList(), added.Order(StringComparer.Ordinal).ToList(), removed.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// This record moved to a build made since by someone else (`dotnet build`, an IDE) that
    /// compiled exactly the C# files the project has now (its portable symbols list the sources it
    /// read): that build is as good as ours, and the next one need not be MSBuild. Null when the
    /// assembly is still ours, or that cannot be told (no symbols, a source compiled then and gone
    /// now, one here that it did not compile): MSBuild decides.
    /// </summary>
    public BuildInputs? AfterAnotherBuild(ProjectInfo info)
    {
        var written = File.GetLastWriteTimeUtc(info.TargetPath);
        if (written == AssemblyWrittenUtc || PortableSymbols.Documents(info.TargetPath) is not { } documents)
        {
            return null;
        }

        var directory = info.ProjectDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var compiled = documents.Where(d => d.StartsWith(directory, StringComparison.Ordinal) && IsSource(d) && !Skipped(d[directory.Length..])).ToList();
        var sources = Enumerate(info.ProjectDirectory).Select(f => f.Path).Where(IsSource).ToHashSet(StringComparer.Ordinal);
        if (compiled.Count != sources.Count || !compiled.All(sources.Contains))
        {
            return null;
        }

        // What that build saw: the C# files it compiled, and the other files as our build saw
        // them (one added since counts as added, and MSBuild decides then).
        var files = Files.Where(f => !IsSource(f)).Concat(sources).Order(StringComparer.Ordinal).ToList();
        return new BuildInputs(written, files, written);

        static bool IsSource(string path) => path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);

        // In a folder Enumerate does not look into (generated sources live under obj).
        static bool Skipped(string relative)
            => relative.Split(Path.DirectorySeparatorChar)[..^1].Any(folder => NotLookedInto(folder));
    }

    /// <summary>The files added and deleted between this build and a later one.</summary>
    public ProjectChanges ChangesTo(BuildInputs later)
        => new([], later.Files.Except(Files, StringComparer.Ordinal).ToList(), Files.Except(later.Files, StringComparer.Ordinal).ToList());

    private static bool IsInput(ReadOnlySpan<char> fileName)
    {
        foreach (var extension in NotInputs)
        {
            if (fileName.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The project's files (full path, last write), outside bin, obj, node_modules and hidden folders.</summary>
    private static FileSystemEnumerable<(string Path, DateTime WrittenUtc)> Enumerate(string projectDirectory)
        => new(projectDirectory, (ref FileSystemEntry entry) => (entry.ToFullPath(), entry.LastWriteTimeUtc.UtcDateTime),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && IsInput(entry.FileName),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !NotLookedInto(entry.FileName),
        };

    /// <summary>Build outputs, packages and hidden folders: not the project's sources.</summary>
    private static bool NotLookedInto(ReadOnlySpan<char> folder)
        => folder is "bin" or "obj" or "node_modules" || folder.StartsWith('.');
}

/// <summary>The project's files (full paths) that changed, appeared and disappeared since a build.</summary>
internal sealed record ProjectChanges(IReadOnlyList<string> Modified, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public bool IsEmpty => Modified.Count == 0 && Added.Count == 0 && Removed.Count == 0;
}
