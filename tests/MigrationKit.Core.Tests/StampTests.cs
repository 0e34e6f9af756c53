using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class StampTests
{
    [Fact]
    public void Stamp_a_revision_on_an_empty_table_writes_that_row()
    {
        Assert.Equal("c", Ids(Linear().Stamp(None, ["c"], purge: false)));
    }

    [Fact]
    public void Stamp_replaces_the_head_on_the_same_line_going_up()
    {
        Assert.Equal("e", Ids(Linear().Stamp(Rows("c"), ["e"], purge: false)));
    }

    [Fact]
    public void Stamp_replaces_the_head_on_the_same_line_going_down()
    {
        Assert.Equal("b", Ids(Linear().Stamp(Rows("d"), ["b"], purge: false)));
    }

    [Fact]
    public void Stamp_keeps_heads_on_other_lines()
    {
        // Checked against Alembic 1.8.1: stamp b1 from (b2, c2) gives (b1, c2).
        Assert.Equal("b1 c2", Ids(Labelled().Stamp(Rows("b2", "c2"), ["b1"], purge: false)));
    }

    [Fact]
    public void Stamp_a_revision_on_an_unrelated_root_adds_a_row()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("b2 y", Ids(Labelled().Stamp(Rows("b2"), ["y"], purge: false)));
    }

    [Fact]
    public void Stamp_a_branch_point_below_two_heads_replaces_both()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("a", Ids(Labelled().Stamp(Rows("b2", "c2"), ["a"], purge: false)));
    }

    [Fact]
    public void Stamp_two_branches_from_their_branch_point_writes_two_rows()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("b2 c2", Ids(Labelled().Stamp(Rows("a"), ["b2", "c2"], purge: false)));
    }

    [Fact]
    public void Stamp_base_clears_every_row()
    {
        // Checked against Alembic 1.8.1.
        Assert.Empty(Labelled().Stamp(Rows("b2", "c2", "y"), ["base"], purge: false));
    }

    [Fact]
    public void Stamp_branch_at_base_clears_only_the_rows_on_that_branchs_line()
    {
        // Checked against Alembic 1.8.1: c2 is not on billing's line (neither above nor below b1).
        Assert.Equal("c2 y", Ids(Labelled().Stamp(Rows("b2", "c2", "y"), ["billing@base"], purge: false)));
    }

    [Fact]
    public void Stamp_heads_writes_a_row_for_every_head()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("b2 c2 y", Ids(Labelled().Stamp(None, ["heads"], purge: false)));
    }

    [Fact]
    public void Stamp_head_with_several_heads_fails()
    {
        // Checked against Alembic 1.8.1 (same message, plus the heads).
        var error = Fails(() => Labelled().Stamp(None, ["head"], purge: false));

        Assert.Equal("Multiple heads are present; please specify a single target revision (the heads are b2, c2, y)", error.Message);
    }

    [Fact]
    public void Stamp_branch_at_head_writes_that_branchs_head()
    {
        Assert.Equal("b2 c1", Ids(Labelled().Stamp(Rows("c1"), ["billing@head"], purge: false)));
    }

    [Fact]
    public void Stamp_follows_dependencies_when_deciding_what_is_on_the_same_line()
    {
        // Checked against Alembic 1.8.1: c depends on y, so stamping x replaces c.
        Assert.Equal("x", Ids(DependsAcross().Stamp(Rows("c"), ["x"], purge: false)));
    }

    [Fact]
    public void Stamp_a_dependent_revision_replaces_the_heads_it_depends_on()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("c", Ids(DependsAcross().Stamp(Rows("b", "y"), ["c"], purge: false)));
    }

    [Fact]
    public void Stamp_a_revision_with_its_descendant_keeps_only_the_descendant()
    {
        // Alembic 1.8.1 writes both rows (c, e) here; one row per head is what the table means.
        Assert.Equal("e", Ids(Linear().Stamp(Rows("a"), ["c", "e"], purge: false)));
    }

    [Fact]
    public void Stamp_fails_when_a_row_names_an_unknown_revision()
    {
        var error = Fails(() => Linear().Stamp(Rows("gone"), ["c"], purge: false));

        Assert.Equal("Can't locate revision identified by 'gone'", error.Message);
        Assert.Contains("stamp --purge", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Stamp_purge_ignores_the_old_rows_even_unknown_ones()
    {
        Assert.Equal("c", Ids(Linear().Stamp(Rows("gone", "b"), ["c"], purge: true)));
    }

    [Fact]
    public void Stamp_purge_base_leaves_an_empty_table()
    {
        Assert.Empty(Linear().Stamp(Rows("gone"), ["base"], purge: true));
    }

    [Fact]
    public void Stamp_of_the_current_head_changes_nothing()
    {
        Assert.Equal("b2 c2", Ids(Labelled().Stamp(Rows("b2", "c2"), ["c2"], purge: false)));
    }

    [Fact]
    public void Stamp_accepts_prefixes_and_labels()
    {
        Assert.Equal("b1 c1", Ids(Labelled().Stamp(None, ["billing", "users"], purge: false)));
    }

    [Fact]
    public void Stamp_of_a_relative_target_fails_as_in_Alembic()
    {
        // Checked against Alembic 1.8.1: "Can't locate revision identified by '-1'".
        var error = Fails(() => Linear().Stamp(Rows("c"), ["-1"], purge: false));

        Assert.Equal("Can't locate revision identified by '-1'", error.Message);
    }

    [Fact]
    public void Stamp_without_a_target_fails()
    {
        Assert.Throws<MigrationKitException>(() => Linear().Stamp(None, [], purge: false));
    }
}
