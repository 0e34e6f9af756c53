namespace MigrationKit.Runner.Tests;

public sealed class RevisionCatalogTests
{
    private static readonly Type[] AllTestRevisions =
        [.. Linear.All, .. FailingInTheMiddle.All, .. Merged.All, .. Counted.All, .. DependsAcrossRoots.All, .. RebuiltParent.All, .. Reporting.All, .. InParts.All, .. InParts.SlowAll, .. Busy.All, .. BusyAlone.All, .. Sleepy.All,
         .. DataLossTests.Lossy.All, .. DataLossTests.Refusing.All, .. NotValidKey.All, .. Edits.All,
         .. RehearsalTests.Slow.All, .. BackupTests.FailingAfterAmount.All, .. Fleet.Tenants.All, .. Fleet.SlowTenants.All];

    [Fact]
    public void Metadata_reading_finds_the_same_revisions_as_reflection()
    {
        var fromMetadata = RevisionCatalog.FromAssembly(typeof(Linear).Assembly).Graph;
        var fromReflection = RevisionCatalog.FromTypes(AllTestRevisions.Distinct()).Graph;

        Assert.Equal(
            fromReflection.Revisions.Select(Describe),
            fromMetadata.Revisions.Select(Describe));
        Assert.Equal(55, fromMetadata.Revisions.Count);
    }

    [Fact]
    public void A_revision_read_from_metadata_runs_the_class_behind_it()
    {
        var catalog = RevisionCatalog.FromAssembly(typeof(Linear).Assembly);

        var revision = catalog.Create("cc0000000002");

        Assert.IsType<Merged.Left>(revision);
        Assert.Equal(["left"], catalog.Graph.Get("cc0000000002").BranchLabels);
    }

    private static string Describe(Core.RevisionInfo r)
        => $"{r.Id} [{string.Join(",", r.Parents)}] '{r.Message}' labels={string.Join(",", r.BranchLabels)} deps={string.Join(",", r.DependsOn)} {r.Created:O} {r.Source}";
}
