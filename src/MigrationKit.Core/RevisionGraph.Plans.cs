using System.Collections.Immutable;

namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>
    /// The steps that bring the database from <paramref name="currentHeads"/> to <paramref name="target"/>:
    /// the target(s) and every ancestor and dependency not applied yet, parents first. Heads unrelated to the
    /// target stay. Nothing to do (the target is already applied, or is <c>base</c>) is an empty plan.
    /// </summary>
    /// <param name="target">
    /// <c>head</c>, <c>heads</c>, <c>base</c>, an id, prefix or label, <c>+N</c>, <c>REV+N</c>, <c>REV-N</c>,
    /// <c>branch@head</c>, <c>branch@heads</c>, <c>branch@+N</c>, <c>branch@REV</c>, <c>REV@head</c>.
    /// </param>
    public MigrationPlan PlanUpgrade(IReadOnlyCollection<string> currentHeads, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var rows = Rows(currentHeads);
        RequireNoOverlap(rows);
        var targets = UpgradeTargets(rows, target, noOverwalk: true);

        var required = Closure(targets, Direction.Down, withDependencies: true);
        var applied = Closure(rows, Direction.Down, withDependencies: true);
        var state = ImmutableSortedSet.CreateRange(rows);
        var first = new VersionRows(state, _revisions);
        var before = first;
        var steps = new List<MigrationStep>();
        for (var i = 0; i < _revisions.Length; i++)
        {
            if (!required[i] || applied[i])
            {
                continue;
            }

            // Alembic's version table: the revision replaces the rows of its parents and dependencies (an UPDATE,
            // or at a merge a DELETE of all but one); if none of them is a row, it is INSERTed as a new branch.
            // Its parents and dependencies are applied already, so no other row can be below it.
            foreach (var below in _down[i])
            {
                state = state.Remove(below);
            }

            state = state.Add(i);
            var after = new VersionRows(state, _revisions);
            steps.Add(new MigrationStep(_revisions[i], MigrationDirection.Upgrade, before, after));
            before = after;
        }

        return new MigrationPlan(steps.AsReadOnly(), first, before);
    }

    /// <summary>
    /// The steps that take the database from <paramref name="currentHeads"/> down to <paramref name="target"/>:
    /// every applied revision that descends from the target's children (for <c>base</c>, everything), children
    /// first. Downgrading to a current head does nothing.
    /// </summary>
    /// <param name="target">
    /// <c>base</c>, an id, prefix or label, <c>-N</c>, <c>REV-N</c>, <c>REV+N</c>, <c>branch@-N</c>,
    /// <c>branch@base</c>, <c>branch@REV</c>.
    /// </param>
    public MigrationPlan PlanDowngrade(IReadOnlyCollection<string> currentHeads, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var rows = Rows(currentHeads);
        var (destination, branch) = DowngradeTarget(rows, target);

        var roots = destination == BasePosition ? _bases : _children[destination];
        if (branch is int onBranch && roots.Length > 1)
        {
            // As in Alembic: with a branch named, only the children on the way to that branch are undone.
            roots = Where(roots, Closure([onBranch], Direction.Down, withDependencies: false));
            if (roots.Length == 0)
            {
                throw NotAValidDowngradeTarget(target, rows);
            }
        }

        var applied = Closure(rows, Direction.Down, withDependencies: true);
        var drop = Closure(roots, Direction.Up, withDependencies: true);
        var order = new List<int>();
        for (var i = _revisions.Length - 1; i >= 0; i--)
        {
            if (drop[i] && applied[i])
            {
                order.Add(i);
            }
        }

        if (destination != BasePosition && order.Count == 0 && Array.BinarySearch(rows, destination) < 0)
        {
            throw NotAValidDowngradeTarget(target, rows);
        }

        // How many applied revisions sit directly on each revision: when that drops to zero, the revision is a
        // head again and gets its row back (at a merge point, several parents do: Alembic's "unmerge").
        var appliedAbove = new int[_revisions.Length];
        for (var i = 0; i < applied.Length; i++)
        {
            if (applied[i])
            {
                foreach (var below in _down[i])
                {
                    appliedAbove[below]++;
                }
            }
        }

        var state = ImmutableSortedSet.CreateRange(rows);
        var first = new VersionRows(state, _revisions);
        var before = first;
        var steps = new List<MigrationStep>(order.Count);
        foreach (var i in order)
        {
            state = state.Remove(i);
            foreach (var below in _down[i])
            {
                if (--appliedAbove[below] == 0)
                {
                    state = state.Add(below);
                }
            }

            var after = new VersionRows(state, _revisions);
            steps.Add(new MigrationStep(_revisions[i], MigrationDirection.Downgrade, before, after));
            before = after;
        }

        return new MigrationPlan(steps.AsReadOnly(), first, before);
    }

    /// <summary>
    /// Alembic's <c>_parse_upgrade_target</c>: the revisions an upgrade target names, relative ones counted
    /// from <paramref name="rows"/>. Without <paramref name="noOverwalk"/> a walk stops at the end of the graph
    /// instead of failing (what <c>history</c> wants).
    /// </summary>
    private int[] UpgradeTargets(int[] rows, string text, bool noOverwalk)
    {
        var spec = TargetSpec.Parse(text);
        if (spec.Relative is not int steps)
        {
            return ResolveAbsolute(spec, HeadUse.Target);
        }

        var lineage = spec.Branch is null ? null : Lineage(ResolveBranch(spec.Branch));
        int start;
        if (steps > 0 && spec.Symbol.Length == 0)
        {
            // "+N" / "branch@+N": from the current head (on that branch).
            var starts = rows;
            if (lineage is not null)
            {
                starts = Where(rows, lineage);
                if (starts.Length == 0 && rows.Length > 0)
                {
                    // None of the branch is a current head: start from where its applied part ends.
                    var onBranch = Closure(rows, Direction.Down, withDependencies: true);
                    for (var i = 0; i < onBranch.Length; i++)
                    {
                        onBranch[i] &= lineage[i];
                    }

                    starts = Tips(onBranch, onBranch, _down);
                }
            }

            if (starts.Length > 1)
            {
                throw new MigrationKitException(
                    $"Ambiguous upgrade from multiple current revisions ({Errors.List(IdsAt(starts))})",
                    $"Name where to start from: '<revision>{text}' or '<branchname>@{text}', for example '{_revisions[starts[0]].Id}{text}'.");
            }

            start = starts.Length == 0 ? BasePosition : starts[0];
        }
        else if (steps > 0)
        {
            // "REV+N": Alembic resolves REV by itself and uses the branch only to choose the way up.
            start = ResolveSingle(text, spec with { Branch = null, Relative = null });
        }
        else if (spec.Symbol.Length == 0)
        {
            throw Errors.DidNotProduce(text, steps, "An upgrade cannot go back; use downgrade for that.");
        }
        else
        {
            start = ResolveSingle(text, spec with { Relative = null });
        }

        var destination = Walk(start, steps, steps > 0 ? lineage : null, text, noOverwalk);
        return destination switch
        {
            Overwalked => throw Errors.DidNotProduce(text, steps),
            BasePosition => [],
            _ => [destination],
        };
    }

    /// <summary>
    /// Alembic's <c>_parse_downgrade_target</c>: the revision to stop at (or base), and the branch that chooses
    /// which of its children are undone.
    /// </summary>
    private (int Destination, int? Branch) DowngradeTarget(int[] rows, string text)
    {
        var spec = TargetSpec.Parse(text);
        int? branch = spec.Branch is null ? null : ResolveBranch(spec.Branch);
        if (spec.Relative is not int steps)
        {
            return (ResolveSingle(text, spec), branch);
        }

        int start;
        if (steps >= 0)
        {
            if (spec.Symbol.Length == 0)
            {
                throw Errors.DidNotProduce(text, steps, "A downgrade cannot go forward; use upgrade for that.");
            }

            start = ResolveSingle(text, spec with { Branch = null, Relative = null });
        }
        else if (spec.Symbol.Length > 0)
        {
            start = ResolveSingle(text, spec with { Relative = null });
        }
        else if (branch is int onBranch)
        {
            // "branch@-N": from the current head on that branch, or from where its applied part ends.
            var lineage = Lineage(onBranch);
            var starts = Where(rows, lineage);
            if (starts.Length == 0)
            {
                var applied = Closure(rows, Direction.Down, withDependencies: true);
                var appliedOnBranch = (bool[])applied.Clone();
                for (var i = 0; i < appliedOnBranch.Length; i++)
                {
                    appliedOnBranch[i] &= lineage[i];
                }

                starts = Tips(appliedOnBranch, applied, _parents);
            }

            if (starts.Length == 0)
            {
                throw Errors.DidNotProduce(text, steps);
            }

            if (starts.Length > 1)
            {
                throw new MigrationKitException(
                    $"Relative revision {text} is ambiguous: several current heads are on branch '{spec.Branch}' ({Errors.List(IdsAt(starts))})",
                    $"Name the revision to step down from, for example '{_revisions[starts[0]].Id}{text[(text.IndexOf('@', StringComparison.Ordinal) + 1)..]}'.");
            }

            start = starts[0];
        }
        else
        {
            if (rows.Length == 0)
            {
                throw Errors.DidNotProduce(text, steps);
            }

            // Alembic picks whichever row the database returns first and only warns; the result would depend
            // on row order, so several heads are refused here.
            if (rows.Length > 1)
            {
                throw new MigrationKitException(
                    $"Relative revision {text} is ambiguous: the database has several current heads ({Errors.List(IdsAt(rows))})",
                    $"Name the head to step down from, for example '{_revisions[rows[0]].Id}@{text}', or name the target revision.");
            }

            start = rows[0];

            // As Alembic does, the current head acts as the branch: only its own line is undone.
            branch = start;
        }

        var destination = Walk(start, steps, steps > 0 && branch is int up ? Lineage(up) : null, text, noOverwalk: true);
        return destination == Overwalked ? throw Errors.DidNotProduce(text, steps) : (destination, branch);
    }

    /// <summary>Members of <paramref name="set"/> that no member of <paramref name="blockers"/> stands on.</summary>
    private static int[] Tips(bool[] set, bool[] blockers, int[][] down)
    {
        var covered = new bool[set.Length];
        for (var i = 0; i < set.Length; i++)
        {
            if (blockers[i])
            {
                foreach (var below in down[i])
                {
                    covered[below] = true;
                }
            }
        }

        var tips = new List<int>();
        for (var i = 0; i < set.Length; i++)
        {
            if (set[i] && !covered[i])
            {
                tips.Add(i);
            }
        }

        return [.. tips];
    }

    /// <summary>
    /// Alembic refuses to upgrade from a version table where one row is an ancestor of another: the table
    /// and the graph disagree, and the rows its UPDATEs expect are not there.
    /// </summary>
    private void RequireNoOverlap(int[] rows)
    {
        if (rows.Length < 2)
        {
            return;
        }

        var strictlyBelow = Closure(rows.SelectMany(row => _down[row]), Direction.Down, withDependencies: true);
        foreach (var row in rows)
        {
            if (strictlyBelow[row])
            {
                var above = Closure([row], Direction.Up, withDependencies: true);
                var over = rows.First(other => other != row && above[other]);
                throw new MigrationKitException(
                    $"Current revision {_revisions[row].Id} overlaps with current revision {_revisions[over].Id}: the version table names a revision together with its descendant",
                    $"Rewrite the version table, for example 'stamp --purge {_revisions[over].Id}'.");
            }
        }
    }

    private MigrationKitException NotAValidDowngradeTarget(string target, int[] rows) =>
        new($"Destination {target} is not a valid downgrade target from current head(s)",
            rows.Length == 0
                ? "Nothing is applied."
                : $"The current heads are {Errors.List(IdsAt(rows))}; the target must be one of them or one of their ancestors.");
}
