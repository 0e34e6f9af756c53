namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>
    /// The run <paramref name="from"/>..<paramref name="to"/> that <c>squash</c> replaces by one revision.
    /// Refused in one line: a run that is not linear (a merge in it, or <paramref name="from"/> not below
    /// <paramref name="to"/>), a revision of it other than <paramref name="to"/> that another revision
    /// builds on or depends on from outside the run.
    /// </summary>
    public SquashRun PlanSquash(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var first = Identify(from, null, null);
        var end = Identify(to, null, null);
        var run = new List<int>();
        for (var current = end; ; current = _parents[current][0])
        {
            if (_parents[current].Length > 1)
            {
                throw new MigrationKitException(
                    $"Revision {_revisions[current].Id} in the run {_revisions[first].Id} to {_revisions[end].Id} is a merge point (parents {Errors.List(IdsAt(_parents[current]))}); squash takes a linear run",
                    "Squash the revisions after the merge, or those of one branch before it.");
            }

            run.Add(current);
            if (current == first)
            {
                break;
            }

            if (_parents[current].Length == 0)
            {
                throw new MigrationKitException(
                    $"Revision {_revisions[first].Id} is not below {_revisions[end].Id} through single parents, so they bound no run to squash",
                    "Name the oldest revision of the run first, then the newest; 'history' shows the order.");
            }
        }

        run.Reverse();
        RefuseOutsideUse(run, end, "squash it only up to the revision they build on");
        return Describe(run, IdsAt(_parents[first]));
    }

    /// <summary>
    /// What <c>squash --to-base</c> replaces: <paramref name="revision"/> and everything below it (with its
    /// dependencies), by a new root. Refused when a revision outside builds on or depends on one below it.
    /// </summary>
    public SquashRun PlanSquashToBase(string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        var end = Identify(revision, null, null);
        var below = Closure([end], Direction.Down, withDependencies: true);
        var run = Enumerable.Range(0, _revisions.Length).Where(p => below[p]).ToList();
        RefuseOutsideUse(run, end, "squash to a revision above them, or merge them first");
        // Nothing below the new root stays, so its dependencies all lie inside.
        return Describe(run, []);
    }

    /// <summary>
    /// Whether <paramref name="id"/> names a revision a squash replaced (in the replaced view: a squash
    /// walked as its old revisions). Its history is its squash's now: nothing in the graph runs its SQL.
    /// </summary>
    public bool IsReplaced(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _squashes.IsReplaced(id);
    }

    /// <summary>
    /// The version-table rows that name a revision by another id (the end of a squashed run names its squash;
    /// in the replaced view a squash names the end of its run), each with the id the runner rewrites it to.
    /// </summary>
    public IReadOnlyDictionary<string, string> RowsToRename(IReadOnlyCollection<string> currentHeads)
    {
        ArgumentNullException.ThrowIfNull(currentHeads);
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in currentHeads)
        {
            if (_byId.TryGetValue(row, out var position) && _revisions[position].Id != row)
            {
                renames[row] = _revisions[position].Id;
            }
        }

        return renames;
    }

    /// <summary>Only the run's end may carry on: nothing outside builds on or depends on another of its revisions.</summary>
    private void RefuseOutsideUse(List<int> run, int end, string instead)
    {
        var inRun = new HashSet<int>(run);
        foreach (var member in run.Where(m => m != end))
        {
            if (_up[member].FirstOrDefault(user => !inRun.Contains(user), -1) is var user and >= 0)
            {
                var how = _parents[user].Contains(member) ? "builds on" : "depends on";
                throw new MigrationKitException(
                    $"Revision {_revisions[user].Id} {how} {_revisions[member].Id}, which the squash would replace; only {_revisions[end].Id} may carry on outside it",
                    $"Revisions outside the squash may build only on its last revision: {instead}.");
            }
        }
    }

    private SquashRun Describe(List<int> run, string[] parents)
    {
        var inRun = new HashSet<int>(run);
        var labels = run.SelectMany(p => _revisions[p].BranchLabels).ToList();
        var dependsOn = run.SelectMany(p => _down[p].Skip(_parents[p].Length)).Where(d => !inRun.Contains(d)).Distinct().Order().ToList();
        return new SquashRun(IdsAt(run), parents, labels, IdsAt(dependsOn));
    }
}
