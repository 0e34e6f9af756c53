namespace MigrationKit.Core.Tests;

public class RevisionInfoTests
{
    [Fact]
    public void Defaults_describe_a_base_without_labels_or_dependencies()
    {
        var revision = new RevisionInfo("a");

        Assert.True(revision.IsBase);
        Assert.False(revision.IsMergePoint);
        Assert.Empty(revision.Parents);
        Assert.Empty(revision.BranchLabels);
        Assert.Empty(revision.DependsOn);
        Assert.Equal("", revision.Message);
        Assert.Null(revision.Created);
        Assert.Null(revision.Source);
    }

    [Fact]
    public void Two_parents_make_a_merge_point()
    {
        var revision = new RevisionInfo("m", ["a", "b"]);

        Assert.False(revision.IsBase);
        Assert.True(revision.IsMergePoint);
    }

    [Fact]
    public void The_lists_are_copied_so_the_revision_cannot_change_afterwards()
    {
        var parents = new[] { "a" };
        var revision = new RevisionInfo("b", parents);

        parents[0] = "z";

        Assert.Equal("a", Assert.Single(revision.Parents));
        Assert.False(revision.Parents is string[]);
    }

    [Fact]
    public void A_null_id_or_list_entry_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => new RevisionInfo(null!));
        Assert.Throws<ArgumentException>(() => new RevisionInfo("a", [null!]));
    }

    [Fact]
    public void Revision_ids_are_lowercase_hex_of_the_requested_length()
    {
        Assert.Matches("^[0-9a-f]{12}$", RevisionIds.New());
        Assert.Matches("^[0-9a-f]{32}$", RevisionIds.New(32));
    }

    [Fact]
    public void Revision_ids_are_random()
    {
        Assert.NotEqual(RevisionIds.New(), RevisionIds.New());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void Revision_ids_fit_the_version_table_column(int digits)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RevisionIds.New(digits));
    }
}
