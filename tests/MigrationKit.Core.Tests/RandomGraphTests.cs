namespace MigrationKit.Core.Tests;

/// <summary>
/// Plans on many random graphs, checked against the definitions written the slow, obvious way: an upgrade runs
/// exactly what the target needs and the table lacks, in an order that respects every edge, and after each
/// step the table holds exactly the applied revisions that nothing applied stands on.
/// </summary>
public class RandomGraphTests
{
    private sealed record Node(string Id, string[] Parents, string[] DependsOn);

    private static List<Node> RandomNodes(Random random, int count)
    {
        var nodes = new List<Node>();
        for (var i = 0; i < count; i++)
        {
            var earlier = Enumerable.Range(0, i).OrderBy(_ => random.Next()).ToList();
            var parentCount = i == 0 ? 0 : random.Next(10) switch { 0 => 0, < 8 => 1, _ => 2 };
            var parents = earlier.Take(parentCount).Select(p => nodes[p].Id).ToArray();
            var dependsOn = random.Next(6) == 0 ? earlier.Skip(parentCount).Take(1).Select(d => nodes[d].Id).ToArray() : [];
            nodes.Add(new Node($"n{i}", parents, dependsOn));
        }

        return nodes;
    }

    private static HashSet<string> Below(Dictionary<string, Node> nodes, IEnumerable<string> ids)
    {
        var seen = new HashSet<string>();
        var todo = new Stack<string>(ids);
        while (todo.Count > 0)
        {
            var id = todo.Pop();
            if (seen.Add(id))
            {
                foreach (var next in nodes[id].Parents.Concat(nodes[id].DependsOn))
                {
                    todo.Push(next);
                }
            }
        }

        return seen;
    }

    private static string Heads(Dictionary<string, Node> nodes, HashSet<string> applied)
    {
        var covered = applied.SelectMany(id => nodes[id].Parents.Concat(nodes[id].DependsOn)).ToHashSet();
        return string.Join(" ", applied.Where(id => !covered.Contains(id)).Order(StringComparer.Ordinal));
    }

    private static string Sorted(IEnumerable<string> ids) => string.Join(" ", ids.Order(StringComparer.Ordinal));

    [Fact]
    public void Upgrades_and_downgrades_on_random_graphs_match_the_definitions()
    {
        var random = new Random(20240601);
        for (var round = 0; round < 300; round++)
        {
            var list = RandomNodes(random, random.Next(1, 25));
            var nodes = list.ToDictionary(n => n.Id);
            var graph = RevisionGraph.Build(list.OrderBy(_ => random.Next()).Select(n => new RevisionInfo(n.Id, n.Parents, dependsOn: n.DependsOn)));

            var start = Below(nodes, list.Where(_ => random.Next(3) == 0).Select(n => n.Id));
            var rows = Heads(nodes, start).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var target = list[random.Next(list.Count)].Id;

            var up = graph.PlanUpgrade(rows, target);
            var applied = new HashSet<string>(start);
            Assert.Equal(Sorted(Below(nodes, [target]).Except(start)), Sorted(up.Steps.Select(s => s.Revision.Id)));
            foreach (var step in up.Steps)
            {
                Assert.All(nodes[step.Revision.Id].Parents.Concat(nodes[step.Revision.Id].DependsOn), below => Assert.Contains(below, applied));
                Assert.Equal(Heads(nodes, applied), Sorted(step.HeadsBefore));
                applied.Add(step.Revision.Id);
                Assert.Equal(Heads(nodes, applied), Sorted(step.HeadsAfter));
            }

            var afterUp = applied.ToHashSet();
            var destination = list[random.Next(list.Count)].Id;
            var children = list.Where(n => n.Parents.Contains(destination)).Select(n => n.Id);
            var drop = afterUp.Where(id => Below(nodes, [id]).Overlaps(children)).ToHashSet();
            if (drop.Count == 0 && !up.HeadsAfter.Contains(destination))
            {
                Assert.Throws<MigrationKitException>(() => graph.PlanDowngrade(up.HeadsAfter, destination));
                continue;
            }

            var down = graph.PlanDowngrade(up.HeadsAfter, destination);
            Assert.Equal(Sorted(drop), Sorted(down.Steps.Select(s => s.Revision.Id)));
            foreach (var step in down.Steps)
            {
                applied.Remove(step.Revision.Id);
                Assert.DoesNotContain(step.Revision.Id, Below(nodes, applied));
                Assert.Equal(Heads(nodes, applied), Sorted(step.HeadsAfter));
            }
        }
    }
}
