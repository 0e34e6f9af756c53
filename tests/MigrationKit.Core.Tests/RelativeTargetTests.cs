using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class RelativeTargetTests
{
    [Fact]
    public void Upgrade_plus_one_applies_the_next_revision()
    {
        Assert.Equal("d", Ids(Linear().PlanUpgrade(Rows("c"), "+1")));
    }

    [Fact]
    public void Upgrade_plus_two_from_an_empty_database_starts_at_the_base()
    {
        Assert.Equal("a b", Ids(Linear().PlanUpgrade(None, "+2")));
    }

    [Fact]
    public void Upgrade_too_far_fails_with_Alembics_message()
    {
        // Checked against Alembic 1.8.1.
        var error = Fails(() => Linear().PlanUpgrade(Rows("b"), "+5"));

        Assert.Equal("Relative revision +5 didn't produce 5 migrations", error.Message);
    }

    [Fact]
    public void Upgrade_plus_one_with_several_current_heads_is_ambiguous()
    {
        // Checked against Alembic 1.8.1: "Ambiguous upgrade from multiple current revisions".
        var error = Fails(() => Diamond().PlanUpgrade(Rows("b1", "c1"), "+1"));

        Assert.Equal("Ambiguous upgrade from multiple current revisions (b1, c1)", error.Message);
        Assert.Equal("Name where to start from: '<revision>+1' or '<branchname>@+1', for example 'b1+1'.", error.Hint);
    }

    [Fact]
    public void Upgrade_plus_one_through_a_branch_point_is_ambiguous()
    {
        // Checked against Alembic 1.8.1 ("Ambiguous walk").
        var error = Fails(() => Diamond().PlanUpgrade(Rows("a"), "+1"));

        Assert.Equal(
            "Relative revision +1 is ambiguous: a is a branch point (children b1, c1); name the target revision, " +
            "or narrow the walk with '<branchname>@+1'",
            error.Message);
    }

    [Fact]
    public void Upgrade_plus_one_from_base_with_several_roots_is_ambiguous()
    {
        var error = Fails(() => Labelled().PlanUpgrade(None, "+1"));

        Assert.StartsWith("Relative revision +1 is ambiguous: there are several base revisions (a, x)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Upgrade_plus_one_into_a_merge_also_applies_the_merges_other_parents()
    {
        // Checked against Alembic 1.8.1: +1 from b2 is m, which needs c1 and c2 as well.
        Assert.Equal("c1 c2 m", Ids(Diamond().PlanUpgrade(Rows("b2"), "+1")));
    }

    [Fact]
    public void Upgrade_minus_one_fails_like_Alembic()
    {
        // Checked against Alembic 1.8.1.
        var error = Fails(() => Linear().PlanUpgrade(Rows("c"), "-1"));

        Assert.Equal("Relative revision -1 didn't produce 1 migrations", error.Message);
        Assert.Equal("An upgrade cannot go back; use downgrade for that.", error.Hint);
    }

    [Fact]
    public void Upgrade_revision_plus_n_walks_up_from_that_revision()
    {
        Assert.Equal("d", Ids(Linear().PlanUpgrade(Rows("c"), "b+2")));
    }

    [Fact]
    public void Upgrade_revision_minus_n_walks_down_from_that_revision()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("a b1", Ids(Labelled().PlanUpgrade(None, "b2-1")));
    }

    [Fact]
    public void Upgrade_revision_plus_n_too_far_fails()
    {
        var error = Fails(() => Linear().PlanUpgrade(None, "c+3"));

        Assert.Equal("Relative revision c+3 didn't produce 3 migrations", error.Message);
    }

    [Fact]
    public void Upgrade_branch_at_plus_one_walks_up_that_branch()
    {
        // Checked against Alembic 1.8.1: from b2, users@+1 is c1.
        var plan = Labelled().PlanUpgrade(Rows("b2"), "users@+1");

        Assert.Equal(["c1: b2 => b2 c1"], Table(plan));
    }

    [Fact]
    public void Upgrade_branch_at_plus_two_from_an_empty_database_starts_at_the_branchs_root()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("a b1", Ids(Labelled().PlanUpgrade(None, "billing@+2")));
    }

    [Fact]
    public void Upgrade_branch_at_plus_one_from_a_current_head_on_the_branch()
    {
        Assert.Equal("b2", Ids(Labelled().PlanUpgrade(Rows("b1", "c2"), "billing@+1")));
    }

    [Fact]
    public void Upgrade_branch_at_plus_one_of_a_separate_root()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("x", Ids(Labelled().PlanUpgrade(Rows("b2"), "audit@+1")));
    }

    [Fact]
    public void Upgrade_branch_at_revision_minus_one()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("a b1", Ids(Labelled().PlanUpgrade(None, "billing@b2-1")));
    }

    [Fact]
    public void Upgrade_base_plus_one_is_the_first_revision()
    {
        Assert.Equal("a", Ids(Linear().PlanUpgrade(None, "base+1")));
    }

    [Fact]
    public void Downgrade_minus_one_undoes_the_current_head()
    {
        var plan = Linear().PlanDowngrade(Rows("e"), "-1");

        Assert.Equal(["e: e => d"], Table(plan));
    }

    [Fact]
    public void Downgrade_minus_n_past_the_first_revision_reaches_base()
    {
        Assert.Empty(Linear().PlanDowngrade(Rows("c"), "-3").HeadsAfter);
    }

    [Fact]
    public void Downgrade_too_far_fails()
    {
        var error = Fails(() => Linear().PlanDowngrade(Rows("c"), "-4"));

        Assert.Equal("Relative revision -4 didn't produce 4 migrations", error.Message);
    }

    [Fact]
    public void Downgrade_minus_one_of_an_empty_database_fails()
    {
        // Checked against Alembic 1.8.1.
        var error = Fails(() => Linear().PlanDowngrade(None, "-1"));

        Assert.Equal("Relative revision -1 didn't produce 1 migrations", error.Message);
    }

    [Fact]
    public void Downgrade_minus_one_at_a_merge_point_fails_and_says_to_name_the_target()
    {
        // Checked against Alembic 1.8.1 ("Ambiguous walk").
        var error = Fails(() => Diamond().PlanDowngrade(Rows("m"), "-1"));

        Assert.Equal(
            "Relative revision -1 is ambiguous: m is a merge point (parents b2, c2); name the target revision instead",
            error.Message);
        Assert.Equal("For example 'b2'; 'history' shows the graph.", error.Hint);
    }

    [Fact]
    public void Downgrade_minus_one_just_above_a_merge_point_works()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal(["n: n => m"], Table(Diamond().PlanDowngrade(Rows("n"), "-1")));
    }

    [Fact]
    public void Downgrade_minus_two_across_a_merge_point_fails()
    {
        var error = Fails(() => Diamond().PlanDowngrade(Rows("n"), "-2"));

        Assert.StartsWith("Relative revision -2 is ambiguous: m is a merge point", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Downgrade_minus_one_with_several_current_heads_is_refused()
    {
        // Alembic 1.8.1 warns and steps down from whichever row the database returns first.
        var error = Fails(() => Diamond().PlanDowngrade(Rows("b2", "c2"), "-1"));

        Assert.Equal("Relative revision -1 is ambiguous: the database has several current heads (b2, c2)", error.Message);
        Assert.Equal("Name the head to step down from, for example 'b2@-1', or name the target revision.", error.Hint);
    }

    [Fact]
    public void Downgrade_head_at_minus_one_steps_down_that_heads_branch_only()
    {
        // Checked against Alembic 1.8.1: b@-1 from (b, c) undoes only b.
        var plan = TwoHeads().PlanDowngrade(Rows("b", "c"), "b@-1");

        Assert.Equal(["b: b c => c"], Table(plan));
    }

    [Fact]
    public void Downgrade_revision_minus_one_undoes_everything_above_the_target()
    {
        // Checked against Alembic 1.8.1: b-1 is a, and downgrading to a undoes both b and c.
        var plan = TwoHeads().PlanDowngrade(Rows("b", "c"), "b-1");

        Assert.Equal("a", Ids(plan.HeadsAfter));
        Assert.Equal(2, plan.Steps.Count);
    }

    [Fact]
    public void Downgrade_branch_at_minus_one_steps_down_that_branch()
    {
        // Checked against Alembic 1.8.1.
        var plan = Labelled().PlanDowngrade(Rows("b2", "c2"), "users@-1");

        Assert.Equal(["c2: b2 c2 => b2 c1"], Table(plan));
    }

    [Fact]
    public void Downgrade_branch_at_minus_n_down_to_its_root_undoes_the_shared_root()
    {
        // Checked against Alembic 1.8.1: billing@-3 walks b2, b1, a, base; base of a shared root is everything on it.
        var plan = Labelled().PlanDowngrade(Rows("b2", "c2"), "billing@-3");

        Assert.Empty(plan.HeadsAfter);
    }

    [Fact]
    public void Downgrade_branch_at_minus_one_of_a_separate_root()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal(["y: b2 y => b2 x"], Table(Labelled().PlanDowngrade(Rows("b2", "y"), "audit@-1")));
    }

    [Fact]
    public void Downgrade_branch_at_minus_one_when_nothing_of_the_branch_is_applied_fails()
    {
        var error = Fails(() => Labelled().PlanDowngrade(Rows("b2"), "audit@-1"));

        Assert.Equal("Relative revision audit@-1 didn't produce 1 migrations", error.Message);
    }

    [Fact]
    public void Downgrade_plus_one_fails_like_Alembic()
    {
        // Checked against Alembic 1.8.1.
        var error = Fails(() => Linear().PlanDowngrade(Rows("c"), "+1"));

        Assert.Equal("Relative revision +1 didn't produce 1 migrations", error.Message);
        Assert.Equal("A downgrade cannot go forward; use upgrade for that.", error.Hint);
    }

    [Fact]
    public void Downgrade_revision_plus_one_walks_up_from_that_revision()
    {
        Assert.Equal(["e: e => d", "d: d => c"], Table(Linear().PlanDowngrade(Rows("e"), "b+1")));
    }

    [Fact]
    public void Downgrade_revision_plus_one_through_a_branch_point_is_ambiguous()
    {
        // Checked against Alembic 1.8.1 ("Ambiguous walk").
        var error = Fails(() => Labelled().PlanDowngrade(Rows("b2", "c2"), "a+1"));

        Assert.StartsWith("Relative revision a+1 is ambiguous: a is a branch point (children b1, c1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Downgrade_branch_at_revision_plus_one_follows_the_branch()
    {
        // Checked against Alembic 1.8.1: billing@a+1 is b1, so only b2 is undone.
        Assert.Equal(["b2: b2 c2 => b1 c2"], Table(Labelled().PlanDowngrade(Rows("b2", "c2"), "billing@a+1")));
    }

    [Fact]
    public void A_prefix_works_in_a_relative_target()
    {
        var graph = Graph(Rev("3f7b2c9d1e84"), Rev("8c1d9e4f2a10", "3f7b2c9d1e84"), Rev("a45e6d0c7b39", "8c1d9e4f2a10"));

        Assert.Equal("8c1d9e4f2a10 a45e6d0c7b39", Ids(graph.PlanUpgrade(Rows("3f7b2c9d1e84"), "3f7+2")));
    }
}
