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

    [Fact]
    public void The_model_below_a_thousand_merges_is_found_on_a_small_call_stack()
    {
        // root (with a snapshot) - b1 - m1 - b2 - m2 ... each m{i} merging b{i} and c{i}, both on m{i-1}.
        const int merges = 1_000;
        var revisions = new List<(string Id, string[] Parents)> { ("root", []) };
        var previous = "root";
        for (var i = 1; i <= merges; i++)
        {
            revisions.AddRange([($"b{i}", [previous]), ($"c{i}", [previous]), ($"m{i}", [$"b{i}", $"c{i}"])]);
            previous = $"m{i}";
        }

        var catalog = RevisionCatalog.FromTypes(EmittedRevisions(revisions, withSnapshot: "root"));
        string? model = null;
        Exception? failure = null;
        // A small stack: walking the merges by recursion (two frames a merge) overflowed it.
        var thread = new Thread(() =>
        {
            try
            {
                model = catalog.ModelRevision($"m{merges}");
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 128 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        Assert.Equal("root", model);
        Assert.Equal("root", catalog.ModelRevision("b1"));
    }

    /// <summary>Empty revision classes, one per id, compiled in memory; only <paramref name="withSnapshot"/> overrides BuildTargetModel.</summary>
    private static List<Type> EmittedRevisions(List<(string Id, string[] Parents)> revisions, string withSnapshot)
    {
        var module = System.Reflection.Emit.AssemblyBuilder
            .DefineDynamicAssembly(new System.Reflection.AssemblyName("EmittedRevisions"), System.Reflection.Emit.AssemblyBuilderAccess.RunAndCollect)
            .DefineDynamicModule("EmittedRevisions");
        var attribute = typeof(RevisionAttribute);
        var overridden = new[] { "Upgrade", "Downgrade" };
        var types = new List<Type>(revisions.Count);
        foreach (var (id, parents) in revisions)
        {
            var type = module.DefineType($"Emitted.R_{id}", System.Reflection.TypeAttributes.Public | System.Reflection.TypeAttributes.Sealed, typeof(Revision));
            type.SetCustomAttribute(new System.Reflection.Emit.CustomAttributeBuilder(
                attribute.GetConstructor([typeof(string)])!, [id], [attribute.GetProperty(nameof(RevisionAttribute.Parents))!], [parents]));
            foreach (var name in id == withSnapshot ? [.. overridden, "BuildTargetModel"] : overridden)
            {
                var baseMethod = typeof(Revision).GetMethod(name, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
                var method = type.DefineMethod(name, System.Reflection.MethodAttributes.Family | System.Reflection.MethodAttributes.Virtual | System.Reflection.MethodAttributes.HideBySig,
                    typeof(void), [baseMethod.GetParameters()[0].ParameterType]);
                method.GetILGenerator().Emit(System.Reflection.Emit.OpCodes.Ret);
                type.DefineMethodOverride(method, baseMethod);
            }

            types.Add(type.CreateType());
        }

        return types;
    }

    private static string Describe(Core.RevisionInfo r)
        => $"{r.Id} [{string.Join(",", r.Parents)}] '{r.Message}' labels={string.Join(",", r.BranchLabels)} deps={string.Join(",", r.DependsOn)} {r.Created:O} {r.Source}";
}
