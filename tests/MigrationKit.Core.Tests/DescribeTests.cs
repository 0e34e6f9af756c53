using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class DescribeTests
{
    [Fact]
    public void An_upgrade_reads_like_Alembics_log_line()
    {
        var step = Linear().PlanUpgrade(Rows("a"), "b").Steps[0];

        Assert.Equal("upgrade a -> b, b message", step.Describe());
    }

    [Fact]
    public void The_upgrade_of_a_base_has_an_empty_left_side()
    {
        // Alembic prints "Running upgrade  -> a, message" (two spaces).
        Assert.Equal("upgrade  -> a, a message", Linear().PlanUpgrade(None, "a").Steps[0].Describe());
    }

    [Fact]
    public void A_merge_lists_its_parents()
    {
        var step = Diamond().PlanUpgrade(Rows("b2", "c2"), "m").Steps[0];

        Assert.Equal("upgrade b2, c2 -> m, m message", step.Describe());
    }

    [Fact]
    public void A_downgrade_goes_the_other_way()
    {
        Assert.Equal("downgrade m -> b2, c2, m message", Diamond().PlanDowngrade(Rows("m"), "b2").Steps[0].Describe());
        Assert.Equal("downgrade a -> , a message", Linear().PlanDowngrade(Rows("a"), "base").Steps[0].Describe());
    }

    [Fact]
    public void Dependencies_are_not_shown()
    {
        var step = DependsAcross().PlanUpgrade(Rows("b", "y"), "c").Steps[0];

        Assert.Equal("upgrade b -> c, c message", step.Describe());
    }

    [Fact]
    public void Without_a_message_there_is_no_trailing_comma()
    {
        var graph = Graph(new RevisionInfo("a"), new RevisionInfo("b", ["a"]));

        Assert.Equal("upgrade a -> b", graph.PlanUpgrade(Rows("a"), "b").Steps[0].Describe());
    }
}
