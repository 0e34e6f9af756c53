using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

/// <summary>
/// <c>depends_on</c> across two roots, each test mirroring what Alembic 1.8.1 does with the same graph (run
/// side by side on SQLite): a dependency is applied first but makes no merge point, the dependent takes over
/// the dependency's row, and <c>current</c> still shows the dependency while its own branch goes no further.
/// </summary>
public class DependencyTests
{
    [Fact]
    public void Upgrade_of_a_revision_with_a_dependency_applies_the_dependency_first_and_leaves_one_row()
    {
        // Alembic runs a1, b1 and a2 (b1 first, any order that puts a1 and b1 before a2 is the same), and at a2
        // its version table joins the rows a1 and b1 into one: a2 alone.
        var plan = DependsOnOtherRoot().PlanUpgrade(None, "a2");

        Assert.Equal(["a1: - => a1", "b1: a1 => a1 b1", "a2: a1 b1 => a2"], Table(plan));
    }

    [Fact]
    public void Current_shows_an_applied_dependency_whose_branch_goes_no_further()
    {
        // Alembic's `current` after `upgrade a2` prints "a2 (head)" and "b1": every applied revision that no
        // applied revision follows as a child, so b1 is listed although a2 took over its row.
        var graph = DependsOnOtherRoot();
        var rows = graph.PlanUpgrade(None, "a2").HeadsAfter;

        Assert.Equal("a2", Rows(rows));
        Assert.Equal("b1 a2", Ids(graph.Current(rows)));
    }

    [Fact]
    public void Upgrade_of_the_dependency_branch_afterwards_adds_a_row_of_its_own()
    {
        // Alembic: none of b2's parents is a row (b1 is implied by a2), so b2 is INSERTed; the table and
        // `current` then both hold a2 and b2.
        var graph = DependsOnOtherRoot();

        var plan = graph.PlanUpgrade(Rows("a2"), "b@head");

        Assert.Equal(["b2: a2 => a2 b2"], Table(plan));
        Assert.Equal("a2 b2", Ids(graph.Current(plan.HeadsAfter)));
    }

    [Fact]
    public void Stamp_of_a_revision_with_a_dependency_stamps_the_dependency_too()
    {
        // Alembic's `stamp a2` on an empty table writes the one row a2, which implies b1: `current` lists b1
        // and `upgrade b@head` runs b2 only.
        var graph = DependsOnOtherRoot();

        var rows = graph.Stamp(None, ["a2"], purge: false);

        Assert.Equal("a2", Rows(rows));
        Assert.Equal("a1 a2 b1", Ids(graph.Applied(rows).Order(StringComparer.Ordinal)));
        Assert.Equal("b1 a2", Ids(graph.Current(rows)));
        Assert.Equal("b2", Ids(graph.PlanUpgrade(rows, "b@head")));
    }

    [Fact]
    public void Stamp_of_a_revision_with_a_dependency_replaces_the_rows_on_its_lines_only()
    {
        // Alembic: from (b1) the stamp UPDATEs b1 to a2; from (a1, b2) it UPDATEs a1 to a2 and keeps b2, which
        // a2 neither implies nor follows.
        var graph = DependsOnOtherRoot();

        Assert.Equal("a2", Rows(graph.Stamp(Rows("b1"), ["a2"], purge: false)));
        Assert.Equal("a2 b2", Rows(graph.Stamp(Rows("a1", "b2"), ["a2"], purge: false)));
    }

    [Fact]
    public void Stamp_heads_keeps_a_head_that_the_new_rows_do_not_imply()
    {
        // Alembic 1.8.1 deviates here: from (a1, b2) its `stamp heads` turns both rows into a2 and loses b2,
        // although b2 stays applied and a2 implies only b1, so its next `upgrade heads` runs b2 a second time.
        // Every applied head keeps its row here.
        var graph = DependsOnOtherRoot();

        var rows = graph.Stamp(Rows("a1", "b2"), ["heads"], purge: false);

        Assert.Equal("a2 b2", Rows(rows));
        Assert.Empty(graph.PlanUpgrade(rows, "heads").Steps);
    }

    [Fact]
    public void Downgrade_of_the_dependent_gives_the_dependency_its_row_back()
    {
        // Alembic: with b2 not applied, undoing a2 splits its row into a1 and b1 (its "unmerge"); with b2
        // applied, b1 is implied by b2 and only a1 comes back.
        var graph = DependsOnOtherRoot();

        Assert.Equal(["a2: a2 => a1 b1"], Table(graph.PlanDowngrade(Rows("a2"), "a1")));
        Assert.Equal(["a2: a2 b2 => a1 b2"], Table(graph.PlanDowngrade(Rows("a2", "b2"), "a1")));
    }

