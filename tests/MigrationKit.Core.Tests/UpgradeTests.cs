using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class UpgradeTests
{
    [Fact]
    public void Upgrade_head_from_an_empty_database_applies_everything_parents_first()
    {
        var plan = Linear().PlanUpgrade(None, "head");

        Assert.Equal("a b c d e", Ids(plan));
        Assert.All(plan.Steps, step => Assert.Equal(MigrationDirection.Upgrade, step.Direction));
        Assert.Empty(plan.HeadsBefore);
        Assert.Equal("e", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Each_step_moves_the_single_row_forward()
    {
        var plan = Linear().PlanUpgrade(None, "c");

        Assert.Equal(["a: - => a", "b: a => b", "c: b => c"], Table(plan));
    }

    [Fact]
    public void Upgrade_applies_only_what_the_current_head_does_not_imply()
    {
        var plan = Linear().PlanUpgrade(Rows("c"), "head");

        Assert.Equal("d e", Ids(plan));
        Assert.Equal("c", Ids(plan.HeadsBefore));
    }

    [Fact]
    public void Upgrade_to_an_applied_revision_is_an_empty_plan()
    {
        var plan = Linear().PlanUpgrade(Rows("e"), "c");

        Assert.Empty(plan.Steps);
        Assert.Equal("e", Ids(plan.HeadsBefore));
        Assert.Equal("e", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Upgrade_to_the_current_head_is_an_empty_plan()
    {
        Assert.Empty(Linear().PlanUpgrade(Rows("e"), "head").Steps);
    }

    [Fact]
    public void Upgrade_base_is_an_empty_plan()
    {
        // Checked against Alembic 1.8.1: `upgrade base` does nothing and succeeds.
        Assert.Empty(Labelled().PlanUpgrade(Rows("b2"), "base").Steps);
    }

    [Fact]
    public void Upgrade_head_with_two_heads_fails_and_names_them()
    {
        var error = Fails(() => TwoHeads().PlanUpgrade(None, "head"));

        Assert.Equal(
            "Multiple head revisions are present for given argument 'head'; please specify a specific target revision, " +
            "'<branchname>@head' to narrow to a specific head, or 'heads' for all heads (the heads are b, c)",
            error.Message);
        Assert.Equal("'merge heads' joins them into a single head.", error.Hint);
    }

    [Fact]
    public void Upgrade_heads_applies_every_branch_and_leaves_a_row_per_head()
    {
        var plan = TwoHeads().PlanUpgrade(None, "heads");

        Assert.Equal(["a: - => a", "b: a => b", "c: b => b c"], Table(plan));
    }

    [Fact]
    public void Upgrading_one_branch_leaves_the_other_head_alone()
    {
        var plan = TwoHeads().PlanUpgrade(Rows("b"), "c");

        Assert.Equal(["c: b => b c"], Table(plan));
    }

    [Fact]
    public void Upgrade_across_a_merge_applies_each_parent_branch_then_the_merge()
    {
        // Checked against Alembic 1.8.1: the same version-table rows after each step (Alembic walks the c branch
        // first; either order respects the graph).
        var plan = Diamond().PlanUpgrade(None, "head");

        Assert.Equal(
            [
                "a: - => a",
                "b1: a => b1",
                "b2: b1 => b2",
                "c1: b2 => b2 c1",
                "c2: b2 c1 => b2 c2",
                "m: b2 c2 => m",
                "n: m => n",
            ],
            Table(plan));
    }

    [Fact]
    public void Upgrade_to_a_merge_from_one_branch_applies_the_other_branch_first()
    {
        // Checked against Alembic 1.8.1.
        var plan = Diamond().PlanUpgrade(Rows("b2"), "m");

        Assert.Equal(["c1: b2 => b2 c1", "c2: b2 c1 => b2 c2", "m: b2 c2 => m"], Table(plan));
    }

    [Fact]
    public void Upgrade_to_a_merge_of_three_collapses_three_rows_into_one()
    {
        // Checked against Alembic 1.8.1.
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "a"), Rev("d", "a"), Rev("m", "b", "c", "d"));

        var plan = graph.PlanUpgrade(None, "head");

        Assert.Equal(["a: - => a", "b: a => b", "c: b => b c", "d: b c => b c d", "m: b c d => m"], Table(plan));
    }

    [Fact]
    public void Upgrade_branch_at_head_follows_the_branch_only()
    {
        var plan = Labelled().PlanUpgrade(None, "billing@head");

        Assert.Equal("a b1 b2", Ids(plan));
        Assert.Equal("b2", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Upgrade_branch_at_base_is_an_empty_plan()
    {
        Assert.Empty(Labelled().PlanUpgrade(Rows("b1"), "billing@base").Steps);
    }

    [Fact]
    public void Upgrade_a_second_root_adds_a_row_and_keeps_the_others()
    {
        // Checked against Alembic 1.8.1.
        var plan = Labelled().PlanUpgrade(Rows("b2"), "audit@head");

        Assert.Equal(["x: b2 => b2 x", "y: b2 x => b2 y"], Table(plan));
    }

    [Fact]
    public void Revision_at_head_is_the_head_of_the_branch_containing_the_revision()
    {
        var plan = Labelled().PlanUpgrade(None, "b1@head");

        Assert.Equal("a b1 b2", Ids(plan));
    }

    [Fact]
    public void Revision_at_head_below_a_branch_point_is_ambiguous()
    {
        // Checked against Alembic 1.8.1: "Multiple heads are present for given argument 'a@head'; b2, c2".
        var error = Fails(() => Labelled().PlanUpgrade(None, "a@head"));

        Assert.Equal(
            "Multiple head revisions are present for given argument 'a@head'; please specify a specific target revision, " +
            "or 'heads' for all heads (the heads are b2, c2)",
            error.Message);
    }

    [Fact]
    public void Branch_at_heads_names_every_head_on_the_branch()
    {
        var plan = Diamond().PlanUpgrade(None, "b1@heads");

        Assert.Equal("n", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Upgrade_by_prefix_resolves_the_prefix()
    {
        var graph = Graph(Rev("3f7b2c9d1e84"), Rev("8c1d9e4f2a10", "3f7b2c9d1e84"));

        Assert.Equal("3f7b2c9d1e84", Ids(graph.PlanUpgrade(None, "3f7").HeadsAfter));
    }

    [Fact]
    public void Upgrade_to_an_unknown_revision_fails()
    {
        var error = Fails(() => Linear().PlanUpgrade(None, "zz"));

        Assert.Equal("Can't locate revision identified by 'zz'", error.Message);
    }

    [Fact]
    public void A_dependency_on_another_branch_is_applied_first()
    {
        var plan = DependsAcross().PlanUpgrade(None, "c");

        Assert.Equal("a b x y c", Ids(plan));
    }

    [Fact]
    public void A_revision_takes_over_the_row_of_a_dependency_that_is_a_head()
    {
        // Checked against Alembic 1.8.1: upgrading c from (b, y) leaves the single row c; y stays applied, implied
        // through c's dependency.
        var plan = DependsAcross().PlanUpgrade(Rows("b", "y"), "c");

        Assert.Equal(["c: b y => c"], Table(plan));
    }

    [Fact]
    public void A_dependency_that_is_not_applied_gets_its_own_row_until_the_dependent_runs()
    {
        var plan = DependsAcross().PlanUpgrade(Rows("b"), "c");

        Assert.Equal(["x: b => b x", "y: b x => b y", "c: b y => c"], Table(plan));
    }

    [Fact]
    public void A_base_with_a_dependency_takes_over_the_dependency_row()
    {
        // Checked against Alembic 1.8.1: "upgrade  -> x" turns the row a into x.
        var graph = Graph(Rev("a"), Rev("x", [], dependsOn: ["a"]), Rev("y", "x"));

        var plan = graph.PlanUpgrade(None, "heads");

        Assert.Equal(["a: - => a", "x: a => x", "y: x => y"], Table(plan));
    }

    [Fact]
    public void Upgrade_heads_ends_with_a_row_for_each_head_nothing_depends_on()
    {
        Assert.Equal("c", Ids(DependsAcross().PlanUpgrade(None, "heads").HeadsAfter));
    }

    [Fact]
    public void Upgrade_fails_when_a_row_names_an_unknown_revision()
    {
        var error = Fails(() => Linear().PlanUpgrade(Rows("gone"), "head"));

        Assert.Equal("Can't locate revision identified by 'gone'", error.Message);
        Assert.Contains("stamp --purge", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Upgrade_fails_when_one_row_is_an_ancestor_of_another()
    {
        // Alembic refuses this too ("Requested revision b overlaps with other requested revisions d").
        var error = Fails(() => Linear().PlanUpgrade(Rows("b", "d"), "head"));

        Assert.StartsWith("Current revision b overlaps with current revision d", error.Message, StringComparison.Ordinal);
        Assert.Equal("Rewrite the version table, for example 'stamp --purge d'.", error.Hint);
    }

    [Fact]
    public void Duplicate_rows_count_once()
    {
        var plan = Linear().PlanUpgrade(Rows("c", "c"), "head");

        Assert.Equal("c", Ids(plan.HeadsBefore));
        Assert.Equal("d e", Ids(plan));
    }

    [Fact]
    public void Upgrade_on_an_empty_graph_is_an_empty_plan()
    {
        Assert.Empty(Graph().PlanUpgrade(None, "head").Steps);
    }
}
