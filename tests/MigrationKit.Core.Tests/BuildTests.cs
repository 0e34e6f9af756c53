using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class BuildTests
{
    [Fact]
    public void Revisions_come_parents_first_whatever_the_input_order()
    {
        var graph = Graph(Rev("e", "d"), Rev("c", "b"), Rev("a"), Rev("d", "c"), Rev("b", "a"));

        Assert.Equal("a b c d e", Ids(graph.Revisions));
    }

    [Fact]
    public void Branches_are_listed_one_at_a_time_first_parent_first()
    {
        var graph = Diamond();

        Assert.Equal("a b1 b2 c1 c2 m n", Ids(graph.Revisions));
    }

    [Fact]
    public void Order_does_not_depend_on_input_order()
    {
        var revisions = new[]
        {
            Rev("a"), Rev("b1", "a"), Rev("b2", "b1"), Rev("c1", "a"), Rev("c2", "c1"), Rev("m", "b2", "c2"), Rev("n", "m"),
        };

        var forward = RevisionGraph.Build(revisions);
        var backward = RevisionGraph.Build(revisions.Reverse());

        Assert.Equal(Ids(forward.Revisions), Ids(backward.Revisions));
        Assert.Equal(Ids(forward.Heads), Ids(backward.Heads));
    }

    [Fact]
    public void Independent_heads_come_oldest_first()
    {
        var early = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var graph = Graph(
            new RevisionInfo("a"),
            new RevisionInfo("zz", ["a"], created: early),
            new RevisionInfo("bb", ["a"], created: early.AddDays(1)));

        Assert.Equal("zz bb", Ids(graph.Heads));
    }

    [Fact]
    public void A_dependency_comes_before_the_revision_that_depends_on_it()
    {
        var graph = DependsAcross();

        var order = graph.Revisions.Select(r => r.Id).ToList();
        Assert.True(order.IndexOf("y") < order.IndexOf("c"));
        Assert.True(order.IndexOf("b") < order.IndexOf("c"));
    }

    [Fact]
    public void Heads_are_revisions_without_children()
    {
        Assert.Equal("e", Ids(Linear().Heads));
        Assert.Equal("b c", Ids(TwoHeads().Heads));
        Assert.Equal("n", Ids(Diamond().Heads));
    }

    [Fact]
    public void A_dependency_does_not_stop_a_revision_from_being_a_head()
    {
        // Checked against Alembic 1.8.1: `heads` of this graph is (c, y).
        var graph = DependsAcross();

        Assert.Equal("y c", Ids(graph.Heads));
    }

    [Fact]
    public void Bases_are_revisions_without_parents()
    {
        Assert.Equal("a x", Ids(Labelled().Bases));
    }

    [Fact]
    public void A_revision_with_only_a_dependency_is_still_a_base()
    {
        // Checked against Alembic 1.8.1: bases ('a', 'x').
        var graph = Graph(Rev("a"), Rev("x", [], dependsOn: ["a"]), Rev("y", "x"));

        Assert.Equal("a x", Ids(graph.Bases));
    }

    [Fact]
    public void Branch_points_list_their_children_in_graph_order()
    {
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "a"), Rev("d", "a"), Rev("e", "b"), Rev("f", "b"));

        Assert.Equal("a b", Ids(graph.BranchPoints.Select(p => p.Revision)));
        var children = graph.BranchPoints[0].Children;
        Assert.Equal("b c d", Ids(children.OrderBy(r => r.Id, StringComparer.Ordinal)));
        Assert.Equal(Ids(graph.Revisions.Where(children.Contains)), Ids(children));
        Assert.Equal("e f", Ids(graph.BranchPoints[1].Children));
    }

    [Fact]
    public void A_linear_history_has_no_branch_points()
    {
        Assert.Empty(Linear().BranchPoints);
    }

    [Fact]
    public void Dependents_do_not_make_a_branch_point()
    {
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("x", [], dependsOn: ["a"]));

        Assert.Empty(graph.BranchPoints);
    }

    [Fact]
    public void An_empty_graph_has_no_heads_and_no_bases()
    {
        var graph = Graph();

        Assert.Empty(graph.Revisions);
        Assert.Empty(graph.Heads);
        Assert.Empty(graph.Bases);
    }

    [Fact]
    public void A_duplicate_id_fails_and_names_both_sources()
    {
        var error = Fails(() => Graph(
            new RevisionInfo("a", source: "App.Revisions.First"),
            new RevisionInfo("a", source: "App.Revisions.Second")));

        Assert.Equal("Revision a is present more than once (App.Revisions.First and App.Revisions.Second)", error.Message);
    }

    [Fact]
    public void A_missing_parent_fails_and_names_both_revisions()
    {
        var error = Fails(() => Graph(Rev("a"), new RevisionInfo("c", ["b"], source: "App.C")));

        Assert.Equal("Parent b of revision c (App.C) is not present", error.Message);
    }

    [Fact]
    public void A_missing_dependency_fails()
    {
        var error = Fails(() => Graph(Rev("a"), Rev("b", ["a"], dependsOn: ["zzz"])));

        Assert.Equal("Dependency zzz of revision b is not present (neither a revision id nor a branch name)", error.Message);
    }

    [Fact]
    public void A_dependency_may_name_a_branch_label()
    {
        // Checked against Alembic 1.8.1.
        var graph = Graph(Rev("a", [], labels: ["core"]), Rev("x", [], dependsOn: ["core"]));

        var plan = graph.PlanUpgrade(None, "x");

        Assert.Equal("a x", Ids(plan));
    }

    [Fact]
    public void A_self_loop_fails()
    {
        var error = Fails(() => Graph(Rev("a", "a")));

        Assert.Equal("Self-loop is detected in revisions (a)", error.Message);
    }

    [Fact]
    public void A_dependency_on_itself_fails()
    {
        var error = Fails(() => Graph(Rev("a", [], dependsOn: ["a"])));

        Assert.Equal("Dependency self-loop is detected in revisions (a)", error.Message);
    }

    [Fact]
    public void A_cycle_fails_and_names_only_the_revisions_on_it()
    {
        // base - a - b - c - a (cycle), and d hangs off the cycle: d is not part of it.
        var error = Fails(() => Graph(Rev("base0"), Rev("a", "base0", "c"), Rev("b", "a"), Rev("c", "b"), Rev("d", "c")));

        Assert.Equal("Cycle is detected in revisions (a, b, c)", error.Message);
    }

    [Fact]
    public void A_graph_that_is_only_a_cycle_fails()
    {
        var error = Fails(() => Graph(Rev("a", "b"), Rev("b", "a")));

        Assert.Equal("Cycle is detected in revisions (a, b)", error.Message);
    }

    [Fact]
    public void A_cycle_through_a_dependency_fails_as_a_dependency_cycle()
    {
        // a - b on one line, x - y on another; b depends on y and x depends on b.
        var error = Fails(() => Graph(Rev("a"), Rev("b", ["a"], dependsOn: ["y"]), Rev("x", [], dependsOn: ["b"]), Rev("y", "x")));

        Assert.Equal("Dependency cycle is detected in revisions (b, x, y)", error.Message);
    }

    [Fact]
    public void A_branch_label_used_twice_fails()
    {
        var error = Fails(() => Graph(Rev("a", [], labels: ["core"]), Rev("b", ["a"], labels: ["core"])));

        Assert.Equal("Branch name 'core' in revision b already used by revision a", error.Message);
    }

    [Fact]
    public void A_branch_label_equal_to_a_revision_id_fails()
    {
        var error = Fails(() => Graph(Rev("a"), Rev("b", ["a"], labels: ["a"])));

        Assert.Equal("Branch name 'a' in revision b already used by revision a", error.Message);
    }

    [Theory]
    [InlineData("a-b", "-")]
    [InlineData("a+b", "+")]
    [InlineData("a@b", "@")]
    [InlineData("a:b", ":")]
    public void An_id_with_a_character_the_target_syntax_uses_fails(string id, string character)
    {
        var error = Fails(() => Graph(Rev(id)));

        Assert.Equal($"Character(s) '{character}' not allowed in revision identifier '{id}'", error.Message);
    }

    [Theory]
    [InlineData("head")]
    [InlineData("heads")]
    [InlineData("base")]
    [InlineData("current")]
    public void A_reserved_word_cannot_be_an_id(string id)
    {
        var error = Fails(() => Graph(Rev(id)));

        Assert.Contains("reserved word", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    public void An_empty_id_or_one_with_whitespace_fails(string id)
    {
        var error = Fails(() => Graph(Rev(id)));

        Assert.Contains("is empty or contains whitespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_label_with_an_at_sign_fails()
    {
        var error = Fails(() => Graph(Rev("a", [], labels: ["x@y"])));

        Assert.Equal("Character(s) '@' not allowed in branch name 'x@y' of revision a", error.Message);
    }

    [Fact]
    public void A_parent_named_twice_fails()
    {
        var error = Fails(() => Graph(Rev("a"), Rev("b", "a", "a")));

        Assert.Equal("Revision b names parent a twice", error.Message);
    }

    [Fact]
    public void A_dependency_that_is_also_a_parent_is_harmless()
    {
        var graph = Graph(Rev("a"), Rev("b", ["a"], dependsOn: ["a", "a"]));

        Assert.Equal("a b", Ids(graph.PlanUpgrade(None, "head")));
    }

    public static TheoryData<RevisionInfo[]> BadGraphs => new()
    {
        new[] { new RevisionInfo("a", source: "A"), new RevisionInfo("a", source: "B") },
        new[] { new RevisionInfo("b", ["a"]) },
        new[] { new RevisionInfo("a", ["b"]), new RevisionInfo("b", ["a"]) },
        new[] { new RevisionInfo("a", dependsOn: ["b"]), new RevisionInfo("b", dependsOn: ["a"]) },
        new[] { new RevisionInfo("a", branchLabels: ["x"]), new RevisionInfo("b", branchLabels: ["x"]) },
    };

    [Theory]
    [MemberData(nameof(BadGraphs))]
    public void Every_validation_error_is_one_line(RevisionInfo[] revisions)
    {
        var error = Fails(() => RevisionGraph.Build(revisions));

        Assert.DoesNotContain('\n', error.Message);
        Assert.NotEmpty(error.Message);
    }

    [Fact]
    public void Get_finds_an_exact_id_and_nothing_else()
    {
        var graph = Labelled();

        Assert.Equal("b2", graph.Get("b2").Id);
        Assert.Equal("Can't locate revision identified by 'b'", Fails(() => graph.Get("b")).Message);
        Assert.Equal("Can't locate revision identified by 'billing'", Fails(() => graph.Get("billing")).Message);
    }

    [Fact]
    public void Contains_checks_exact_ids()
    {
        var graph = Linear();

        Assert.True(graph.Contains("c"));
        Assert.False(graph.Contains("z"));
    }
}
