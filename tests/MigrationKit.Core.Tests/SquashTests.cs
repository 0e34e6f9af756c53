using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

/// <summary>
/// `squash`: which runs it takes, and how the graph treats the revisions a squash replaced
/// (left out, the run's end standing for the squash) and the old revisions' walk (--replaced).
/// </summary>
public class SquashTests
{
    private static RevisionInfo Squash(string id, string[] parents, params string[] replaces) =>
        new(id, parents, $"{id} message", replaces: replaces);

    /// <summary>a - b - c - d - e, with s replacing b..d (files of b, c, d still there unless <paramref name="oldGone"/>).</summary>
    private static RevisionInfo[] Squashed(bool oldGone = false) =>
    [
        Rev("a"),
        .. oldGone ? Array.Empty<RevisionInfo>() : [Rev("b", "a"), Rev("c", "b"), Rev("d", "c")],
        Squash("s", ["a"], "b", "c", "d"),
        Rev("e", "d"),
    ];

    [Fact]
    public void Squash_of_a_linear_run_takes_the_first_revisions_parents_and_lists_the_run_oldest_first()
    {
        var run = Linear().PlanSquash("b", "d");
        Assert.Equal("b c d", Ids(run.Replaced));
        Assert.Equal("a", Ids(run.Parents));
        Assert.Equal("d", run.End);
    }

    [Fact]
    public void Squash_carries_the_runs_labels_and_its_dependencies_outside_it()
    {
        var graph = Graph(Rev("x"), Rev("a", ["x"], labels: ["main"]), Rev("b", ["a"], dependsOn: ["y"]), Rev("c", ["b"], dependsOn: ["a"]), Rev("y"));
        var run = graph.PlanSquash("a", "c");
        Assert.Equal("main", Ids(run.BranchLabels));
        Assert.Equal("y", Ids(run.DependsOn));
    }

    [Fact]
    public void Squash_over_a_merge_is_refused_in_one_line_naming_it()
    {
        var error = Assert.Throws<MigrationKitException>(() => Diamond().PlanSquash("b1", "n"));
        Assert.Equal("Revision m in the run b1 to n is a merge point (parents b2, c2); squash takes a linear run", error.Message);
    }

    [Fact]
    public void Squash_from_a_merge_is_refused()
    {
        var error = Assert.Throws<MigrationKitException>(() => Diamond().PlanSquash("m", "n"));
        Assert.StartsWith("Revision m in the run m to n is a merge point", error.Message);
    }

