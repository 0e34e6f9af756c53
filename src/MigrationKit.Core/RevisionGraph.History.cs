namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>
    /// The revisions <c>history -r RANGE</c> lists, newest first (the order <c>alembic history</c> prints).
    /// <paramref name="range"/> is <c>START:END</c>, <c>START:</c> or <c>:END</c> (null: everything). Either end
    /// may be <c>current</c> (the version table's rows), START may be <c>-N</c> (N below the heads) and END
    /// may be relative to START (<c>base:+2</c>). START is included, and must be below END.
    /// </summary>
    public IReadOnlyList<RevisionInfo> History(string? range, IReadOnlyCollection<string> currentHeads)
    {
        ArgumentNullException.ThrowIfNull(currentHeads);
        if (range is null)
        {
            return Revisions.Reverse().ToArray();
        }

        var parts = range.Split(':');
        if (parts.Length != 2)
        {
            throw new MigrationKitException("History range requires [start]:[end], [start]:, or :[end]");
        }

        var (startText, endText) = (parts[0].Trim(), parts[1].Trim());
        var start = startText switch
        {
            "" => [],
            "current" => Rows(currentHeads),
            _ => ResolveMany(startText, HeadUse.Target),
        };

        // An empty version table makes ":current" empty; Alembic lists the whole history there, because it
        // falls back to "heads" when the end is empty.
        var end = endText switch
        {
            "" => _realHeads,
            "current" => Rows(currentHeads),
            _ => UpgradeTargets(start, endText, noOverwalk: false),
        };

        var upToEnd = Closure(end, Direction.Down, withDependencies: true);
        if (start.Any(position => !upToEnd[position]))
        {
            throw new MigrationKitException(
                $"Requested range {startText}:{endText} does not refer to ancestor/descendant revisions along the same branch");
        }

        var result = new List<RevisionInfo>();
        if (start.Length == 0)
        {
            for (var i = _revisions.Length - 1; i >= 0; i--)
            {
                if (upToEnd[i])
                {
                    result.Add(_revisions[i]);
                }
            }

            return result.AsReadOnly();
        }

        // From START up: what descends from it (parent edges, as in Alembic) and is not already below it.
        var belowStart = Closure(start, Direction.Down, withDependencies: true);
        var fromStart = Closure(start, Direction.Up, withDependencies: false);
        foreach (var position in start)
        {
            belowStart[position] = false;
        }

        for (var i = _revisions.Length - 1; i >= 0; i--)
        {
            if (upToEnd[i] && fromStart[i] && !belowStart[i])
            {
                result.Add(_revisions[i]);
            }
        }

        return result.AsReadOnly();
    }
}