    [Fact]
    public void Downgrade_of_the_dependency_branch_keeps_what_the_dependent_needs()
    {
        // Alembic: downgrading to b1 from (a2, b2) undoes b2 and DELETEs its row, since a2 still implies b1.
        // From (a2) alone b1 is no valid downgrade target, though `current` lists it: nothing above it on its
        // own branch is applied, and downgrading to a revision never undoes its dependents.
        var graph = DependsOnOtherRoot();

        Assert.Equal(["b2: a2 b2 => a2"], Table(graph.PlanDowngrade(Rows("a2", "b2"), "b1")));
        Assert.Equal(
            "Destination b1 is not a valid downgrade target from current head(s)",
            Fails(() => graph.PlanDowngrade(Rows("a2"), "b1")).Message);
    }

    [Fact]
    public void Downgrade_of_the_dependency_branch_to_base_undoes_the_dependent_first()
    {
        // Alembic runs b2, a2, b1 for `downgrade b@base` and leaves a1; `downgrade a@base` leaves b2; `downgrade
        // base` undoes all four (b2, a2, a1, b1 there: any order that undoes a dependent first is the same).
        var graph = DependsOnOtherRoot();

        Assert.Equal(["b2: a2 b2 => a2", "a2: a2 => a1 b1", "b1: a1 b1 => a1"], Table(graph.PlanDowngrade(Rows("a2", "b2"), "b@base")));
        Assert.Equal(["a2: a2 b2 => a1 b2", "a1: a1 b2 => b2"], Table(graph.PlanDowngrade(Rows("a2", "b2"), "a@base")));
        Assert.Equal("b2 a2 b1 a1", Ids(graph.PlanDowngrade(Rows("a2", "b2"), "base")));
    }

    [Fact]
    public void Downgrade_minus_one_with_the_dependent_and_the_dependency_branch_as_heads_is_refused()
    {
        // Alembic 1.8.1 warns and steps down from whichever row the database returns first. Refused here, and
        // the hint's form does what Alembic's `downgrade a@-1` does.
        var graph = DependsOnOtherRoot();

        var error = Fails(() => graph.PlanDowngrade(Rows("a2", "b2"), "-1"));

        Assert.Equal("Relative revision -1 is ambiguous: the database has several current heads (a2, b2)", error.Message);
        Assert.Equal("Name the head to step down from, for example 'a2@-1', or name the target revision.", error.Hint);
        Assert.Equal(["a2: a2 b2 => a1 b2"], Table(graph.PlanDowngrade(Rows("a2", "b2"), "a2@-1")));
    }

    [Fact]
    public void A_head_that_a_revision_depends_on_is_an_effective_head()
    {
        // Alembic's `heads` prints "b1 (b) (effective head)" and "a2 (a) (head)"; `head` names both, and
        // `heads` only a2 (b1 comes with it).
        var graph = DependsOnLoneRoot();

        Assert.Equal("b1 a2", Ids(graph.Heads));
        Assert.Equal("b1", Ids(graph.EffectiveHeads));
        Assert.Empty(DependsOnOtherRoot().EffectiveHeads);
        Assert.StartsWith("Multiple head revisions are present for given argument 'head'", Fails(() => graph.PlanUpgrade(None, "head")).Message, StringComparison.Ordinal);
        Assert.Equal(["a1: - => a1", "b1: a1 => a1 b1", "a2: a1 b1 => a2"], Table(graph.PlanUpgrade(None, "heads")));
    }

    [Fact]
    public void Current_shows_an_effective_head_without_a_row()
    {
        // Alembic's `current` after `upgrade heads` prints "a2 (head)" and "b1 (effective head)"; after
        // `downgrade a1` the table holds a1 and b1 and `current` lists the same two.
        var graph = DependsOnLoneRoot();

        Assert.Equal("b1 a2", Ids(graph.Current(Rows("a2"))));
        Assert.Equal("a1 b1", Ids(graph.Current(graph.PlanDowngrade(Rows("a2"), "a1").HeadsAfter)));
    }

    [Fact]
    public void Current_without_dependencies_is_the_rows()
    {
        Assert.Equal("b2 c1 y", Ids(Labelled().Current(Rows("y", "c1", "b2"))));
        Assert.Empty(Linear().Current(None));
    }

    [Fact]
    public void Current_fails_for_an_unknown_row()
    {
        Assert.Equal("Can't locate revision identified by 'gone'", Fails(() => Linear().Current(Rows("gone"))).Message);
    }
}
