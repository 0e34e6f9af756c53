namespace MigrationKit.Core;

/// <summary>
/// What the squashed revisions (<see cref="RevisionInfo.Replaces"/>) do to the graph: which revisions
/// it leaves out, which ids stand for another revision, and which ids lie inside a squashed run.
/// </summary>
/// <remarks>
/// The squashed view (the default) leaves out every replaced revision whether or not its file remains,
/// and the end of each run stands for its squash, so children, depends-on, version rows and typed
/// targets need no rewrite. The replaced view (<c>--replaced</c>) puts the old revisions back where all
/// of them remain, and their squash then stands for the end of the run.
/// </remarks>
internal sealed class Squashes
{
    // An id that names another revision of the graph: the end of a squashed run (or, in the replaced view, a squash).
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    // A replaced id that is not the end of its run, with the squash that replaced it.
    private readonly Dictionary<string, RevisionInfo> _inside = new(StringComparer.Ordinal);
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);

    private Squashes(RevisionInfo[] input, bool walkReplaced)
    {
        var squashes = input.Where(r => r.Replaces.Count > 0).ToList();
        Kept = input;
        if (squashes.Count == 0)
        {
            // The usual graph: nothing more to index.
            return;
        }

        _present.UnionWith(input.Select(r => r.Id));
        var replacedBy = new Dictionary<string, RevisionInfo>(StringComparer.Ordinal);
        var leftOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (var squash in squashes)
        {
            foreach (var id in squash.Replaces)
            {
                if (id == squash.Id)
                {
                    throw new MigrationKitException($"Revision {Errors.Name(squash)} replaces itself");
                }

                if (!replacedBy.TryAdd(id, squash))
                {
                    throw new MigrationKitException(
                        $"Revision {id} is replaced by two squashed revisions ({Errors.Name(replacedBy[id])} and {Errors.Name(squash)})",
                        "Delete the newer squashed revision; a revision belongs to one squash.");
                }
            }

            var end = squash.Replaces[^1];
            if (walkReplaced && OldRevisionsRemain(squash))
            {
                leftOut.Add(squash.Id);
                _aliases[squash.Id] = end;
                continue;
            }

            leftOut.UnionWith(squash.Replaces);
            _aliases[end] = squash.Id;
            foreach (var id in squash.Replaces.Take(squash.Replaces.Count - 1))
            {
                _inside[id] = squash;
            }
        }

        Kept = input.Where(r => !leftOut.Contains(r.Id)).ToArray();
    }

    /// <summary>The revisions the graph is built of.</summary>
    public RevisionInfo[] Kept { get; }

    public static Squashes Of(RevisionInfo[] input, bool walkReplaced) => new(input, walkReplaced);

    /// <summary>Adds each id that stands for a kept revision to the index of ids, at that revision's index.</summary>
    public void AddAliases(Dictionary<string, int> byId)
    {
        foreach (var alias in _aliases.Keys)
        {
            if (!byId.ContainsKey(alias) && byId.TryGetValue(Follow(alias), out var index))
            {
                byId.Add(alias, index);
            }
        }
    }

    /// <summary>Whether a squash replaced the revision <paramref name="id"/> (its end included).</summary>
    public bool IsReplaced(string id) => _inside.ContainsKey(id) || _aliases.ContainsKey(id);

    /// <summary>
    /// The kept revisions, each with its parents and dependencies named by the ids of the revisions
    /// they stand for (indexed in <paramref name="byId"/>, aliases included), so that whoever reads
    /// <see cref="RevisionInfo.Parents"/> (the catalog's model walk, <c>show</c>) meets only revisions of the graph.
    /// </summary>
    public RevisionInfo[] WithKeptReferences(Dictionary<string, int> byId)
    {
        if (_aliases.Count == 0)
        {
            return Kept;
        }

        string KeptId(string id) => _aliases.ContainsKey(id) && byId.TryGetValue(id, out var index) ? Kept[index].Id : id;
        return Array.ConvertAll(Kept, revision => !revision.Parents.Concat(revision.DependsOn).Any(_aliases.ContainsKey)
            ? revision
            : new RevisionInfo(
                revision.Id, revision.Parents.Select(KeptId).ToList(), revision.Message, revision.BranchLabels,
                revision.DependsOn.Select(KeptId).ToList(), revision.Created, revision.Source, revision.Replaces));
    }

    /// <summary>
    /// Why <paramref name="id"/> cannot be used, when it lies inside a squashed run (null otherwise).
    /// <paramref name="subject"/> begins the message: "The database is at revision X", "Revision Y builds on X".
    /// </summary>
    public MigrationKitException? Refusal(string id, string subject)
    {
        if (!_inside.TryGetValue(Follow(id), out var squash))
        {
            return null;
        }

        var end = squash.Replaces[^1];
        var run = $"{squash.Replaces[0]} to {end}";
        return OldRevisionsRemain(squash)
            ? new MigrationKitException(
                $"{subject}, inside the run {run} that squashed revision {squash.Id} replaces; 'upgrade {end} --replaced' brings a database there to {end} through the old revisions",
                $"Then 'upgrade head' continues from {squash.Id}.")
            : new MigrationKitException(
                $"{subject}, inside the run {run} that squashed revision {squash.Id} replaces, and the old revisions are gone (their files were deleted)",
                $"Restore the folder of the old revisions (Squashed/{squash.Id}) from version control, then run 'upgrade {end} --replaced' and 'upgrade head'.");
    }

    private bool OldRevisionsRemain(RevisionInfo squash) => squash.Replaces.All(_present.Contains);

    /// <summary>The id an alias ends at (aliases chain when a squash is itself squashed).</summary>
    private string Follow(string id)
    {
        for (var hops = 0; hops <= _aliases.Count && _aliases.TryGetValue(id, out var next); hops++)
        {
            id = next;
        }

        return id;
    }
}
