using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class ResolveTests
{
    private static RevisionGraph Hex() =>
        Graph(Rev("1a2b3c4d5e6f"), Rev("1a2b99990000", "1a2b3c4d5e6f"), Rev("77aa00000000", ["1a2b99990000"], labels: ["billing"]));

    [Fact]
    public void A_full_id_resolves_to_its_revision()
    {
        Assert.Equal("1a2b3c4d5e6f", Hex().Resolve("1a2b3c4d5e6f").Id);
    }

    [Fact]
    public void A_unique_prefix_resolves_to_its_revision()
    {
        Assert.Equal("1a2b3c4d5e6f", Hex().Resolve("1a2b3").Id);
        Assert.Equal("77aa00000000", Hex().Resolve("7").Id);
    }

    [Fact]
    public void A_branch_label_resolves_to_the_revision_that_declares_it()
    {
        Assert.Equal("77aa00000000", Hex().Resolve("billing").Id);
    }

    [Fact]
    public void A_prefix_of_a_branch_label_resolves_too_as_in_Alembic()
    {
        // Checked against Alembic 1.8.1: a prefix of a branch label names the labelled revision.
        Assert.Equal("77aa00000000", Hex().Resolve("bill").Id);
    }

    [Fact]
    public void An_unknown_id_fails_with_Alembics_message()
    {
        var error = Fails(() => Hex().Resolve("ffff"));

        Assert.Equal("Can't locate revision identified by 'ffff'", error.Message);
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public void An_ambiguous_prefix_fails_and_lists_the_candidates()
    {
        var error = Fails(() => Hex().Resolve("1a2b"));

        Assert.Equal("Multiple revisions start with '1a2b': 1a2b3c4d5e6f, 1a2b99990000", error.Message);
        Assert.Equal("Type more characters of the revision id.", error.Hint);
    }

    [Fact]
    public void A_long_list_of_candidates_is_cut_short()
    {
        var revisions = Enumerable.Range(0, 15).Select(i => new RevisionInfo($"ab{i:D2}")).ToArray();

        var error = Fails(() => RevisionGraph.Build(revisions).Resolve("ab"));

        Assert.EndsWith("ab09 and 5 more", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exact_id_wins_over_a_longer_id_it_is_a_prefix_of()
    {
        var graph = Graph(Rev("abc"), Rev("abcd", "abc"));

        Assert.Equal("abc", graph.Resolve("abc").Id);
    }

    [Fact]
    public void Branch_at_revision_narrows_a_prefix_to_the_branch()
    {
        // "p" alone matches p1 and p2; on the users branch only p2.
        var graph = Graph(Rev("a"), Rev("p1", ["a"], labels: ["billing"]), Rev("p2", ["a"], labels: ["users"]));

        var plan = graph.PlanUpgrade(None, "users@p");

        Assert.Equal("a p2", Ids(plan));
    }

    [Fact]
    public void Branch_at_revision_fails_when_the_revision_is_not_on_the_branch()
    {
        var error = Fails(() => Labelled().PlanUpgrade(None, "users@b2"));

        Assert.Equal("Revision b2 is not a member of branch 'users'", error.Message);
    }

    [Fact]
    public void An_unknown_branch_fails()
    {
        var error = Fails(() => Labelled().PlanUpgrade(None, "shipping@head"));

        Assert.Equal("Can't locate revision identified by 'shipping'", error.Message);
    }
}
