namespace MigrationKit.Core;

/// <summary>
/// The revision graph: answers every question about the revisions (heads, targets, walk plans, stamps,
/// history ranges) without touching a database. Alembic's <c>RevisionMap</c> is the specification;
/// every algorithm here is linear or n log n in the number of revisions, where Alembic's are quadratic.
/// </summary>
/// <remarks>
/// Internally a revision is its position in <see cref="Revisions"/> (a topological order), so sorting
/// positions gives graph order and sets of revisions are plain arrays of flags.
/// </remarks>
public sealed partial class RevisionGraph
{
    // Position of "below every base" while walking (Alembic's "base"), and of a walk that fell off the graph.
    private const int BasePosition = -1;
    private const int Overwalked = -2;

    private readonly RevisionInfo[] _revisions;
    private readonly Dictionary<string, int> _byId;
    private readonly Dictionary<string, int> _byLabel;
    private readonly int[][] _parents;
    private readonly int[][] _down;
    private readonly int[][] _children;
    private readonly int[][] _up;
    private readonly PrefixEntry[] _prefixes;
    private readonly int[] _heads;
    private readonly int[] _realHeads;
    private readonly int[] _bases;
    private readonly Squashes _squashes;

    private RevisionGraph(
        RevisionInfo[] revisions,
        Dictionary<string, int> byId,
        Dictionary<string, int> byLabel,
        int[][] parents,
        int[][] dependencies,
        Squashes squashes)
    {
        _squashes = squashes;
        var count = revisions.Length;
        _revisions = revisions;
        _byId = byId;
        _byLabel = byLabel;
        _parents = parents;
        _down = new int[count][];
        var children = new List<int>[count];
        var up = new List<int>[count];
        for (var i = 0; i < count; i++)
        {
            children[i] = [];
            up[i] = [];
        }

        // Positions are visited in ascending order, so every child list comes out sorted.
        for (var i = 0; i < count; i++)
        {
            _down[i] = dependencies[i].Length == 0 ? parents[i] : [.. parents[i], .. dependencies[i]];
            foreach (var parent in parents[i])
            {
                children[parent].Add(i);
            }

            foreach (var below in _down[i])
            {
                up[below].Add(i);
            }
        }

        _children = Array.ConvertAll(children, list => list.ToArray());
        _up = Array.ConvertAll(up, list => list.ToArray());
        _prefixes = PrefixEntry.Index(revisions);

        var heads = new List<int>();
        var effectiveHeads = new List<int>();
        var realHeads = new List<int>();
        var bases = new List<int>();
        var branchPoints = new List<BranchPoint>();
        for (var i = 0; i < count; i++)
        {
            if (_children[i].Length == 0)
            {
                heads.Add(i);
                if (_up[i].Length > 0)
                {
                    effectiveHeads.Add(i);
                }
            }

            if (_up[i].Length == 0)
            {
                realHeads.Add(i);
            }

            if (_parents[i].Length == 0)
            {
                bases.Add(i);
            }

            if (_children[i].Length > 1)
            {
                branchPoints.Add(new BranchPoint(revisions[i], Array.AsReadOnly(RevisionsAt(_children[i]))));
            }
        }

        _heads = [.. heads];
        _realHeads = [.. realHeads];
        _bases = [.. bases];
        Revisions = Array.AsReadOnly(revisions);
        Heads = Array.AsReadOnly(RevisionsAt(_heads));
        EffectiveHeads = Array.AsReadOnly(RevisionsAt(effectiveHeads));
        Bases = Array.AsReadOnly(RevisionsAt(_bases));
        BranchPoints = branchPoints.AsReadOnly();
    }

    /// <summary>
    /// Every revision in topological order: parents (and dependencies) before children. Among independent
    /// branches the order is depth first, older heads first, and does not depend on the input order.
    /// </summary>
    public IReadOnlyList<RevisionInfo> Revisions { get; }

    /// <summary>Revisions that no revision names as a parent (depends-on edges do not count), in graph order.</summary>
    public IReadOnlyList<RevisionInfo> Heads { get; }

    /// <summary>
    /// Heads that a revision depends on, in graph order: Alembic's "effective heads". No revision follows them,
    /// so they head their branch, but their dependent takes over their row in the version table.
    /// </summary>
    public IReadOnlyList<RevisionInfo> EffectiveHeads { get; }

    /// <summary>Revisions without parents, in graph order.</summary>
    public IReadOnlyList<RevisionInfo> Bases { get; }