    [Fact]
    public void Squash_is_refused_where_a_revision_outside_builds_on_the_middle_of_the_run()
    {
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "b"), Rev("x", "b"));
        var error = Assert.Throws<MigrationKitException>(() => graph.PlanSquash("a", "c"));
        Assert.Equal("Revision x builds on b, which the squash would replace; only c may carry on outside it", error.Message);
    }

    [Fact]
    public void Squash_is_refused_where_a_revision_outside_depends_on_the_middle_of_the_run()
    {
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "b"), Rev("x", ["a"], dependsOn: ["b"]));
        var error = Assert.Throws<MigrationKitException>(() => graph.PlanSquash("b", "c"));
        Assert.Equal("Revision x depends on b, which the squash would replace; only c may carry on outside it", error.Message);
    }

    [Fact]
    public void Squash_of_revisions_not_in_order_is_refused()
    {
        var error = Assert.Throws<MigrationKitException>(() => Linear().PlanSquash("d", "b"));
        Assert.Equal("Revision d is not below b through single parents, so they bound no run to squash", error.Message);
    }

    [Fact]
    public void Squash_to_base_takes_everything_below_the_revision_with_its_dependencies()
    {
        var run = DependsAcross().PlanSquashToBase("c");
        Assert.Equal("c", run.End);
        Assert.Equal("a b c x y", string.Join(" ", run.Replaced.Order()));
        Assert.Empty(run.Parents);
        Assert.Empty(run.DependsOn);
    }

    [Fact]
    public void Squash_to_base_is_refused_where_another_branch_builds_below_the_revision()
    {
        var error = Assert.Throws<MigrationKitException>(() => TwoHeads().PlanSquashToBase("b"));
        Assert.Equal("Revision c builds on a, which the squash would replace; only b may carry on outside it", error.Message);
    }

    [Fact]
    public void The_graph_leaves_replaced_revisions_out_and_the_runs_end_stands_for_the_squash()
    {
        var graph = RevisionGraph.Build(Squashed());
        Assert.Equal("a s e", Ids(graph.Revisions));
        Assert.Equal("s", Ids(graph.Get("e").Parents));
        Assert.Equal("s", graph.Get("d").Id);
        Assert.Equal("s", graph.Resolve("d").Id);
        Assert.True(graph.Contains("d"));
        Assert.True(graph.IsReplaced("d"));
        Assert.True(graph.IsReplaced("b"));
        Assert.False(graph.IsReplaced("s"));
        Assert.False(graph.IsReplaced("e"));
    }

    [Fact]
    public void A_database_before_the_run_upgrades_through_the_squash()
    {
        var graph = RevisionGraph.Build(Squashed());
        Assert.Equal("a s e", Ids(graph.PlanUpgrade(None, "head")));
        Assert.Equal("s e", Ids(graph.PlanUpgrade(Rows("a"), "head")));
    }

    [Fact]
    public void A_database_at_the_runs_end_continues_after_the_squash_and_its_row_is_renamed()
    {
        var graph = RevisionGraph.Build(Squashed());
        Assert.Equal("e", Ids(graph.PlanUpgrade(Rows("d"), "head")));
        Assert.Equal("s", graph.RowsToRename(Rows("d", "a"))["d"]);
        Assert.Single(graph.RowsToRename(Rows("d", "a")));
        Assert.Empty(graph.RowsToRename(Rows("s")));
    }

    [Fact]
    public void A_database_inside_the_run_gets_one_line_naming_the_command_that_brings_it_to_the_end()
    {
        var graph = RevisionGraph.Build(Squashed());
        var error = Assert.Throws<MigrationKitException>(() => graph.PlanUpgrade(Rows("c"), "head"));
        Assert.Equal(
            "The database is at revision c, inside the run b to d that squashed revision s replaces; 'upgrade d --replaced' brings a database there to d through the old revisions",
            error.Message);
    }

    [Fact]
    public void Inside_the_run_with_the_old_revisions_gone_the_error_says_so()
    {
        var graph = RevisionGraph.Build(Squashed(oldGone: true));
        Assert.Equal("a s e", Ids(graph.Revisions));
        var error = Assert.Throws<MigrationKitException>(() => graph.PlanUpgrade(Rows("b"), "head"));
        Assert.Equal(
            "The database is at revision b, inside the run b to d that squashed revision s replaces, and the old revisions are gone (their files were deleted)",
            error.Message);
        Assert.Equal("e", Ids(graph.PlanUpgrade(Rows("d"), "head")));
    }

    [Fact]
    public void The_replaced_view_walks_the_old_revisions_and_the_squash_stands_for_the_runs_end()
    {
        var graph = RevisionGraph.Build(Squashed(), walkReplaced: true);
        Assert.Equal("a b c d e", Ids(graph.Revisions));
        Assert.Equal("d", Ids(graph.PlanUpgrade(Rows("c"), "d")));
        Assert.Equal("d", graph.RowsToRename(Rows("s"))["s"]);
    }

    [Fact]
    public void The_replaced_view_keeps_the_squash_when_the_old_revisions_are_gone()
    {
        var graph = RevisionGraph.Build(Squashed(oldGone: true), walkReplaced: true);
        Assert.Equal("a s e", Ids(graph.Revisions));
    }

    [Fact]
    public void A_typed_target_inside_the_run_is_refused_and_the_runs_end_means_the_squash()
    {
        var graph = RevisionGraph.Build(Squashed());
        var error = Assert.Throws<MigrationKitException>(() => graph.PlanUpgrade(None, "c"));
        Assert.StartsWith("Revision c lies, inside the run b to d that squashed revision s replaces", error.Message);
        Assert.Equal("a s", Ids(graph.PlanUpgrade(None, "d")));
    }

    [Fact]
    public void A_revision_built_on_the_middle_of_a_squashed_run_is_refused_naming_it()
    {
        var error = Assert.Throws<MigrationKitException>(() => RevisionGraph.Build([.. Squashed(), Rev("x", "c")]));
        Assert.StartsWith("Revision x builds on c, inside the run b to d that squashed revision s replaces", error.Message);
    }

    [Fact]
    public void A_revision_replaced_by_two_squashes_is_refused()
    {
        var error = Assert.Throws<MigrationKitException>(() => RevisionGraph.Build([.. Squashed(), Squash("t", ["a"], "c", "d")]));
        Assert.StartsWith("Revision c is replaced by two squashed revisions (s and t)", error.Message);
    }

    [Fact]
    public void A_squash_of_a_squash_takes_over_its_runs_end()
    {
        // s replaced b..d; t replaces s and e: a row at d (s's end) now lies inside t's run.
        var graph = RevisionGraph.Build([.. Squashed(), Squash("t", ["a"], "s", "e")]);
        Assert.Equal("a t", Ids(graph.Revisions));
        Assert.Equal("t", graph.Get("e").Id);
        Assert.StartsWith("The database is at revision d, inside the run s to e", Assert.Throws<MigrationKitException>(() => graph.PlanUpgrade(Rows("d"), "head")).Message);
    }
}
