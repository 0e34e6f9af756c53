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
