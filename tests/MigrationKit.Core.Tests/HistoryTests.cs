using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class HistoryTests
{
    [Fact]
    public void History_without_a_range_lists_everything_newest_first()
    {
        Assert.Equal("e d c b a", Ids(Linear().History(null, None)));
        Assert.Equal("n m c2 c1 b2 b1 a", Ids(Diamond().History(null, None)));
    }

    [Fact]
    public void Start_colon_lists_from_the_start_revision_up_including_it()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("e d c", Ids(Linear().History("c:", None)));
    }

    [Fact]
    public void Colon_end_lists_from_base_up_to_the_end_revision()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("c b a", Ids(Linear().History(":c", None)));
    }

    [Fact]
    public void Start_colon_end_lists_the_revisions_between_inclusive()
    {
        Assert.Equal("d c b", Ids(Linear().History("b:d", None)));
    }

    [Fact]
    public void Minus_n_colon_lists_the_last_n_revisions_and_the_one_below()
    {
        // Checked against Alembic 1.8.1: -3: of a..e is e, d, c, b.
        Assert.Equal("e d c b", Ids(Linear().History("-3:", None)));
        Assert.Equal("e d c b a", Ids(Linear().History("-4:", None)));
    }

    [Fact]
    public void Minus_n_colon_past_the_first_revision_fails()
    {
        // Alembic 1.8.1 fails here too (with a less helpful message).
        var error = Fails(() => Linear().History("-5:", None));

        Assert.Equal("Relative revision -5 didn't produce 5 migrations", error.Message);
    }

    [Fact]
    public void Minus_n_colon_starts_below_every_head()
    {
        // Checked against Alembic 1.8.1: the same six revisions.
        Assert.Equal("y x c2 c1 b2 b1", Ids(Labelled().History("-1:", None)));
    }

    [Fact]
    public void Minus_n_colon_across_a_merge_point_is_ambiguous()
    {
        // Checked against Alembic 1.8.1 ("Ambiguous walk").
        var error = Fails(() => Diamond().History("-2:", None));

        Assert.StartsWith("Relative revision -2 is ambiguous: m is a merge point", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Colon_plus_n_lists_the_first_n_revisions()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("b a", Ids(Linear().History(":+2", None)));
    }

    [Fact]
    public void Start_colon_plus_n_counts_from_the_start()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("d c b", Ids(Linear().History("b:+2", None)));
    }

    [Fact]
    public void Start_colon_plus_n_stops_at_the_head_instead_of_failing()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("e d c b", Ids(Linear().History("b:+20", None)));
    }

    [Fact]
    public void Current_colon_lists_from_the_current_heads_up()
    {
        Assert.Equal("e d c", Ids(Linear().History("current:", Rows("c"))));
    }

    [Fact]
    public void Colon_current_lists_what_is_applied()
    {
        Assert.Equal("c b a", Ids(Linear().History(":current", Rows("c"))));
        Assert.Equal("y x b2 b1 a", Ids(Labelled().History(":current", Rows("b2", "y"))));
    }

    [Fact]
    public void Colon_current_of_an_empty_database_is_empty()
    {
        // Alembic 1.8.1 lists the whole history here: it falls back to "heads" when the end is empty.
        Assert.Empty(Linear().History(":current", None));
    }

    [Fact]
    public void Current_colon_of_an_empty_database_lists_everything()
    {
        Assert.Equal("e d c b a", Ids(Linear().History("current:", None)));
    }

    [Fact]
    public void A_range_from_a_branch_point_lists_every_branch_above_it()
    {
        // Checked against Alembic 1.8.1 (Alembic lists b first; any order that keeps children above parents is right).
        Assert.Equal("c2 c1 b2 b1 a", Ids(Labelled().History("a:", None)));
    }

    [Fact]
    public void A_range_on_a_branch()
    {
        // Checked against Alembic 1.8.1.
        Assert.Equal("b2 b1", Ids(Labelled().History("b1:billing@head", None)));
        Assert.Equal("b2 b1", Ids(Labelled().History("billing@-1:", None)));
    }

    [Fact]
    public void A_range_from_a_revision_follows_its_parent_line_not_its_dependents()
    {
        // c depends on y but does not descend from x through parents, so it is not on x's line. (Alembic 1.8.1
        // stops with an internal AssertionError on this range.)
        Assert.Equal("y x", Ids(DependsAcross().History("x:", None)));
    }

    [Fact]
    public void A_range_whose_start_is_not_below_its_end_fails()
    {
        // Checked against Alembic 1.8.1.
        var error = Fails(() => Linear().History("d:b", None));

        Assert.Equal("Requested range d:b does not refer to ancestor/descendant revisions along the same branch", error.Message);
    }

    [Fact]
    public void A_range_across_branches_fails()
    {
        var error = Fails(() => Labelled().History("b1:c2", None));

        Assert.Equal("Requested range b1:c2 does not refer to ancestor/descendant revisions along the same branch", error.Message);
    }

    [Theory]
    [InlineData("c")]
    [InlineData("a:b:c")]
    public void A_range_needs_exactly_one_colon(string range)
    {
        // Checked against Alembic 1.8.1 (same message for a range without a colon).
        var error = Fails(() => Linear().History(range, None));

        Assert.Equal("History range requires [start]:[end], [start]:, or :[end]", error.Message);
    }

    [Fact]
    public void History_fails_when_current_names_an_unknown_revision()
    {
        var error = Fails(() => Linear().History("current:", Rows("gone")));

        Assert.Equal("Can't locate revision identified by 'gone'", error.Message);
    }

    [Fact]
    public void History_ignores_the_rows_unless_the_range_says_current()
    {
        Assert.Equal("e d c b a", Ids(Linear().History(":", Rows("gone"))));
    }
}
