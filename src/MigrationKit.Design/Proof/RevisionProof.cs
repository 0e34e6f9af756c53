using System.Diagnostics;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Design.Drift;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Design.Proof;

/// <summary>
/// `test`: every revision proved on a scratch database (<see cref="ProofDatabase"/>), in graph
/// order. Each starts from its parents (and dependencies) applied and nothing else, then is
/// upgraded, downgraded and upgraded again; after each step the live schema is read and compared
/// with the revision's snapshot (the comparison of `check --database`, <see cref="DriftDetector"/>)
/// and with the schema it had before. Last, head's snapshot is compared with the app's model.
/// </summary>
internal sealed class RevisionProof
{
    /// <summary>The name of the last case: head's snapshot (or, with none, the schema at head) against the app's model.</summary>
    public const string ModelCase = "model";

    private readonly DbContext _context;
    private readonly RevisionCatalog _catalog;
    private readonly Assembly _modelAssembly;
    private readonly Assembly _startupAssembly;
    private readonly RunnerOptions _options;
    private readonly ILogger _runnerLog;

    // A revision whose upgrade failed cannot be under anything tested after it; one whose
    // downgrade failed stays applied, so only what may stand on it can be tested after it.
    private readonly HashSet<string> _upgradeFailed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _downgradeFailed = new(StringComparer.Ordinal);

    /// <param name="runnerLog">Where the runner's step lines go (the command keeps them quiet unless --verbose).</param>
    public RevisionProof(
        DbContext context, RevisionCatalog catalog, Assembly modelAssembly, Assembly startupAssembly, RunnerOptions options, ILogger runnerLog)
    {
        _context = context;
        _catalog = catalog;
        _modelAssembly = modelAssembly;
        _startupAssembly = startupAssembly;
        _options = options;
        _runnerLog = runnerLog;
    }

    private RevisionGraph Graph => _catalog.Graph;

    /// <summary>
    /// Proves the revisions (those after <paramref name="from"/>, when given) on a scratch
    /// database, dropped at the end whatever happens, and reports each as it is done.
    /// </summary>
    /// <param name="from">A revision to start from: the database is brought there by upgrading to it, and the revisions that descend from it are tested.</param>
    /// <param name="created">Told the scratch database's name (its file on SQLite) once it exists: what a kill -9 would leave.</param>
    public async Task<IReadOnlyList<ProofResult>> RunAsync(
        string? from, Action<string> created, Action<ProofResult> done, CancellationToken cancellationToken)
    {
        var start = from is null or "base" ? null : Graph.Resolve(from);
        var results = new List<ProofResult>();
        await using var database = await ProofDatabase.CreateAsync(_context, cancellationToken);
        created(database.Name);
        var runner = new RevisionRunner(_context, _catalog, _options, _runnerLog);
        var drift = new DriftDetector(_context, _modelAssembly, _startupAssembly);
        if (start is not null)
        {
            await runner.UpgradeAsync(start.Id, cancellationToken);
        }

        foreach (var revision in Graph.Revisions)
        {
            if (start is not null && (revision.Id == start.Id || !Graph.Applied([revision.Id]).Contains(start.Id)))
            {
                continue;
            }

            var result = await ProveAsync(revision, runner, drift, cancellationToken);
            results.Add(result);
            done(result);
        }

        var model = await ProveModelAsync(runner, drift, cancellationToken);
        results.Add(model);
        done(model);
        return results;
    }

