namespace MigrationKit.Core.Tests;

/// <summary>
/// The shapes the benchmark uses: a long linear history and graphs with thousands of merges. The assertions
/// are about results; the sizes are there because a quadratic algorithm would make these tests crawl.
/// </summary>
public class LargeGraphTests
{
    private static string Id(int i) => $"r{i:D5}";

    private static RevisionGraph LinearHistory(int count) =>
        RevisionGraph.Build(Enumerable.Range(0, count).Reverse().Select(i => new RevisionInfo(Id(i), i == 0 ? [] : [Id(i - 1)])));

    /// <summary>
    /// A chain of diamonds: each merge m{i} joins two branches that start at the previous merge.
    /// root - b1 - m1 - b2 - m2 ...
    ///      \ c1 /    \ c2 /
    /// </summary>
    private static RevisionGraph Diamonds(int merges)
    {
        var revisions = new List<RevisionInfo> { new("root") };
        var previous = "root";
        for (var i = 1; i <= merges; i++)
        {
            revisions.Add(new RevisionInfo($"b{i}", [previous]));
            revisions.Add(new RevisionInfo($"c{i}", [previous]));
            revisions.Add(new RevisionInfo($"m{i}", [$"b{i}", $"c{i}"]));
            previous = $"m{i}";
        }

        return RevisionGraph.Build(revisions);
    }

    /// <summary>
    /// What <c>bench/history.sh</c> times (<c>shaped_graph</c> in <c>bench/generate.py</c>): seven in ten revisions
    /// go to the trunk, in runs of four (two revisions fork from the trunk's head, one follows the first, the
    /// fourth merges the two lines); the other three in ten go to three long-lived branches forked from
    /// revision 1, labelled branch1..3 on their first revision, every 25th of them depending on the trunk's
    /// head of the moment. The last revision joins the trunk's open lines. Ids are the numbers, zero-padded.
    /// </summary>
    private static List<RevisionInfo> Shaped(int count)
    {
        const int branches = 3;
        var revisions = new List<RevisionInfo>(count);
        var trunkHead = 1;
        List<int> tips = [1];
        var trunkCount = 0;
        var branchHeads = new int?[branches];
        var branchCounts = new int[branches];
        for (var n = 1; n <= count; n++)
        {
            var slot = n % 10;
            if (n == 1)
            {
                revisions.Add(new RevisionInfo(Id(n), message: "step 1"));
            }
            else if (n == count)
            {
                revisions.Add(new RevisionInfo(Id(n), tips.Select(Id).ToArray(), $"step {n}"));
            }
            else if (slot < 7 || n < 10)
            {
                var step = trunkCount++ % 4;
                int[] parents = step switch { 0 or 1 => [trunkHead], 2 => [tips[0]], _ => [.. tips] };
                tips = step switch { 0 => [n], 1 => [.. tips, n], 2 => [n, tips[1]], _ => [n] };
                if (step == 3)
                {
                    trunkHead = n;
                }

                revisions.Add(new RevisionInfo(Id(n), parents.Select(Id).ToArray(), $"step {n}"));
            }
            else
            {
                var k = slot - 7;
                var first = branchHeads[k] is null;
                var dependsOn = ++branchCounts[k] % 25 == 0 ? new[] { Id(trunkHead) } : [];
                revisions.Add(new RevisionInfo(Id(n), [Id(branchHeads[k] ?? 1)], $"step {n}",
                    first ? [$"branch{k + 1}"] : [], dependsOn));
                branchHeads[k] = n;
            }
        }

        return revisions;
    }

    /// <summary>Where the database stands 20 revisions below the shaped graph's heads: the heads of its first 9,980.</summary>
    private static readonly string[] ShapedRows = [Id(9_977), Id(9_978), Id(9_979), Id(9_980)];

    private static readonly string[] ShapedHeads = [Id(9_997), Id(9_998), Id(9_999), Id(10_000)];

    /// <summary>Each step's parents and dependencies are applied before it, and none runs twice.</summary>
    private static void AssertRunsInOrder(RevisionGraph graph, MigrationPlan plan, IEnumerable<string> applied)
    {
        var done = graph.Applied(applied.ToArray()).ToHashSet();
        foreach (var step in plan.Steps)
        {
            Assert.All(step.Revision.Parents.Concat(step.Revision.DependsOn), below => Assert.Contains(graph.Resolve(below).Id, done));
            Assert.True(done.Add(step.Revision.Id), $"{step.Revision.Id} runs twice");
        }
    }