    /// <summary>Revisions that several revisions name as a parent, in graph order.</summary>
    public IReadOnlyList<BranchPoint> BranchPoints { get; }

    public bool Contains(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.ContainsKey(id);
    }

    /// <summary>The revision with exactly this id (for the end of a squashed run, its squash).</summary>
    public RevisionInfo Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.TryGetValue(id, out var position)
            ? _revisions[position]
            : throw _squashes.Refusal(id, $"Revision {id} lies") ?? Errors.CannotLocate(id);
    }

    /// <summary>A full id, a branch label, or a prefix of exactly one id (or label).</summary>
    public RevisionInfo Resolve(string idPrefixOrLabel)
    {
        ArgumentNullException.ThrowIfNull(idPrefixOrLabel);
        return _revisions[Identify(idPrefixOrLabel, branchName: null, branch: null)];
    }

    /// <summary>
    /// Checks the rows read from the version table: each must be the id of a revision in the graph.
    /// </summary>
    public void ValidateCurrentHeads(IReadOnlyCollection<string> currentHeads) => _ = Rows(currentHeads);

    /// <summary>Every revision the version table's rows imply: each row with all its ancestors and dependencies.</summary>
    public IReadOnlySet<string> Applied(IReadOnlyCollection<string> currentHeads)
    {
        var applied = Closure(Rows(currentHeads), Direction.Down, withDependencies: true);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < applied.Length; i++)
        {
            if (applied[i])
            {
                ids.Add(_revisions[i].Id);
            }
        }

        return ids;
    }

    /// <summary>
    /// What <c>current</c> lists, as Alembic's does: every applied revision that no applied revision follows as a
    /// child, in graph order. These are the rows, and each dependency whose branch goes no further in the
    /// database: its dependent took over its row, yet it is still where that branch stands.
    /// </summary>
    public IReadOnlyList<RevisionInfo> Current(IReadOnlyCollection<string> currentHeads)
    {
        var applied = Closure(Rows(currentHeads), Direction.Down, withDependencies: true);
        return Array.AsReadOnly(RevisionsAt(Tips(applied, applied, _parents)));
    }

    /// <summary>The rows as distinct positions in graph order; an id the graph does not know is an error.</summary>
    private int[] Rows(IReadOnlyCollection<string> currentHeads)
    {
        ArgumentNullException.ThrowIfNull(currentHeads);
        var rows = new SortedSet<int>();
        foreach (var id in currentHeads)
        {
            if (id is null)
            {
                throw new ArgumentException("The current heads must not contain null.", nameof(currentHeads));
            }

            if (!_byId.TryGetValue(id, out var position))
            {
                throw _squashes.Refusal(id, $"The database is at revision {id}") ?? Errors.UnknownVersionRow(id);
            }

            rows.Add(position);
        }

        return [.. rows];
    }

    private RevisionInfo[] RevisionsAt(IReadOnlyList<int> positions)
    {
        var result = new RevisionInfo[positions.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _revisions[positions[i]];
        }

        return result;
    }

    private string[] IdsAt(IEnumerable<int> positions) => positions.Select(p => _revisions[p].Id).ToArray();

    private enum Direction
    {
        Down,
        Up,
    }

    /// <summary>The given revisions and everything below (or above) them: one breadth-first pass.</summary>
    private bool[] Closure(IEnumerable<int> starts, Direction direction, bool withDependencies)
    {
        var edges = direction == Direction.Down
            ? (withDependencies ? _down : _parents)
            : (withDependencies ? _up : _children);
        var seen = new bool[_revisions.Length];
        var todo = new Stack<int>();
        foreach (var start in starts)
        {
            if (!seen[start])
            {
                seen[start] = true;
                todo.Push(start);
            }
        }

        while (todo.Count > 0)
        {
            foreach (var next in edges[todo.Pop()])
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    todo.Push(next);
                }
            }
        }

        return seen;
    }

    /// <summary>
    /// Alembic's "shares lineage": the revision itself, its ancestors and its descendants
    /// (parent edges only unless <paramref name="withDependencies"/>).
    /// </summary>
    private bool[] Lineage(int position, bool withDependencies = false)
    {
        var lineage = Closure([position], Direction.Down, withDependencies);
        var above = Closure([position], Direction.Up, withDependencies);
        for (var i = 0; i < lineage.Length; i++)
        {
            lineage[i] |= above[i];
        }

        return lineage;
    }

    private static int[] Where(IEnumerable<int> positions, bool[] filter) => positions.Where(p => filter[p]).ToArray();
}
