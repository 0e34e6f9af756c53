using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class VersionTableTests
{
    [Fact]
    public void Applied_is_every_ancestor_of_every_row()
    {
        Assert.Equal("a b c", Ids(Linear().Applied(Rows("c")).Order(StringComparer.Ordinal)));
        Assert.Equal("a b1 b2 c1 x y", Ids(Labelled().Applied(Rows("b2", "c1", "y")).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Applied_includes_dependencies()
    {
        Assert.Equal("a b c x y", Ids(DependsAcross().Applied(Rows("c")).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Nothing_is_applied_for_an_empty_table()
    {
        Assert.Empty(Linear().Applied(None));
    }

    [Fact]
    public void Applied_fails_for_an_unknown_row()
    {
        Assert.Equal("Can't locate revision identified by 'gone'", Fails(() => Linear().Applied(Rows("gone"))).Message);
    }

    [Fact]
    public void Known_rows_are_valid()
    {
        Assert.Null(Record.Exception(() => Labelled().ValidateCurrentHeads(Rows("b2", "c2", "y"))));
    }

    [Fact]
    public void A_row_that_is_not_in_the_graph_fails_with_advice_to_stamp()
    {
        var error = Fails(() => Linear().ValidateCurrentHeads(Rows("c", "9f9f9f9f9f9f")));

        Assert.Equal("Can't locate revision identified by '9f9f9f9f9f9f'", error.Message);
        Assert.Equal(
            "The database's version table names revision '9f9f9f9f9f9f', which this project does not contain. " +
            "If that revision was removed or renamed, rewrite the table with 'stamp --purge <revision>'.",
            error.Hint);
    }

    [Fact]
    public void A_row_must_be_a_full_id_not_a_prefix()
    {
        Assert.Throws<MigrationKitException>(() => Linear().ValidateCurrentHeads(Rows("c", "d0")));
        Assert.Throws<MigrationKitException>(() => Labelled().ValidateCurrentHeads(Rows("billing")));
    }

    [Fact]
    public void Each_step_starts_from_the_rows_the_previous_step_left()
    {
        var plan = Diamond().PlanUpgrade(None, "head");

        Assert.Equal(plan.HeadsBefore, plan.Steps[0].HeadsBefore);
        for (var i = 1; i < plan.Steps.Count; i++)
        {
            Assert.Equal(plan.Steps[i - 1].HeadsAfter, plan.Steps[i].HeadsBefore);
        }

        Assert.Equal(plan.Steps[^1].HeadsAfter, plan.HeadsAfter);
    }

    [Fact]
    public void Rows_are_listed_in_graph_order_whatever_order_they_were_read_in()
    {
        var plan = Labelled().PlanUpgrade(Rows("y", "c2", "b1"), "billing@head");

        Assert.Equal("b1 c2 y", Ids(plan.HeadsBefore));
        Assert.Equal("b2 c2 y", Ids(plan.HeadsAfter));
    }

    [Fact]
    public void Upgrade_then_downgrade_to_the_start_restores_the_rows()
    {
        var graph = Labelled();
        var up = graph.PlanUpgrade(Rows("b1"), "heads");

        var down = graph.PlanDowngrade(up.HeadsAfter, "b1");

        // Downgrading to b1 leaves c2 and y: downgrade only undoes what descends from the target.
        Assert.Equal("b1 c2 y", Ids(down.HeadsAfter));
        Assert.Equal("b2", Ids(down.Steps.Select(s => s.Revision)));
    }

    [Fact]
    public void Stamp_agrees_with_the_rows_an_upgrade_leaves()
    {
        var graph = Labelled();

        Assert.Equal(graph.PlanUpgrade(None, "heads").HeadsAfter, graph.Stamp(None, ["heads"], purge: false));
        Assert.Equal(graph.PlanUpgrade(Rows("b2"), "c1").HeadsAfter, graph.Stamp(Rows("b2"), ["c1"], purge: false));
    }
}