    [Fact]
    public void The_shaped_graph_of_ten_thousand_revisions_reports_its_heads_history_and_current()
    {
        var revisions = Shaped(10_000);
        var graph = RevisionGraph.Build(Enumerable.Reverse(revisions));

        Assert.Equal(ShapedHeads, graph.Heads.Select(h => h.Id));
        Assert.Equal(Id(1), Assert.Single(graph.Bases).Id);
        Assert.Equal(1_750, revisions.Count(r => r.IsMergePoint));
        Assert.Equal(117, revisions.Count(r => r.DependsOn.Count > 0));

        // Newest first: every revision after each one built on it, through a parent or a dependency.
        var history = graph.History(null, []);
        Assert.Equal(10_000, history.Count);
        var listed = new HashSet<string>();
        foreach (var revision in history.Reverse())
        {
            Assert.All(revision.Parents.Concat(revision.DependsOn), below => Assert.Contains(below, listed));
            listed.Add(revision.Id);
        }

        Assert.Equal(ShapedRows, graph.Current(ShapedRows).Select(r => r.Id));
        Assert.Equal(9_980, graph.Applied(ShapedRows).Count);
        // From the rows up: they and the 20 revisions above them.
        Assert.Equal(24, graph.History("current:", ShapedRows).Count);
        Assert.Equal(Id(18), graph.Resolve("branch2").Id);
        Assert.Equal(Id(9_998), graph.PlanUpgrade([], "branch2@head").HeadsAfter.Intersect([Id(9_998)]).Single());
    }

    [Fact]
    public void The_shaped_graph_plans_the_last_revisions_and_the_whole_upgrade()
    {
        var graph = RevisionGraph.Build(Shaped(10_000));

        var last = graph.PlanUpgrade(ShapedRows, "heads");
        Assert.Equal(Enumerable.Range(9_981, 20).Select(Id), last.Steps.Select(s => s.Revision.Id).Order(StringComparer.Ordinal));
        Assert.Equal(ShapedHeads, last.HeadsAfter);
        AssertRunsInOrder(graph, last, ShapedRows);

        var all = graph.PlanUpgrade([], "heads");
        Assert.Equal(10_000, all.Steps.Count);
        Assert.Equal(ShapedHeads, all.HeadsAfter);
        AssertRunsInOrder(graph, all, []);

        // What `upgrade FROM:TO --sql` plans: the trunk from its merge at 9,980 to its head.
        var from = graph.PlanUpgrade([], Id(9_980)).HeadsAfter;
        var trunk = graph.PlanUpgrade(from, Id(10_000));
        Assert.Equal(14, trunk.Steps.Count);
        AssertRunsInOrder(graph, trunk, from);

        // One branch alone, and relative steps along it.
        var branch = graph.PlanUpgrade(ShapedRows, "branch1@head");
        Assert.Equal([Id(9_987), Id(9_997)], branch.Steps.Select(s => s.Revision.Id));
        Assert.Equal([Id(9_987)], graph.PlanUpgrade(ShapedRows, "branch1@+1").Steps.Select(s => s.Revision.Id));
        var down = graph.PlanDowngrade(ShapedHeads, "branch3@-5");
        Assert.Equal(5, down.Steps.Count);
        Assert.All(down.Steps, s => Assert.Equal(9, int.Parse(s.Revision.Id[1..], System.Globalization.CultureInfo.InvariantCulture) % 10));

        Assert.Equal(ShapedHeads, graph.Stamp(ShapedRows, ["heads"], purge: false));
        Assert.Equal([Id(1)], graph.MergeBases([Id(10_000), Id(9_997)]));
        Assert.Equal([Id(9_991)], graph.MergeBases([Id(9_993), Id(9_994)]));
    }

    [Fact]
    public void Ten_thousand_linear_revisions_have_one_head_and_a_full_history()
    {
        var graph = LinearHistory(10_000);

        Assert.Equal(Id(9_999), Assert.Single(graph.Heads).Id);
        Assert.Equal(Id(0), Assert.Single(graph.Bases).Id);
        var history = graph.History(null, []);
        Assert.Equal(10_000, history.Count);
        Assert.Equal(Id(9_999), history[0].Id);
        Assert.Equal(Id(0), history[^1].Id);
        Assert.Equal(11, graph.History("-10:", []).Count);
        Assert.Equal(5_001, graph.Applied([Id(5_000)]).Count);
    }

