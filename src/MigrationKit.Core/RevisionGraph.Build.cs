namespace MigrationKit.Core;

public sealed partial class RevisionGraph
{
    // Characters the target syntax gives a meaning to ("label@rev", "rev+2", "a:b"), so names cannot hold them.
    // Alembic forbids '@', '-' and '+'; ':' separates history ranges here too.
    private static readonly char[] ReservedCharacters = ['@', '-', '+', ':'];

    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal) { "head", "heads", "base", "current" };

    /// <summary>
    /// Checks the revisions and builds the graph. Fails with one line naming the revisions on: an empty or
    /// malformed id, a duplicate id, a parent or dependency that is not present, a self-loop, a cycle (through
    /// parents, or through dependencies), and a branch label used twice or equal to a revision id.
    /// </summary>
    public static RevisionGraph Build(IEnumerable<RevisionInfo> revisions) => Build(revisions, walkReplaced: false);

    /// <summary>
    /// <see cref="Build(IEnumerable{RevisionInfo})"/>; with <paramref name="walkReplaced"/>, the graph of the
    /// old revisions that squashes replaced, where all of them remain (<c>upgrade --replaced</c>), each squash
    /// standing for the end of its run. Without it, replaced revisions are left out and the end of a run
    /// stands for its squash (see <see cref="Squashes"/>).
    /// </summary>
    public static RevisionGraph Build(IEnumerable<RevisionInfo> revisions, bool walkReplaced)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        var all = revisions.ToArray();
        if (Array.IndexOf(all, null) >= 0)
        {
            throw new ArgumentException("The revisions must not contain null.", nameof(revisions));
        }

        var squashes = Squashes.Of(all, walkReplaced);
        var byId = IndexIds(squashes.Kept);
        var byLabel = IndexLabels(squashes.Kept, byId);
        squashes.AddAliases(byId);
        var input = squashes.WithKeptReferences(byId);
        var (parents, dependencies) = ResolveEdges(input, byId, byLabel, squashes);

        var down = new int[input.Length][];
        var children = new List<int>[input.Length];
        var up = new List<int>[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            down[i] = [.. parents[i], .. dependencies[i]];
            children[i] = [];
            up[i] = [];
        }

        for (var i = 0; i < input.Length; i++)
        {
            foreach (var parent in parents[i])
            {
                children[parent].Add(i);
            }

            foreach (var below in down[i])
            {
                up[below].Add(i);
            }
        }

        var upArrays = Array.ConvertAll(up, list => list.ToArray());
        var cycle = FindCycle(parents, Array.ConvertAll(children, list => list.ToArray()));
        if (cycle.Length > 0)
        {
            throw new MigrationKitException($"Cycle is detected in revisions ({SortedIds(input, cycle)})");
        }

        cycle = FindCycle(down, upArrays);
        if (cycle.Length > 0)
        {
            throw new MigrationKitException($"Dependency cycle is detected in revisions ({SortedIds(input, cycle)})");
        }

        // Renumber everything by topological position.
        var order = TopologicalOrder(input, down, upArrays);
        var position = new int[input.Length];
        for (var k = 0; k < order.Length; k++)
        {
            position[order[k]] = k;
        }

        var sorted = new RevisionInfo[input.Length];
        var sortedParents = new int[input.Length][];
        var sortedDependencies = new int[input.Length][];
        for (var k = 0; k < order.Length; k++)
        {
            sorted[k] = input[order[k]];
            sortedParents[k] = Array.ConvertAll(parents[order[k]], p => position[p]);
            sortedDependencies[k] = Array.ConvertAll(dependencies[order[k]], d => position[d]);
        }

        var idPositions = new Dictionary<string, int>(input.Length, StringComparer.Ordinal);
        foreach (var (id, index) in byId)
        {
            idPositions.Add(id, position[index]);
        }

        var labelPositions = new Dictionary<string, int>(byLabel.Count, StringComparer.Ordinal);
        foreach (var (label, index) in byLabel)
        {
            labelPositions.Add(label, position[index]);
        }

        return new RevisionGraph(sorted, idPositions, labelPositions, sortedParents, sortedDependencies, squashes);
    }

    private static Dictionary<string, int> IndexIds(RevisionInfo[] input)
    {
        var byId = new Dictionary<string, int>(input.Length, StringComparer.Ordinal);
        for (var i = 0; i < input.Length; i++)
        {
            var revision = input[i];
            CheckName(revision.Id, "revision identifier", revision.Source is null ? "" : $" ({revision.Source})");
            if (!byId.TryAdd(revision.Id, i))
            {
                var first = input[byId[revision.Id]];
                var where = first.Source is null && revision.Source is null
                    ? ""
                    : $" ({first.Source ?? "?"} and {revision.Source ?? "?"})";
                throw new MigrationKitException($"Revision {revision.Id} is present more than once{where}");
            }
        }

        return byId;
    }

    private static Dictionary<string, int> IndexLabels(RevisionInfo[] input, Dictionary<string, int> byId)
    {
        var byLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < input.Length; i++)
        {
            foreach (var label in input[i].BranchLabels)
            {
                CheckName(label, "branch name", $" of revision {Errors.Name(input[i])}");
                if (byId.TryGetValue(label, out var owner) || byLabel.TryGetValue(label, out owner))
                {
                    throw new MigrationKitException(
                        $"Branch name '{label}' in revision {Errors.Name(input[i])} already used by revision {Errors.Name(input[owner])}");
                }

                byLabel.Add(label, i);
            }
        }

        return byLabel;
    }

    private static (int[][] Parents, int[][] Dependencies) ResolveEdges(
        RevisionInfo[] input, Dictionary<string, int> byId, Dictionary<string, int> byLabel, Squashes squashes)
    {
        var parents = new int[input.Length][];
        var dependencies = new int[input.Length][];
        for (var i = 0; i < input.Length; i++)
        {
            var revision = input[i];
            var ownParents = new List<int>(revision.Parents.Count);
            foreach (var parent in revision.Parents)
            {
                if (parent == revision.Id)
                {
                    throw new MigrationKitException($"Self-loop is detected in revisions ({Errors.Name(revision)})");
                }

                if (!byId.TryGetValue(parent, out var index))
                {
                    throw squashes.Refusal(parent, $"Revision {Errors.Name(revision)} builds on {parent}")
                          ?? new MigrationKitException($"Parent {parent} of revision {Errors.Name(revision)} is not present");
                }

                if (ownParents.Contains(index))
                {
                    throw new MigrationKitException($"Revision {Errors.Name(revision)} names parent {parent} twice");
                }

                ownParents.Add(index);
            }

            // Like Alembic, a dependency may be named by id or by branch label; repeats and dependencies that
            // are also parents add nothing, so they are dropped rather than refused.
            var ownDependencies = new List<int>(revision.DependsOn.Count);
            foreach (var dependency in revision.DependsOn)
            {
                if (!byId.TryGetValue(dependency, out var index) && !byLabel.TryGetValue(dependency, out index))
                {
                    throw squashes.Refusal(dependency, $"Revision {Errors.Name(revision)} depends on {dependency}") ?? new MigrationKitException(
                        $"Dependency {dependency} of revision {Errors.Name(revision)} is not present (neither a revision id nor a branch name)");
                }

                if (index == i)
                {
                    throw new MigrationKitException($"Dependency self-loop is detected in revisions ({Errors.Name(revision)})");
                }

                if (!ownParents.Contains(index) && !ownDependencies.Contains(index))
                {
                    ownDependencies.Add(index);
                }
            }

            parents[i] = [.. ownParents];
            dependencies[i] = [.. ownDependencies];
        }

        return (parents, dependencies);
    }

    /// <param name="where">Names the revision for the message, e.g. " of revision a1 (Type)".</param>
    private static void CheckName(string name, string kind, string where)
    {
        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
        {
            throw new MigrationKitException($"The {kind} '{name}'{where} is empty or contains whitespace");
        }

        var illegal = ReservedCharacters.Where(name.Contains).ToArray();
        if (illegal.Length > 0)
        {
            throw new MigrationKitException(
                $"Character(s) '{string.Join(", ", illegal)}' not allowed in {kind} '{name}'{where}");
        }

        if (ReservedNames.Contains(name))
        {
            throw new MigrationKitException($"The {kind} '{name}'{where} is a reserved word");
        }
    }

    /// <summary>
    /// The revisions on a cycle (and on paths between cycles), or none. Kahn's algorithm removes everything
    /// that is not above a cycle; trimming from the other end removes what merely descends from one, so the
    /// message names the loop itself rather than half the graph.
    /// </summary>
    private static int[] FindCycle(int[][] down, int[][] up)
    {
        var count = down.Length;
        var below = new int[count];
        var ready = new Queue<int>();
        for (var i = 0; i < count; i++)
        {
            below[i] = down[i].Length;
            if (below[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var remaining = count;
        while (ready.Count > 0)
        {
            remaining--;
            foreach (var next in up[ready.Dequeue()])
            {
                if (--below[next] == 0)
                {
                    ready.Enqueue(next);
                }
            }
        }

        if (remaining == 0)
        {
            return [];
        }

        var stuck = new bool[count];
        for (var i = 0; i < count; i++)
        {
            stuck[i] = below[i] > 0;
        }

        var above = new int[count];
        for (var i = 0; i < count; i++)
        {
            if (stuck[i])
            {
                above[i] = up[i].Count(next => stuck[next]);
                if (above[i] == 0)
                {
                    ready.Enqueue(i);
                }
            }
        }

        while (ready.Count > 0)
        {
            var leaf = ready.Dequeue();
            stuck[leaf] = false;
            foreach (var previous in down[leaf])
            {
                if (stuck[previous] && --above[previous] == 0)
                {
                    ready.Enqueue(previous);
                }
            }
        }

        return Enumerable.Range(0, count).Where(i => stuck[i]).ToArray();
    }

    private static string SortedIds(RevisionInfo[] input, int[] indices) =>
        Errors.List(indices.Select(i => input[i].Id).Order(StringComparer.Ordinal));

    /// <summary>
    /// Depth-first post-order from the real heads (revisions nothing follows, not even through a dependency),
    /// oldest head first, parents in declared order before dependencies. Branches therefore come out one at a
    /// time, as Alembic walks them, and the order never depends on the order the revisions were loaded in.
    /// Iterative, because a linear history of thousands of revisions would overflow the call stack.
    /// </summary>
    private static int[] TopologicalOrder(RevisionInfo[] input, int[][] down, int[][] up)
    {
        var starts = Enumerable.Range(0, input.Length)
            .Where(i => up[i].Length == 0)
            .OrderBy(i => input[i].Created ?? DateTimeOffset.MinValue)
            .ThenBy(i => input[i].Id, StringComparer.Ordinal);

        var order = new List<int>(input.Length);
        var visited = new bool[input.Length];
        var stack = new Stack<(int Node, int Next)>();
        foreach (var start in starts)
        {
            visited[start] = true;
            stack.Push((start, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < down[node].Length)
                {
                    stack.Push((node, next + 1));
                    var below = down[node][next];
                    if (!visited[below])
                    {
                        visited[below] = true;
                        stack.Push((below, 0));
                    }
                }
                else
                {
                    order.Add(node);
                }
            }
        }

        return [.. order];
    }
}
