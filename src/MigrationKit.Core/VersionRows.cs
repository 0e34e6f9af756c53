using System.Collections.Immutable;

namespace MigrationKit.Core;

/// <summary>
/// The version table's rows at one point of a plan, as graph positions.
/// </summary>
/// <remarks>
/// Consecutive steps share structure (an immutable sorted set changes in O(log rows) per step), and the
/// id lists are only built when asked for: a plan of many steps over many parallel heads stays
/// O(steps · log rows) to build, instead of copying every row list for every step.
/// </remarks>
internal sealed class VersionRows(ImmutableSortedSet<int> positions, IReadOnlyList<RevisionInfo> revisions)
{
    private IReadOnlyList<string>? _ids;

    public ImmutableSortedSet<int> Positions { get; } = positions;

    public IReadOnlyList<string> Ids => _ids ??= Materialize();

    private string[] Materialize()
    {
        var ids = new string[Positions.Count];
        var i = 0;
        foreach (var position in Positions)
        {
            ids[i++] = revisions[position].Id;
        }

        return ids;
    }
}
