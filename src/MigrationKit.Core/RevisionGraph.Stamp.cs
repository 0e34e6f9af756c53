namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>
    /// The version table's rows after <c>stamp TARGET...</c>, which records revisions as applied without
    /// running them. Each target replaces the rows on its own line (its ancestors and descendants, dependencies
    /// included); rows on unrelated lines stay. <c>base</c> clears every row, <c>branch@base</c> the rows on
    /// that branch's line; <paramref name="purge"/> starts from an empty table, which is the way out when a row
    /// names a revision that no longer exists.
    /// </summary>
    public IReadOnlyList<string> Stamp(IReadOnlyCollection<string> currentHeads, IReadOnlyList<string> targets, bool purge)
    {
        ArgumentNullException.ThrowIfNull(currentHeads);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new MigrationKitException("Stamp needs a target revision ('base' to clear the version table)");
        }

        var rows = purge ? [] : Rows(currentHeads);
        var clearAll = false;
        var lines = new List<int>();
        var stamped = new SortedSet<int>();
        foreach (var text in targets)
        {
            if (text is null)
            {
                throw new ArgumentException("The targets must not contain null.", nameof(targets));
            }

            // Alembic's stamp cannot take relative targets ("-1" fails to resolve there); neither does this one.
            if (TargetSpec.Parse(text).Relative is not null)
            {
                throw Errors.CannotLocate(text);
            }

            var found = ResolveMany(text, HeadUse.Stamp);
            if (found.Length == 0)
            {
                var branch = TargetSpec.Parse(text).Branch;
                if (branch is null)
                {
                    clearAll = true;
                }
                else
                {
                    lines.Add(ResolveBranch(branch));
                }
            }

            foreach (var position in found)
            {
                lines.Add(position);
                stamped.Add(position);
            }
        }

        var below = Closure(lines, Direction.Down, withDependencies: true);
        var above = Closure(lines, Direction.Up, withDependencies: true);
        var result = new SortedSet<int>(stamped);
        if (!clearAll)
        {
            result.UnionWith(rows.Where(row => !below[row] && !above[row]));
        }

        // "stamp a b" with b a descendant of a: a is implied by b, and a row per head is all the table holds.
        var implied = Closure(result.SelectMany(row => _down[row]), Direction.Down, withDependencies: true);
        return IdsAt(result.Where(row => !implied[row]));
    }
}
