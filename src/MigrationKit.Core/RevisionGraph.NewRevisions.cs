namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>
    /// The parents of a new revision (<c>revision --head HEAD</c>): by default the single head; <c>base</c>
    /// starts a new root. A revision that is not a head needs <paramref name="splice"/>. The new branch labels
    /// are checked first, because Alembic writes the file and only then finds the label taken.
    /// </summary>
    public IReadOnlyList<string> ParentsForNewRevision(string head, bool splice, IReadOnlyList<string> newBranchLabels)
    {
        ArgumentNullException.ThrowIfNull(head);
        ValidateNewBranchLabels(newBranchLabels);
        var parents = ResolveMany(head, HeadUse.NewRevision);
        if (!splice)
        {
            foreach (var parent in parents)
            {
                if (_children[parent].Length > 0)
                {
                    throw new MigrationKitException(
                        $"Revision {_revisions[parent].Id} is not a head revision; please specify --splice to create a new branch from this revision");
                }
            }
        }

        return IdsAt(parents);
    }

    /// <summary>
    /// The parents of a merge revision (<c>merge REV REV...</c> or <c>merge heads</c>): at least two distinct
    /// heads. Heads never descend from one another, so the merge joins separate branches.
    /// </summary>
    public IReadOnlyList<string> ParentsForMerge(IReadOnlyList<string> revisions)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        var parents = new List<int>();
        var seen = new HashSet<int>();
        foreach (var text in revisions)
        {
            if (text is null)
            {
                throw new ArgumentException("The revisions must not contain null.", nameof(revisions));
            }

            // "heads" means what 'heads' lists. Alembic takes the heads that nothing depends on either, so a
            // head that another branch depends on can never be merged there, and the graph keeps two heads.
            var found = text == "heads" ? _heads : ResolveMany(text, HeadUse.Target);
            foreach (var position in found)
            {
                if (!seen.Add(position))
                {
                    throw new MigrationKitException($"Duplicate head revisions specified ({_revisions[position].Id})");
                }

                if (_children[position].Length > 0)
                {
                    throw new MigrationKitException(
                        $"Revision {_revisions[position].Id} is not a head revision; only heads can be merged",
                        $"The heads are {Errors.List(IdsAt(_heads))}.");
                }

                parents.Add(position);
            }
        }

        if (parents.Count < 2)
        {
            throw new MigrationKitException(
                $"Nothing to merge: {string.Join(" ", revisions)} names {(parents.Count == 0 ? "no revision" : $"only {_revisions[parents[0]].Id}")}; a merge needs at least two heads",
                _heads.Length < 2 ? "There is a single head, so there is nothing to merge." : $"The heads are {Errors.List(IdsAt(_heads))}.");
        }

        return IdsAt(parents);
    }

    /// <summary>
    /// The nearest common ancestors of the given revisions (parent edges only): the revisions below all of
    /// them that are not below another such revision. Empty when the revisions share no ancestor (separate
    /// roots); more than one after criss-cross merges. A merge's snapshot is checked against them.
    /// </summary>
    public IReadOnlyList<string> MergeBases(IReadOnlyList<string> revisions)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        bool[]? common = null;
        foreach (var id in revisions)
        {
            var below = Closure([_byId.TryGetValue(id, out var position) ? position : throw Errors.CannotLocate(id)], Direction.Down, withDependencies: false);
            if (common is null)
            {
                common = below;
                continue;
            }

            for (var i = 0; i < common.Length; i++)
            {
                common[i] &= below[i];
            }
        }

        if (common is null)
        {
            return [];
        }

        var bases = new List<int>();
        // Positions are topological, so walking down from the top meets each nearest one before the
        // ancestors it hides; "hidden" flows down one parent edge at a time, so the walk stays one pass
        // however many common ancestors there are.
        var hidden = new bool[common.Length];
        for (var i = common.Length - 1; i >= 0; i--)
        {
            if (common[i] && !hidden[i])
            {
                bases.Add(i);
            }

            if (hidden[i] || common[i])
            {
                foreach (var parent in _parents[i])
                {
                    hidden[parent] = true;
                }
            }
        }

        bases.Reverse();
        return IdsAt(bases);
    }

    /// <summary>
    /// Checks branch labels for a new revision: well formed, given once, and not already a label or a revision id.
    /// </summary>
    public void ValidateNewBranchLabels(IReadOnlyList<string> newBranchLabels)
    {
        ArgumentNullException.ThrowIfNull(newBranchLabels);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in newBranchLabels)
        {
            if (label is null)
            {
                throw new ArgumentException("The branch labels must not contain null.", nameof(newBranchLabels));
            }

            CheckName(label, "branch name", "");
            if (_byLabel.TryGetValue(label, out var owner) || _byId.TryGetValue(label, out owner))
            {
                throw new MigrationKitException(
                    $"Branch name '{label}' already used by revision {Errors.Name(_revisions[owner])}",
                    $"Choose another name, or base the new revision on that branch with '--head {label}@head'.");
            }

            if (!seen.Add(label))
            {
                throw new MigrationKitException($"Branch name '{label}' is given twice");
            }
        }
    }
}
