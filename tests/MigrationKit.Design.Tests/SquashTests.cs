using System.Reflection;
using MigrationKit.Core;
using MigrationKit.Design.Tests.Cases;
using MigrationKit.Design.Tests.Infrastructure;
using MigrationKit.Runner;
using MigrationKit.Runner.Scaffolding;
using MigrationKit.Testing;

namespace MigrationKit.Design.Tests;

/// <summary>
/// `squash`: the squashed revision is written through autogenerate's own path, compiled with the old
/// revisions still beside it (as squash leaves them in Revisions/Squashed/ID/) and without them (the
/// folder deleted), and run by the runner on real databases at every point of the replaced run.
/// </summary>
public sealed class SquashTests
{
    private static readonly ModelCase Change = ModelCases.Named("add table");

    [Theory]
    [InlineData(ScratchDatabase.Postgres)]
    [InlineData(ScratchDatabase.Sqlite)]
    public async Task Upgrade_head_from_base_runs_the_squash_and_builds_the_model_and_its_downgrade_returns_to_the_runs_start(string provider)
    {
        using var history = History.Write(provider);
        Assert.Single(history.Squash.HandWritten);
        Assert.StartsWith($"Revision {history.HandWritten} (custom sql) holds hand-written operations (Sql)", history.Squash.HandWritten[0]);
        using var database = await CaseDatabase.CreateAsync(provider);
        var runner = history.Runner(database, history.Squashed);

        var plan = await runner.UpgradeAsync("head");

        Assert.Equal([history.First, history.SquashId, history.After], plan.Steps.Select(s => s.Revision.Id));
        await AssertSchemaAsync(database, before: false, "upgrade head through the squash");
        var back = await runner.DowngradeAsync(history.First);
        Assert.Equal([history.After, history.SquashId], back.Steps.Select(s => s.Revision.Id));
        await AssertSchemaAsync(database, before: true, "downgrade of the squash");
    }

    [Theory]
    [InlineData(ScratchDatabase.Postgres)]
    [InlineData(ScratchDatabase.Sqlite)]
    public async Task A_database_at_the_runs_end_continues_its_row_renamed_to_the_squash_in_a_transaction_of_its_own(string provider)
    {
        using var history = History.Write(provider);
        using var database = await CaseDatabase.CreateAsync(provider);
        await history.Runner(database, history.Old).UpgradeAsync(history.End);

        // Upgrading to the run's end runs nothing and only renames the row: what a run killed
        // right after the rename's commit leaves, which the next run takes up.
        Assert.Empty((await history.Runner(database, history.Squashed).UpgradeAsync(history.End)).Steps);
        Assert.Equal([history.SquashId], await history.Runner(database, history.Squashed).GetCurrentHeadsAsync());
        var plan = await history.Runner(database, history.Squashed).UpgradeAsync("head");

        Assert.Equal([history.After], plan.Steps.Select(s => s.Revision.Id));
        Assert.Equal([history.After], await history.Runner(database, history.Squashed).GetCurrentHeadsAsync());
        await AssertSchemaAsync(database, before: false, "upgrade head from the run's end");
    }

    [Theory]
    [InlineData(ScratchDatabase.Postgres)]
    [InlineData(ScratchDatabase.Sqlite)]
    public async Task A_database_inside_the_run_gets_one_line_then_upgrade_end_replaced_then_head(string provider)
    {
        using var history = History.Write(provider);
        using var database = await CaseDatabase.CreateAsync(provider);
        await history.Runner(database, history.Old).UpgradeAsync(history.HandWritten);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => history.Runner(database, history.Squashed).UpgradeAsync("head"));
        Assert.Equal(
            $"The database is at revision {history.HandWritten}, inside the run {history.HandWritten} to {history.End} that squashed revision {history.SquashId} replaces; " +
            $"'upgrade {history.End} --replaced' brings a database there to {history.End} through the old revisions",
            error.Message);
        Assert.Equal([history.HandWritten], await history.Runner(database, history.Squashed).GetCurrentHeadsAsync());

        var replaced = await history.Runner(database, history.Squashed.WalkingReplaced()).UpgradeAsync(history.End);
        Assert.Equal([history.End], replaced.Steps.Select(s => s.Revision.Id));
        var plan = await history.Runner(database, history.Squashed).UpgradeAsync("head");

