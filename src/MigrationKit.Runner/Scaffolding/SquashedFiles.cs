using System.Text.RegularExpressions;
using MigrationKit.Core;

namespace MigrationKit.Runner.Scaffolding;

/// <summary>
/// Moves the files of the revisions a squash replaced to <c>Squashed/&lt;squash id&gt;/</c> beside the
/// revisions, where the build still compiles them (for <c>upgrade END --replaced</c>) until the user
/// deletes the folder. Each revision's file goes with the files that share its name (a snapshot
/// kept as data beside it).
/// </summary>
public static partial class SquashedFiles
{
    /// <summary>The folder, under the revisions' folder, that holds a squash's old revisions.</summary>
    public static string FolderFor(string revisionsDirectory, string squashId) => Path.Combine(revisionsDirectory, "Squashed", squashId);

    /// <summary>
    /// Moves the file of each revision of <paramref name="ids"/> found under
    /// <paramref name="projectDirectory"/> (bin and obj left out). Returns the ids whose file was not found.
    /// </summary>
    /// <remarks>
    /// Called after the squash is written: the graph leaves replaced revisions out wherever their files
    /// lie, so a failure or kill between two moves leaves a project that builds and runs as it will
    /// once the moves are done.
    /// </remarks>
    public static IReadOnlyList<string> MoveAside(string projectDirectory, string revisionsDirectory, IReadOnlyList<string> ids, string squashId)
    {
        var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(projectDirectory))
        {
            foreach (Match match in RevisionAttribute().Matches(File.ReadAllText(file)))
            {
                if (wanted.Contains(match.Groups["id"].Value))
                {
                    found.TryAdd(match.Groups["id"].Value, file);
                }
            }
        }

        var folder = FolderFor(revisionsDirectory, squashId);
        Directory.CreateDirectory(folder);
        foreach (var file in found.Values.Distinct(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            foreach (var companion in Directory.GetFiles(Path.GetDirectoryName(file)!, stem + ".*"))
            {
                var destination = Path.Combine(folder, Path.GetFileName(companion));
                try
                {
                    File.Move(companion, destination);
                }
                catch (IOException e)
                {
                    throw new MigrationKitException(
                        $"Could not move {companion} to {destination}: {e.Message}",
                        "The squash is written, and the graph ignores the revisions it replaced wherever their files lie: move the rest by hand.", e);
                }
            }
        }

        return ids.Where(id => !found.ContainsKey(id)).ToList();
    }

    private static IEnumerable<string> SourceFiles(string projectDirectory)
        => Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(projectDirectory, path).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    // [Revision("id", ...)] as the writer and people write it: with or without the namespace, the
    // Attribute suffix, or the argument's name.
    [GeneratedRegex("""\[\s*(?:global::)?(?:MigrationKit\.)?Revision(?:Attribute)?\s*\(\s*(?:id\s*:\s*)?"(?<id>[^"]+)"\s*[,)]""")]
    private static partial Regex RevisionAttribute();
}
