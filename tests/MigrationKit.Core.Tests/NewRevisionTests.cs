using static MigrationKit.Core.Tests.Graphs;

namespace MigrationKit.Core.Tests;

public class NewRevisionTests
{
    [Fact]
    public void A_new_revision_follows_the_single_head_by_default()
    {
        Assert.Equal("e", Ids(Linear().ParentsForNewRevision("head", splice: false, [])));
    }

    [Fact]
    public void The_first_revision_has_no_parents()
    {
        Assert.Empty(Graph().ParentsForNewRevision("head", splice: false, []));
    }

    [Fact]
    public void A_new_revision_with_several_heads_fails_with_Alembics_message_and_the_heads()
    {
        var error = Fails(() => TwoHeads().ParentsForNewRevision("head", splice: false, []));

        Assert.Equal(
            "Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.",
            error.Message);
        Assert.Equal("The heads are b, c: pass one of them as the head, or run 'merge heads' first.", error.Hint);
    }

    [Fact]
    public void Base_starts_a_new_root_even_with_several_heads()
    {
        Assert.Empty(TwoHeads().ParentsForNewRevision("base", splice: false, ["reports"]));
    }

    [Fact]
    public void A_new_revision_can_follow_a_named_head()
    {
        Assert.Equal("c", Ids(TwoHeads().ParentsForNewRevision("c", splice: false, [])));
    }

    [Fact]
    public void A_new_revision_can_follow_a_branchs_head()
    {
        Assert.Equal("c2", Ids(Labelled().ParentsForNewRevision("users@head", splice: false, [])));
    }

    [Fact]
    public void A_revision_that_is_not_a_head_needs_splice()
    {
        // Checked against Alembic 1.8.1 (same message).
        var error = Fails(() => Linear().ParentsForNewRevision("c", splice: false, []));

        Assert.Equal("Revision c is not a head revision; please specify --splice to create a new branch from this revision", error.Message);
    }

    [Fact]
    public void Splice_starts_a_branch_from_the_middle()
    {
        Assert.Equal("c", Ids(Linear().ParentsForNewRevision("c", splice: true, [])));
    }

    [Fact]
    public void Heads_as_the_head_makes_a_revision_that_follows_every_head()
    {
        Assert.Equal("b c", Ids(TwoHeads().ParentsForNewRevision("heads", splice: false, [])));
    }

    [Fact]
    public void An_unknown_head_fails()
    {
        var error = Fails(() => Linear().ParentsForNewRevision("zz", splice: false, []));

        Assert.Equal("Can't locate revision identified by 'zz'", error.Message);
    }

    [Fact]
    public void A_branch_label_already_in_use_is_refused_before_anything_is_written()
    {
        var error = Fails(() => Labelled().ParentsForNewRevision("b2", splice: false, ["users"]));

        Assert.Equal("Branch name 'users' already used by revision c1", error.Message);
    }

    [Fact]
    public void A_branch_label_equal_to_a_revision_id_is_refused()
    {
        var error = Fails(() => Linear().ParentsForNewRevision("head", splice: false, ["c"]));

        Assert.Equal("Branch name 'c' already used by revision c", error.Message);
    }

    [Fact]
    public void A_branch_label_given_twice_is_refused()
    {
        var error = Fails(() => Linear().ParentsForNewRevision("head", splice: false, ["reports", "reports"]));

        Assert.Equal("Branch name 'reports' is given twice", error.Message);
    }

    [Fact]
    public void A_branch_label_the_target_syntax_cannot_express_is_refused()
    {
        var error = Fails(() => Linear().ParentsForNewRevision("head", splice: false, ["my-branch"]));

        Assert.Equal("Character(s) '-' not allowed in branch name 'my-branch'", error.Message);
    }

    [Fact]
    public void A_new_branch_label_is_accepted()
    {
        Assert.Equal("e", Ids(Linear().ParentsForNewRevision("head", splice: false, ["reports"])));
    }

    [Fact]
    public void Merge_heads_joins_every_head()
    {
        Assert.Equal("b c", Ids(TwoHeads().ParentsForMerge(["heads"])));
    }

