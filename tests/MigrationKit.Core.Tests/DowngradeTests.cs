using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class DowngradeTests
{
    [Fact]
    public void Downgrade_to_a_revision_undoes_its_descendants_newest_first()
    {
        var plan = Linear().PlanDowngrade(Rows("e"), "b");

        Assert.Equal("e d c", Ids(plan));
        Assert.All(plan.Steps, step => Assert.Equal(MigrationDirection.Downgrade, step.Direction));
        Assert.Equal(["e: e => d", "d: d => c", "c: c => b"], Table(plan));
    }

    [Fact]
    public void Downgrade_base_undoes_everything_and_empties_the_table()
    {
        var plan = Linear().PlanDowngrade(Rows("c"), "base");

        Assert.Equal("c b a", Ids(plan));
        Assert.Empty(plan.HeadsAfter);
    }

    [Fact]
    public void Downgrade_base_of_an_empty_database_is_an_empty_plan()
    {
        // Checked against Alembic 1.8.1.
        Assert.Empty(Linear().PlanDowngrade(None, "base").Steps);
    }

    [Fact]
    public void Downgrade_to_the_current_head_is_an_empty_plan()
    {
        var plan = Linear().PlanDowngrade(Rows("c"), "c");

        Assert.Empty(plan.Steps);
        Assert.Equal("c", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Downgrade_to_one_of_several_current_heads_is_an_empty_plan()
    {
        // Checked against Alembic 1.8.1.
        Assert.Empty(Diamond().PlanDowngrade(Rows("b2", "c2"), "b2").Steps);
    }

    [Fact]
    public void Downgrade_to_a_revision_that_is_not_applied_fails()
    {
        // Checked against Alembic 1.8.1 (same message).
        var error = Fails(() => Diamond().PlanDowngrade(Rows("b2"), "c2"));

        Assert.Equal("Destination c2 is not a valid downgrade target from current head(s)", error.Message);
        Assert.Equal("The current heads are b2; the target must be one of them or one of their ancestors.", error.Hint);
    }

    [Fact]
    public void Downgrade_to_a_revision_above_the_current_head_fails()
    {
        var error = Fails(() => Linear().PlanDowngrade(Rows("b"), "d"));

        Assert.Equal("Destination d is not a valid downgrade target from current head(s)", error.Message);
    }

    [Fact]
    public void Downgrade_through_a_merge_splits_the_row_back_into_the_parents()
    {
        // Checked against Alembic 1.8.1.
        var plan = Diamond().PlanDowngrade(Rows("n"), "b2");

        Assert.Equal(["n: n => m", "m: m => b2 c2"], Table(plan));
    }

    [Fact]
    public void Downgrade_base_through_a_merge_keeps_one_row_per_remaining_branch()
    {
        var plan = Diamond().PlanDowngrade(Rows("n"), "base");

        Assert.Equal(
            [
                "n: n => m",
                "m: m => b2 c2",
                "c2: b2 c2 => b2 c1",
                "c1: b2 c1 => b2",
                "b2: b2 => b1",
                "b1: b1 => a",
                "a: a => -",
            ],
            Table(plan));
    }

    [Fact]
    public void Downgrade_of_a_merge_of_three_restores_three_rows()
    {
        // Checked against Alembic 1.8.1: "m -> b, c, d" leaves rows b, c, d.
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "a"), Rev("d", "a"), Rev("m", "b", "c", "d"));

        var plan = graph.PlanDowngrade(Rows("m"), "b");

        Assert.Equal(["m: m => b c d"], Table(plan));
    }

    [Fact]
    public void Downgrade_to_a_branch_point_undoes_every_branch_above_it()
    {
        // Checked against Alembic 1.8.1: both branches go.
        var plan = Diamond().PlanDowngrade(Rows("b2", "c2"), "a");

        Assert.Equal("a", Ids(plan.HeadsAfter));
        Assert.Equal("b1 b2 c1 c2", Ids(plan.Steps.Select(s => s.Revision).OrderBy(r => r.Id, StringComparer.Ordinal)));
    }

    [Fact]
    public void Downgrade_leaves_unrelated_heads_alone()
    {
        var plan = Labelled().PlanDowngrade(Rows("b2", "y"), "x");

        Assert.Equal(["y: b2 y => b2 x"], Table(plan));
    }

    [Fact]
    public void Downgrade_branch_at_base_of_a_separate_root_undoes_only_that_root()
    {
        // Checked against Alembic 1.8.1.
        var plan = Labelled().PlanDowngrade(Rows("b2", "c2", "y"), "audit@base");

        Assert.Equal(["y: b2 c2 y => b2 c2 x", "x: b2 c2 x => b2 c2"], Table(plan));
    }

    [Fact]
    public void Downgrade_branch_at_base_of_a_shared_root_undoes_everything_on_that_root()
    {
        // Checked against Alembic 1.8.1: billing and users share the root a, so both go (audit stays).
        var plan = Labelled().PlanDowngrade(Rows("b2", "c2", "y"), "billing@base");

        Assert.Equal("y", Ids(plan.HeadsAfter));
        Assert.Equal(5, plan.Steps.Count);
    }

    [Fact]
    public void Downgrade_branch_at_a_branch_point_undoes_only_that_branch()
    {
        var plan = Labelled().PlanDowngrade(Rows("b2", "c2"), "billing@a");

        Assert.Equal(["b2: b2 c2 => b1 c2", "b1: b1 c2 => c2"], Table(plan));
    }

    [Fact]
    public void Downgrade_of_a_dependency_undoes_the_revisions_that_depend_on_it()
    {
        // Checked against Alembic 1.8.1.
        var plan = DependsAcross().PlanDowngrade(Rows("c"), "x");

        Assert.Equal(["c: c => b y", "y: b y => b x"], Table(plan));
    }

    [Fact]
    public void Downgrade_below_a_revision_gives_the_row_back_to_its_dependency()
    {
        // Checked against Alembic 1.8.1: "c -> b" leaves rows b and y.
        var plan = DependsAcross().PlanDowngrade(Rows("c"), "b");

        Assert.Equal(["c: c => b y"], Table(plan));
    }

    [Fact]
    public void Downgrade_to_a_revision_implied_only_through_a_dependency_fails()
    {
        // Checked against Alembic 1.8.1: x is applied (y depends on it) but is not on any current head's line.
        var graph = Graph(Rev("a"), Rev("x", [], dependsOn: ["a"]), Rev("y", "x"));

        var error = Fails(() => graph.PlanDowngrade(Rows("y"), "a"));

        Assert.Equal("Destination a is not a valid downgrade target from current head(s)", error.Message);
    }

    [Fact]
    public void A_redundant_dependency_does_not_add_a_row_on_downgrade()
    {
        // c follows b and also depends on a, which b already implies. Alembic 1.8.1 leaves rows (a, b) here, a
        // row that its own `current` hides; the table here keeps one row per head.
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", ["b"], dependsOn: ["a"]));

        var plan = graph.PlanDowngrade(Rows("c"), "b");

        Assert.Equal(["c: c => b"], Table(plan));
    }

    [Fact]
    public void Downgrade_heads_with_two_heads_fails()
    {
        var error = Fails(() => TwoHeads().PlanDowngrade(Rows("b", "c"), "heads"));

        Assert.StartsWith("Multiple head revisions are present for given argument 'heads'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Downgrade_fails_when_a_row_names_an_unknown_revision()
    {
        var error = Fails(() => Linear().PlanDowngrade(Rows("c", "gone"), "base"));

        Assert.Equal("Can't locate revision identified by 'gone'", error.Message);
    }
}
