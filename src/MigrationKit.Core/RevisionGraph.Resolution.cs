namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    /// <summary>Which command asked for "head", so the several-heads message can say what to do there.</summary>
    private enum HeadUse
    {
        Target,
        Stamp,
        NewRevision,
    }

    /// <summary>
    /// Alembic's <c>get_revisions</c>: the revisions an absolute spec names (none for <c>base</c>), plus its
    /// one relative form, <c>-N</c> or <c>branch@-N</c>: N steps down from each head.
    /// </summary>
    private int[] ResolveMany(string text, HeadUse use)
    {
        var spec = TargetSpec.Parse(text);
        if (spec.Relative is not int steps)
        {
            return ResolveAbsolute(spec, use);
        }

        if (spec.Symbol.Length > 0 || steps >= 0)
        {
            throw Errors.CannotLocate(text);
        }

        var heads = spec.Branch is null ? _realHeads : Where(_heads, Lineage(ResolveBranch(spec.Branch)));
        var found = new SortedSet<int>();
        foreach (var head in heads)
        {
            var position = Walk(head, steps, lineage: null, text, noOverwalk: true);
            // Alembic breaks on a walk that ends at base here (it is not a revision); so does this, cleanly.
            if (position is Overwalked or BasePosition)
            {
                throw Errors.DidNotProduce(text, steps);
            }

            found.Add(position);
        }

        return [.. found];
    }

    private int[] ResolveAbsolute(TargetSpec spec, HeadUse use)
    {
        int? branch = spec.Branch is null ? null : ResolveBranch(spec.Branch);
        switch (spec.Symbol)
        {
            case "heads":
                return branch is int b ? Where(_heads, Lineage(b)) : _realHeads;
            case "head":
                var heads = branch is int onBranch ? Where(_heads, Lineage(onBranch)) : _heads;
                return heads.Length > 1 ? throw MultipleHeads(spec.Text, heads, use) : heads;
            case "base":
                return [];
            default:
                return [Identify(spec.Symbol, spec.Branch, branch)];
        }
    }

    /// <summary>A spec that must name exactly one revision, or base (<see cref="BasePosition"/>).</summary>
    private int ResolveSingle(string text, TargetSpec spec)
    {
        var found = ResolveAbsolute(spec, HeadUse.Target);
        return found.Length switch
        {
            0 => BasePosition,
            1 => found[0],
            _ => throw MultipleHeads(text, found, HeadUse.Target),
        };
    }

    /// <summary>The revision a branch name stands for: the revision that declares the label, or any revision id.</summary>
    private int ResolveBranch(string branch) =>
        _byLabel.TryGetValue(branch, out var position) ? position : Identify(branch, null, null);

    /// <summary>
    /// Alembic's <c>_revision_for_ident</c>: an exact id, an exact label, or a unique prefix; with a branch,
    /// a prefix is narrowed to that branch's lineage and the result must belong to it.
    /// </summary>
    private int Identify(string symbol, string? branchName, int? branch)
    {
        bool[]? lineage = null;
        if (!_byId.TryGetValue(symbol, out var position) && !_byLabel.TryGetValue(symbol, out position))
        {
            var candidates = symbol.Length == 0 ? [] : PrefixEntry.Matches(_prefixes, symbol);
            if (candidates.Length > 1 && branch is int narrowTo)
            {
                lineage = Lineage(narrowTo);
                candidates = Where(candidates, lineage);
            }

            position = candidates.Length switch
            {
                0 => throw _squashes.Refusal(symbol, $"Revision {symbol} lies") ?? Errors.CannotLocate(symbol),
                1 => candidates[0],
                _ => throw Errors.AmbiguousPrefix(symbol, IdsAt(candidates)),
            };
        }

        if (branch is int member && !(lineage ?? Lineage(member))[position])
        {
            throw new MigrationKitException($"Revision {_revisions[position].Id} is not a member of branch '{branchName}'");
        }

        return position;
    }

    private MigrationKitException MultipleHeads(string argument, int[] heads, HeadUse use)
    {
        var ids = Errors.List(IdsAt(heads));
        return use switch
        {
            HeadUse.Stamp => new MigrationKitException(
                $"Multiple heads are present; please specify a single target revision (the heads are {ids})"),
            HeadUse.NewRevision => new MigrationKitException(
                "Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.",
                $"The heads are {ids}: pass one of them as the head, or run 'merge heads' first."),
            _ => new MigrationKitException(
                $"Multiple head revisions are present for given argument '{argument}'; please specify a specific target revision, " +
                (argument.Contains('@', StringComparison.Ordinal) ? "" : $"'<branchname>@{argument}' to narrow to a specific head, ") +
                $"or 'heads' for all heads (the heads are {ids})",
                "'merge heads' joins them into a single head."),
        };
    }

    /// <summary>
    /// Alembic's <c>_walk</c>: |steps| steps up through children (narrowed to a lineage, if given) or down
    /// through parents. Base is one step below a root. A step with several ways to go is an error; falling off
    /// the graph gives <see cref="Overwalked"/>, or stops where it is when <paramref name="noOverwalk"/> is false.
    /// </summary>
    private int Walk(int start, int steps, bool[]? lineage, string spec, bool noOverwalk)
    {
        var current = start;
        for (var i = 0; i < Math.Abs(steps); i++)
        {
            int[] next;
            if (steps > 0)
            {
                next = current == BasePosition ? _bases : _children[current];
                if (lineage is not null)
                {
                    next = Where(next, lineage);
                }
            }
            else if (current == BasePosition)
            {
                next = [];
            }
            else
            {
                next = _parents[current].Length == 0 ? [BasePosition] : _parents[current];
            }

            if (next.Length == 0)
            {
                return noOverwalk ? Overwalked : current;
            }

            if (next.Length > 1)
            {
                throw AmbiguousWalk(spec, current, next, steps > 0);
            }

            current = next[0];
        }

        return current;
    }

    private MigrationKitException AmbiguousWalk(string spec, int at, int[] ways, bool up)
    {
        var ids = Errors.List(IdsAt(ways));
        if (!up)
        {
            return new MigrationKitException(
                $"Relative revision {spec} is ambiguous: {_revisions[at].Id} is a merge point (parents {ids}); name the target revision instead",
                $"For example '{_revisions[ways[0]].Id}'; 'history' shows the graph.");
        }

        var where = at == BasePosition
            ? $"there are several base revisions ({ids})"
            : $"{_revisions[at].Id} is a branch point (children {ids})";
        var narrow = spec.Contains('@', StringComparison.Ordinal) ? "" : $", or narrow the walk with '<branchname>@{spec}'";
        return new MigrationKitException(
            $"Relative revision {spec} is ambiguous: {where}; name the target revision{narrow}",
            "'branches' lists the branch points and 'heads' the heads.");
    }
}