    [Fact]
    public void Merge_heads_joins_three_heads()
    {
        Assert.Equal("b2 c2 y", Ids(Labelled().ParentsForMerge(["heads"])));
    }

    [Fact]
    public void Merge_keeps_the_order_the_revisions_were_given_in()
    {
        Assert.Equal("c b", Ids(TwoHeads().ParentsForMerge(["c", "b"])));
    }

    [Fact]
    public void Merge_accepts_branch_heads_and_prefixes()
    {
        Assert.Equal("b2 c2", Ids(Labelled().ParentsForMerge(["billing@head", "users@head"])));
    }

    [Fact]
    public void Merge_heads_includes_a_head_that_another_branch_depends_on()
    {
        // Alembic's "merge heads" leaves y out (c depends on it), so the graph keeps two heads after the merge.
        Assert.Equal("y c", Ids(DependsAcross().ParentsForMerge(["heads"])));
    }

    [Fact]
    public void Merge_of_a_single_head_fails()
    {
        var error = Fails(() => Linear().ParentsForMerge(["heads"]));

        Assert.Equal("Nothing to merge: heads names only e; a merge needs at least two heads", error.Message);
        Assert.Equal("There is a single head, so there is nothing to merge.", error.Hint);
    }

    [Fact]
    public void Merge_of_a_revision_that_is_not_a_head_fails()
    {
        var error = Fails(() => Diamond().ParentsForMerge(["b1", "c2"]));

        Assert.Equal("Revision b1 is not a head revision; only heads can be merged", error.Message);
    }

    [Fact]
    public void Merge_of_an_ancestor_and_its_descendant_fails()
    {
        var error = Fails(() => Linear().ParentsForMerge(["c", "e"]));

        Assert.Equal("Revision c is not a head revision; only heads can be merged", error.Message);
    }

    [Fact]
    public void Merge_of_the_same_revision_twice_fails()
    {
        // Checked against Alembic 1.8.1 ("Duplicate head revisions specified").
        var error = Fails(() => TwoHeads().ParentsForMerge(["b", "b"]));

        Assert.Equal("Duplicate head revisions specified (b)", error.Message);
    }

    [Fact]
    public void Merge_of_nothing_fails()
    {
        Assert.Throws<MigrationKitException>(() => TwoHeads().ParentsForMerge([]));
    }

    [Fact]
    public void A_merge_built_from_the_parents_leaves_a_single_head()
    {
        var graph = Labelled();
        var parents = graph.ParentsForMerge(["heads"]);

        var merged = RevisionGraph.Build([.. graph.Revisions, new RevisionInfo("m", parents)]);

        Assert.Equal("m", Ids(merged.Heads));
    }

    [Fact]
    public void The_merge_base_of_two_branches_is_their_branch_point()
    {
        Assert.Equal("a", Ids(Diamond().MergeBases(["b2", "c2"])));
        Assert.Equal("a", Ids(TwoHeads().MergeBases(["b", "c"])));
    }

    [Fact]
    public void Revisions_on_separate_roots_have_no_merge_base()
    {
        Assert.Empty(Labelled().MergeBases(["b2", "y"]));
    }

    [Fact]
    public void The_merge_base_is_the_nearest_common_ancestor_only()
    {
        // a - b - c - d1
        //           \ d2
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "b"), Rev("d1", "c"), Rev("d2", "c"));

        Assert.Equal("c", Ids(graph.MergeBases(["d1", "d2"])));
    }

    [Fact]
    public void A_criss_cross_has_two_merge_bases()
    {
        // a - b - m1 - x
        //   \ c - m2 - y   (m1 and m2 both merge b and c)
        var graph = Graph(Rev("a"), Rev("b", "a"), Rev("c", "a"), Rev("m1", "b", "c"), Rev("m2", "b", "c"), Rev("x", "m1"), Rev("y", "m2"));

        Assert.Equal("b c", Ids(graph.MergeBases(["x", "y"]).Order(StringComparer.Ordinal)));
    }
}
