namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The project's files at the end of a successful build, and the time that build wrote the
/// assembly. The next build is skipped while the same files exist, none changed since, and the
/// assembly is still the one that build wrote: MSBuild would find nothing to do, in seconds.
/// Projects referencing other projects are always built: their inputs are not all here.
/// </summary>
/// <param name="AssemblyWrittenUtc">
/// The assembly's write time after the build. Another build since (`dotnet build`, an IDE) may
/// have compiled files that are gone again, so the files seen now say nothing about that assembly.
/// </param>
internal sealed record BuildInputs(DateTime BuiltAtUtc, IReadOnlyList<string> Files, DateTime AssemblyWrittenUtc)
{
    // Files a run writes beside the project without being build inputs (SQLite databases).
    private static readonly string[] NotInputs = [".db", ".db-journal", ".db-wal", ".db-shm", ".sqlite", ".sqlite3", ".migratekit-lock", ".log"];

    public static BuildInputs Read(ProjectInfo info, DateTime startedUtc)
        => new(startedUtc, Enumerate(info.ProjectDirectory).Select(f => f.FullName).ToList(), File.GetLastWriteTimeUtc(info.TargetPath));

    /// <summary>The project's files changed, added and deleted since the build; null when that cannot tell whether to build.</summary>
    public ProjectChanges? ChangesSince(ProjectInfo info)
    {
        if (info.HasProjectReferences)
        {
            return null;
        }

        if (File.GetLastWriteTimeUtc(info.TargetPath) != AssemblyWrittenUtc)
        {
            Serilog.Log.Debug("{Assembly} was written by another build since ours: building with MSBuild", info.TargetPath);
            return null;
        }

        var before = Files.ToHashSet(StringComparer.Ordinal);
        var now = Enumerate(info.ProjectDirectory).ToList();
        var present = now.Select(f => f.FullName).ToHashSet(StringComparer.Ordinal);
        return new ProjectChanges(
            now.Where(f => before.Contains(f.FullName) && f.LastWriteTimeUtc >= BuiltAtUtc).Select(f => f.FullName).ToList(),
            now.Where(f => !before.Contains(f.FullName)).Select(f => f.FullName).ToList(),
            Files.Where(f => !present.Contains(f)).ToList());
    }

    /// <summary>The files added and deleted between this build and a later one.</summary>
    public ProjectChanges ChangesTo(BuildInputs later)
        => new([], later.Files.Except(Files, StringComparer.Ordinal).ToList(), Files.Except(later.Files, StringComparer.Ordinal).ToList());

    private static IEnumerable<FileInfo> Enumerate(string projectDirectory)
    {
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(projectDirectory)]);
        var files = new List<FileInfo>();
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo folder)
                {
                    if (folder.Name is not ("bin" or "obj" or "node_modules") && !folder.Name.StartsWith('.'))
                    {
                        pending.Push(folder);
                    }
                }
                else if (!NotInputs.Any(e => entry.Name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                {
                    files.Add((FileInfo)entry);
                }
            }
        }

        return files.OrderBy(f => f.FullName, StringComparer.Ordinal);
    }
}

/// <summary>The project's files (full paths) that changed, appeared and disappeared since a build.</summary>
internal sealed record ProjectChanges(IReadOnlyList<string> Modified, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public bool IsEmpty => Modified.Count == 0 && Added.Count == 0 && Removed.Count == 0;
}