    [Fact]
    public void Upgrade_base_to_head_over_ten_thousand_revisions_runs_them_in_order()
    {
        var graph = LinearHistory(10_000);

        var plan = graph.PlanUpgrade([], "head");

        Assert.Equal(10_000, plan.Steps.Count);
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            Assert.Equal(Id(i), plan.Steps[i].Revision.Id);
            Assert.Equal(Id(i), Assert.Single(plan.Steps[i].HeadsAfter));
        }

        Assert.Equal(Id(9_999), Assert.Single(plan.HeadsAfter));
    }

    [Fact]
    public void Downgrade_to_base_over_ten_thousand_revisions_runs_them_newest_first()
    {
        var graph = LinearHistory(10_000);

        var plan = graph.PlanDowngrade([Id(9_999)], "base");

        Assert.Equal(10_000, plan.Steps.Count);
        Assert.Equal(Id(9_999), plan.Steps[0].Revision.Id);
        Assert.Equal(Id(0), plan.Steps[^1].Revision.Id);
        Assert.Empty(plan.HeadsAfter);
    }

    [Fact]
    public void Relative_targets_and_prefixes_work_deep_in_a_long_history()
    {
        var graph = LinearHistory(10_000);

        Assert.Equal(Id(5_001), Assert.Single(graph.PlanUpgrade([Id(5_000)], "+1").Steps).Revision.Id);
        Assert.Equal(Id(4_000), Assert.Single(graph.PlanDowngrade([Id(5_000)], "-1000").HeadsAfter));
        Assert.Equal(Id(1_234), graph.Resolve("r01234").Id);
    }

    [Fact]
    public void Upgrade_base_to_head_through_two_thousand_merges()
    {
        var graph = Diamonds(2_000);

        var plan = graph.PlanUpgrade([], "head");

        Assert.Equal(6_001, plan.Steps.Count);
        var applied = new HashSet<string>();
        foreach (var step in plan.Steps)
        {
            Assert.All(step.Revision.Parents, parent => Assert.Contains(parent, applied));
            Assert.True(applied.Add(step.Revision.Id));
            Assert.InRange(step.HeadsAfter.Count, 1, 2);
        }

        Assert.Equal("m2000", Assert.Single(plan.HeadsAfter));
        Assert.Equal(["b2000", "c2000"], plan.Steps[^1].HeadsBefore);
    }

    [Fact]
    public void Downgrade_to_base_through_two_thousand_merges()
    {
        var graph = Diamonds(2_000);

        var plan = graph.PlanDowngrade(["m2000"], "base");

        Assert.Equal(6_001, plan.Steps.Count);
        var undone = new HashSet<string>();
        foreach (var step in plan.Steps)
        {
            Assert.True(undone.Add(step.Revision.Id));
            Assert.All(step.Revision.Parents, parent => Assert.DoesNotContain(parent, undone));
        }

        Assert.Equal(["b2000", "c2000"], plan.Steps[0].HeadsAfter);
        Assert.Empty(plan.HeadsAfter);
    }

    [Fact]
    public void A_graph_with_two_thousand_merges_reports_its_shape()
    {
        var graph = Diamonds(2_000);

        Assert.Equal("m2000", Assert.Single(graph.Heads).Id);
        Assert.Equal(2_000, graph.BranchPoints.Count);
        Assert.Equal(6_001, graph.History(null, []).Count);
        Assert.Equal(4, graph.History("m1999:", []).Count);
        Assert.StartsWith("Relative revision -1 is ambiguous", Assert.Throws<MigrationKitException>(() => graph.PlanDowngrade(["m2000"], "-1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_thousand_parallel_branches_merged_at_once()
    {
        const int branches = 2_000;
        var revisions = new List<RevisionInfo> { new("root") };
        revisions.AddRange(Enumerable.Range(0, branches).Select(i => new RevisionInfo($"p{i:D4}", ["root"])));
        revisions.Add(new RevisionInfo("merge", revisions.Skip(1).Select(r => r.Id).ToArray()));
        var graph = RevisionGraph.Build(revisions);

        var plan = graph.PlanUpgrade([], "head");

        Assert.Equal(branches + 2, plan.Steps.Count);
        Assert.Equal(branches, plan.Steps[^1].HeadsBefore.Count);
        Assert.Equal("merge", Assert.Single(plan.HeadsAfter));
        Assert.Equal(branches, graph.PlanDowngrade(["merge"], "p0000").HeadsAfter.Count);
    }
}