    private async Task<ProofResult> ProveAsync(RevisionInfo revision, RevisionRunner runner, DriftDetector drift, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The revision records its own snapshot (the catalog names a revision's own before any ancestor's).
        var snapshot = _catalog.ModelRevisionOrNone(revision.Id) == revision.Id;
        var problems = new List<string>();
        ProofResult Done(ProofOutcome outcome) => new(revision.Id, revision.Message, outcome, snapshot, problems, clock.Elapsed);

        var below = Graph.Applied([revision.Id]).Where(id => id != revision.Id).ToHashSet(StringComparer.Ordinal);
        if (below.FirstOrDefault(_upgradeFailed.Contains) is { } failedBelow)
        {
            problems.Add($"it needs {failedBelow}, whose upgrade failed");
            return Done(ProofOutcome.NotTested);
        }

        var applied = Graph.Applied(await runner.GetCurrentHeadsAsync(cancellationToken));
        if (applied.FirstOrDefault(id => !below.Contains(id) && _downgradeFailed.Contains(id)) is { } stuck)
        {
            problems.Add($"it needs {stuck} downgraded, whose downgrade failed");
            return Done(ProofOutcome.NotTested);
        }

        var versionTable = _options.VersionTable;
        var tools = DriftDetector.ToolTables(versionTable);
        try
        {
            await BringToAsync(runner, below, revision, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            problems.Add($"could not bring the database to its parents: {RevisionRunner.OneLine(e.Message)}");
            return Done(ProofOutcome.NotTested);
        }

        var before = drift.ReadSchema();
        if (!await StepAsync(() => runner.UpgradeAsync(revision.Id, cancellationToken), "upgrade", problems, cancellationToken))
        {
            _upgradeFailed.Add(revision.Id);
            return Done(ProofOutcome.Failed);
        }

        var up = drift.ReadSchema();
        var againstSnapshot = snapshot ? drift.Find(_catalog, revision.Id, versionTable) : [];
        problems.AddRange(againstSnapshot.Select(d => $"after upgrade, against its snapshot: {d}"));

        if (!await StepAsync(() => runner.DowngradeAsync(DowngradeTarget(revision), cancellationToken), "downgrade", problems, cancellationToken))
        {
            // The runner rolled it back: the database is still at this revision, where its children start.
            _downgradeFailed.Add(revision.Id);
            return Done(ProofOutcome.Failed);
        }

        problems.AddRange(SchemaComparer.CompareReadings(before, "before the upgrade", drift.ReadSchema(), "after the downgrade", tools)
            .Select(d => $"after downgrade: {d}"));
        var (found, parentsModel) = ParentsModel(revision);
        if (snapshot && found)
        {
            var against = parentsModel is null ? "the empty schema" : $"the snapshot of {parentsModel}";
            problems.AddRange(drift.Find(_catalog, parentsModel, versionTable).Select(d => $"after downgrade, against {against}: {d}"));
        }

        if (!await StepAsync(() => runner.UpgradeAsync(revision.Id, cancellationToken), "upgrade after the downgrade", problems, cancellationToken))
        {
            _upgradeFailed.Add(revision.Id);
            return Done(ProofOutcome.Failed);
        }

        problems.AddRange(SchemaComparer.CompareReadings(up, "after the first upgrade", drift.ReadSchema(), "after upgrade, downgrade, upgrade", tools)
            .Select(d => $"upgrade again: {d}"));
        if (snapshot)
        {
            // What the first comparison found is said once.
            problems.AddRange(drift.Find(_catalog, revision.Id, versionTable).Except(againstSnapshot)
                .Select(d => $"upgrade again, against its snapshot: {d}"));
        }

        return Done(problems.Count == 0 ? ProofOutcome.Passed : ProofOutcome.Failed);
    }

    /// <summary>
    /// Brings the database to exactly <paramref name="below"/> (the revision's ancestors and
    /// dependencies): undoes what else is applied, one revision at a time from the tips (a
    /// branch tested before this one), then upgrades to each parent and dependency.
    /// </summary>
    private async Task BringToAsync(RevisionRunner runner, HashSet<string> below, RevisionInfo revision, CancellationToken cancellationToken)
    {
        while ((await runner.GetCurrentHeadsAsync(cancellationToken)).FirstOrDefault(head => !below.Contains(head)) is { } extra)
        {
            // A version row outside the wanted set: what is below a wanted one is wanted too.
            await runner.DowngradeAsync(DowngradeTarget(Graph.Get(extra)), cancellationToken);
        }

        foreach (var needed in revision.Parents.Concat(revision.DependsOn))
        {
            await runner.UpgradeAsync(needed, cancellationToken);
        }
    }

    /// <summary>
    /// The downgrade target that undoes <paramref name="revision"/> alone: a parent, on its own
    /// branch (<c>REV@PARENT</c>, so a sibling applied beside it stays), or <c>REV@base</c>. A merge
    /// goes back to all its parents applied. Its parent is one that no other parent stands on: in a
    /// diamond (A, B on A, a merge of A and B) the way down to A would undo B too.
    /// </summary>
    private string DowngradeTarget(RevisionInfo revision)
    {
        if (revision.Parents.Count == 0)
        {
            return $"{revision.Id}@base";
        }

        var top = revision.Parents.First(parent => revision.Parents.All(other => other == parent || !Graph.Applied([other]).Contains(parent)));
        return $"{revision.Id}@{top}";
    }

    /// <summary>
    /// The revision whose snapshot is the model with the revision's parents and dependencies
    /// applied (Found with null: the empty model, for a base); not Found when no one snapshot
    /// describes it (a merge of branches whose models differ, or no snapshot below): then the
    /// schema after the downgrade is compared with the one before the upgrade only.
    /// </summary>
    private (bool Found, string? Revision) ParentsModel(RevisionInfo revision)
    {
        var below = revision.Parents.Concat(revision.DependsOn).ToList();
        if (below.Count == 0)
        {
            return (true, null);
        }

        try
        {
            return _catalog.TryMergedModelRevision(below, out var model) && model is not null ? (true, model) : (false, null);
        }
        catch (MigrationKitException)
        {
            return (false, null);
        }
    }

    /// <summary>
    /// Head's snapshot against the app's model, as `check` compares them; with no snapshot up to
    /// head, the schema the revisions build at head against the app's model instead.
    /// </summary>
    private async Task<ProofResult> ProveModelAsync(RevisionRunner runner, DriftDetector drift, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        const string message = "head against the app's model";
        ProofResult Done(ProofOutcome outcome, bool snapshot) => new(ModelCase, message, outcome, snapshot, problems, clock.Elapsed);

        if (Graph.Heads is not [var head])
        {
            problems.Add($"the graph has {Graph.Heads.Count} heads ({string.Join(", ", Graph.Heads.Select(h => h.Id))}), and the app has one model: merge them (`merge heads`)");
            return Done(ProofOutcome.Failed, snapshot: false);
        }

        if (_catalog.ModelRevision(head.Id) is not null)
        {
            var pending = new Autogenerator(_context, _modelAssembly, _startupAssembly).PendingOperations(_catalog, head.Id);
            problems.AddRange(pending.Select(o => $"in the app's model, not in head's snapshot: {OperationDescriptions.Describe(o)}"));
            return Done(problems.Count == 0 ? ProofOutcome.Passed : ProofOutcome.Failed, snapshot: true);
        }

        if (Graph.Applied([head.Id]).FirstOrDefault(id => _upgradeFailed.Contains(id) || _downgradeFailed.Contains(id)) is { } failed)
        {
            problems.Add($"no revision up to head records a snapshot, and the schema at head needs {failed}, which failed");
            return Done(ProofOutcome.NotTested, snapshot: false);
        }

        if (!await StepAsync(() => runner.UpgradeAsync(head.Id, cancellationToken), "upgrade to head", problems, cancellationToken))
        {
            return Done(ProofOutcome.Failed, snapshot: false);
        }

        problems.AddRange(drift.FindAgainstAppModel(_options.VersionTable).Select(d => $"no snapshot up to head; the schema at head against the app's model: {d}"));
        return Done(problems.Count == 0 ? ProofOutcome.Passed : ProofOutcome.Failed, snapshot: false);
    }

    /// <summary>Runs one step; a failure (the revision's code throwing, a statement the database refuses) becomes a problem line.</summary>
    private static async Task<bool> StepAsync(Func<Task<MigrationPlan>> step, string what, List<string> problems, CancellationToken cancellationToken)
    {
        try
        {
            await step();
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The runner's own failures say which step and what state; anything else came from the revision's code.
            var error = e is MigrationKitException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            problems.Add($"{what} failed: {RevisionRunner.OneLine(error)}");
            return false;
        }
    }
}
