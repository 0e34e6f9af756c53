using MigrationKit.Core;
using MigrationKit.Runner.Database;
using MigrationKit.Runner.Sql;

namespace MigrationKit.Runner;

/// <summary>
/// <c>check --applied</c>: what changed in the app since its revisions ran on a database, from
/// the database's history. A revision counts as applied when its last row that ran something
/// (upgrade or downgrade, not stamp) is an upgrade.
/// </summary>
internal static class AppliedChanges
{
    /// <param name="current">The checksum of what an upgrade to a revision of the graph runs now.</param>
    public static AppliedCheck Find(IReadOnlyList<HistoryEntry> history, RevisionGraph graph, Func<string, SqlChecksum> current)
    {
        var last = new Dictionary<string, HistoryEntry>(StringComparer.Ordinal);
        foreach (var entry in history.Where(e => e.Direction != HistoryStep.Stamp).OrderBy(e => e.Id))
        {
            last[entry.Revision] = entry;
        }

        var changes = new List<AppliedChange>();
        // A revision a squash replaced ran as it was written, and no revision of the graph runs its
        // SQL any more (its end's id names the squash): there is nothing to compare it with.
        var applieds = last.Values.Where(e => e.Direction == "upgrade" && !graph.IsReplaced(e.Revision)).OrderBy(e => e.Id).ToList();
        foreach (var applied in applieds)
        {
            if (!graph.Contains(applied.Revision))
            {
                changes.Add(new AppliedChange(applied, AppliedChangeKind.Missing, 0));
                continue;
            }

            var now = current(applied.Revision);
            if (now.Value != applied.Checksum)
            {
                changes.Add(new AppliedChange(applied, AppliedChangeKind.Edited, now.CountDiffering(applied.StatementChecksums)));
            }
        }

        return new AppliedCheck(applieds.Count, changes);
    }
}

/// <param name="Applied">How many revisions the history shows applied (and so were checked).</param>
internal sealed record AppliedCheck(int Applied, IReadOnlyList<AppliedChange> Changes);

internal enum AppliedChangeKind
{
    /// <summary>The revision's SQL differs from what ran.</summary>
    Edited,

    /// <summary>The database ran a revision the app no longer has.</summary>
    Missing,
}

/// <param name="Applied">The history row of the run that applied it.</param>
/// <param name="StatementsDiffering">For an edited revision, how many statements differ from those that ran.</param>
internal sealed record AppliedChange(HistoryEntry Applied, AppliedChangeKind Kind, int StatementsDiffering)
{
    /// <summary>"edited after apply: 3 statements differ", "ran on this database, but the app no longer has it".</summary>
    public string Describe() => Kind == AppliedChangeKind.Missing
        ? "ran on this database, but the app no longer has it"
        : $"edited after apply: {StatementsDiffering} {(StatementsDiffering == 1 ? "statement differs" : "statements differ")}";
}
