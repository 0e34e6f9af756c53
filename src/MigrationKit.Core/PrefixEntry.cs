namespace MigrationKit.Core;

/// <summary>
/// A revision id or branch label and the revision it names, kept sorted so that a prefix is found by
/// binary search instead of a scan over every revision.
/// </summary>
internal readonly record struct PrefixEntry(string Key, int Position)
{
    public static PrefixEntry[] Index(IReadOnlyList<RevisionInfo> revisions)
    {
        var entries = new List<PrefixEntry>(revisions.Count);
        for (var i = 0; i < revisions.Count; i++)
        {
            entries.Add(new PrefixEntry(revisions[i].Id, i));
            foreach (var label in revisions[i].BranchLabels)
            {
                entries.Add(new PrefixEntry(label, i));
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return [.. entries];
    }

    /// <summary>
    /// The distinct revisions whose id or label starts with <paramref name="prefix"/>, in graph order.
    /// Like Alembic, labels match too (a revision found through its id and its label counts once).
    /// </summary>
    public static int[] Matches(PrefixEntry[] entries, string prefix)
    {
        var low = 0;
        var high = entries.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (string.CompareOrdinal(entries[middle].Key, prefix) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        var matches = new SortedSet<int>();
        for (var i = low; i < entries.Length && entries[i].Key.StartsWith(prefix, StringComparison.Ordinal); i++)
        {
            matches.Add(entries[i].Position);
        }

        return [.. matches];
    }
}