        Assert.Equal([history.After], plan.Steps.Select(s => s.Revision.Id));
        await AssertSchemaAsync(database, before: false, "upgrade head after upgrade END --replaced");
    }

    [Fact]
    public async Task Inside_the_run_with_the_old_revisions_deleted_the_one_line_says_they_are_gone()
    {
        using var history = History.Write(ScratchDatabase.Sqlite);
        using var database = await CaseDatabase.CreateAsync(ScratchDatabase.Sqlite);
        await history.Runner(database, history.Old).UpgradeAsync(history.HandWritten);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => history.Runner(database, history.OldDeleted).UpgradeAsync("head"));
        Assert.EndsWith("and the old revisions are gone (their files were deleted)", error.Message);
        var replaced = await Assert.ThrowsAsync<MigrationKitException>(() => history.Runner(database, history.OldDeleted.WalkingReplaced()).UpgradeAsync(history.End));
        Assert.EndsWith("and the old revisions are gone (their files were deleted)", replaced.Message);
    }

    [Theory]
    [InlineData(ScratchDatabase.Postgres)]
    [InlineData(ScratchDatabase.Sqlite)]
    public async Task Squash_to_base_makes_a_root_that_builds_the_schema_from_empty_and_databases_past_it_continue(string provider)
    {
        using var history = History.Write(provider);
        var run = history.Old.Graph.PlanSquashToBase(history.End);
        Assert.Equal([history.First, history.HandWritten, history.End], run.Replaced);
        var (rootId, rootPath) = history.WriteSquash(run, "new base");
        var catalog = AutogeneratedChain.Compile([.. history.OldFiles, rootPath]);
        Assert.Empty(catalog.Graph.Get(rootId).Parents);

        using (var empty = await CaseDatabase.CreateAsync(provider))
        {
            var plan = await history.Runner(empty, catalog).UpgradeAsync("head");
            Assert.Equal([rootId, history.After], plan.Steps.Select(s => s.Revision.Id));
            await AssertSchemaAsync(empty, before: false, "upgrade head from empty through the new base");
            // Down to base and up again: the new base's Downgrade left nothing its Upgrade would collide with.
            Assert.Equal([history.After, rootId], (await history.Runner(empty, catalog).DowngradeAsync("base")).Steps.Select(s => s.Revision.Id));
            await history.Runner(empty, catalog).UpgradeAsync("head");
            await AssertSchemaAsync(empty, before: false, "upgrade head after downgrade base");
        }

        using var atEnd = await CaseDatabase.CreateAsync(provider);
        await history.Runner(atEnd, history.Old).UpgradeAsync(history.End);
        Assert.Equal([history.After], (await history.Runner(atEnd, catalog).UpgradeAsync("head")).Steps.Select(s => s.Revision.Id));
        await AssertSchemaAsync(atEnd, before: false, "upgrade head past the new base");
    }

    private static async Task AssertSchemaAsync(CaseDatabase database, bool before, string what)
        => CatalogAssert.Same(
            await AutogenerateMatchesEnsureCreatedTests.EnsureCreatedSchemaAsync(Change, database.Provider, before),
            await database.SchemaAsync(),
            what);

    /// <summary>
    /// first (autogenerated: the model before) - custom sql (hand-written Sql) - end (autogenerated:
    /// the model after) - after (hand-written, empty, outside the run); squash replaces custom sql..end.
    /// </summary>
    private sealed class History : IDisposable
    {
        private readonly TempDirectory _folder;
        private readonly string _provider;

        private History(string provider)
        {
            _provider = provider;
            _folder = new TempDirectory("migratekit-squash");
        }

        public string First { get; private set; } = "";
        public string HandWritten { get; private set; } = "";
        public string End { get; private set; } = "";
        public string After { get; private set; } = "";
        public string SquashId { get; private set; } = "";
        public List<string> OldFiles { get; } = [];
        public RevisionCatalog Old { get; private set; } = null!;
        public RevisionCatalog Squashed { get; private set; } = null!;
        public RevisionCatalog OldDeleted { get; private set; } = null!;
        public SquashedRevision Squash { get; private set; } = null!;

        private string Directory => _folder.File("Revisions");

        public static History Write(string provider)
        {
            var history = new History(provider);
            var directory = history.Directory;
            var before = AutogeneratedChain.ModelKey(Change, provider, before: true);
            var after = AutogeneratedChain.ModelKey(Change, provider, before: false);
            var first = AutogeneratedChain.Autogenerate(provider, before, Change.Before, RevisionCatalog.FromTypes([]), null, directory, "first")!.Value;
            var handWritten = AutogeneratedChain.WriteRevision(
                directory, [first.Id], "custom sql", new RevisionCode("migrationBuilder.Sql(\"SELECT 1\");", "", null, [], []));
            var end = AutogeneratedChain.Autogenerate(
                provider, after, Change.After, AutogeneratedChain.Compile([first.Path, handWritten.Path]), handWritten.Id, directory, Change.Name)!.Value;
            var afterRun = AutogeneratedChain.WriteRevision(directory, [end.Id], "after the run");
            (history.First, history.HandWritten, history.End, history.After) = (first.Id, handWritten.Id, end.Id, afterRun.Id);
            history.OldFiles.AddRange([first.Path, handWritten.Path, end.Path, afterRun.Path]);
            history.Old = AutogeneratedChain.Compile(history.OldFiles);

            var (squashId, squashPath) = history.WriteSquash(history.Old.Graph.PlanSquash(handWritten.Id, end.Id), "squashed");
            history.SquashId = squashId;
            history.Squashed = AutogeneratedChain.Compile([.. history.OldFiles, squashPath]);
            history.OldDeleted = AutogeneratedChain.Compile([first.Path, afterRun.Path, squashPath]);
            return history;
        }

        /// <summary>Writes the squash of a run as the command does: the autogenerator's code, the run's identity.</summary>
        public (string Id, string Path) WriteSquash(SquashRun run, string message)
        {
            using var context = AutogeneratedChain.DesignContext(_provider, AutogeneratedChain.ModelKey(Change, _provider, before: false), Change.After);
            var assembly = Assembly.GetExecutingAssembly();
            Squash = new Autogenerator(context, assembly, assembly).Squash(Old, run);
            var revision = new RevisionInfo(
                RevisionIds.New(), run.Parents, message, run.BranchLabels, run.DependsOn, DateTimeOffset.Now, replaces: run.Replaced);
            return (revision.Id, RevisionWriter.Write(Directory, "App.Revisions", revision, Squash.Code));
        }

        public RevisionRunner Runner(CaseDatabase database, RevisionCatalog catalog)
            => new(AutogeneratedChain.Context(Change, _provider, before: false, database.ConnectionString), catalog);

        public void Dispose() => _folder.Dispose();
    }
}
