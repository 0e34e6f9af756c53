using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using Serilog;

namespace MigrationKit.Runner.Fleet;

/// <summary>
/// Runs one operation over many databases (or schemas) with bounded parallelism: each target
/// through its own <see cref="RevisionRunner"/>, so each keeps its own connection, lock, version
/// table and one transaction per revision, exactly as when run alone.
/// </summary>
public sealed class FleetRunner
{
    private readonly Func<DbContext> _createContext;
    private readonly RevisionCatalog _catalog;
    private readonly RunnerOptions _runnerOptions;
    private readonly FleetOptions _options;
    private readonly ILogger _log;
    // One generation of each step's SQL for the whole fleet, not one per target.
    private readonly GeneratedSteps _generated = new();

    /// <param name="createContext">
    /// A fresh DbContext of the app: the runner points it at each target itself
    /// (<c>Database.SetConnectionString</c>), so one context serves one worker's targets one after another.
    /// </param>
    public FleetRunner(
        Func<DbContext> createContext, RevisionCatalog catalog, RunnerOptions? runnerOptions = null,
        FleetOptions? options = null, ILogger? logger = null)
    {
        _createContext = createContext;
        _catalog = catalog;
        _runnerOptions = runnerOptions ?? new RunnerOptions();
        _options = options ?? new FleetOptions();
        _log = logger ?? Log.Logger;
        if (_options.Parallel < 1)
        {
            throw new MigrationKitException($"Parallel must be at least 1, not {_options.Parallel}.");
        }

        if (_options.Canary < 0)
        {
            throw new MigrationKitException($"Canary must be 0 or more, not {_options.Canary}.");
        }
    }

    public Task<FleetReport> UpgradeAsync(IReadOnlyList<FleetTarget> targets, string target = "head", CancellationToken ct = default)
        => RunAsync("upgrade", target, targets, (t, context, token) => MigrateAsync(t, context, MigrationDirection.Upgrade, target, token), ct);

    public Task<FleetReport> DowngradeAsync(IReadOnlyList<FleetTarget> targets, string target, CancellationToken ct = default)
        => RunAsync("downgrade", target, targets, (t, context, token) => MigrateAsync(t, context, MigrationDirection.Downgrade, target, token), ct);

    public Task<FleetReport> StampAsync(IReadOnlyList<FleetTarget> targets, IReadOnlyList<string> revisions, bool purge, CancellationToken ct = default)
        => RunAsync("stamp", revisions.Count == 0 ? "base" : string.Join(",", revisions), targets, async (t, context, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var runner = RunnerFor(t, context);
            var (before, stamped) = await runner.StampFromAsync(revisions, purge, token);
            var after = stamped.Order(StringComparer.Ordinal).ToList();
            var changed = purge || !before.SequenceEqual(after, StringComparer.Ordinal);
            return new TargetResult(t.Name, changed ? TargetStatus.Succeeded : TargetStatus.Unchanged, before, after,
                changed ? 1 : 0, Stopwatch.GetElapsedTime(started), null);
        }, ct);

    /// <summary>Reads each target's heads (one query each when there is a version table; no lock, nothing created).</summary>
    public Task<FleetReport> CurrentAsync(IReadOnlyList<FleetTarget> targets, CancellationToken ct = default)
        => RunAsync("current", null, targets, async (t, context, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var runner = RunnerFor(t, context);
            var heads = await runner.TryReadSettledHeadsAsync(token, keepOpen: true) ?? await runner.GetCurrentHeadsAsync(token);
            return new TargetResult(t.Name, TargetStatus.Unchanged, heads, heads, 0, Stopwatch.GetElapsedTime(started), null);
        }, ct);

    /// <summary>
    /// Any other per-target job (the CLI's <c>check --database</c> runs its drift check through it):
    /// the context it gets already points at the target. A <see cref="MigrationKitException"/> (or
    /// any other exception) thrown by the job fails that target with its message.
    /// </summary>
    public Task<FleetReport> RunAsync(
        string operation, IReadOnlyList<FleetTarget> targets, Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job,
        CancellationToken ct = default)
        => RunAsync(operation, null, targets, job, ct);

    private async Task<FleetReport> RunAsync(
        string operation, string? target, IReadOnlyList<FleetTarget> targets,
        Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, CancellationToken ct)
    {
        if (targets.Any(t => t.Schema is not null))
        {
            RefuseSchemasPerTenant();
        }

        return await new FleetSchedule(targets, _options, _createContext, (t, context, token) => RunnerFor(t, context).GetCurrentHeadsAsync(token), _log)
            .RunAsync(operation, target, job, ct);
    }

    /// <summary>
    /// A schema per tenant works through <c>search_path</c>, which only unqualified names follow:
    /// a model with a schema of its own would send every tenant's tables to that one schema.
    /// </summary>
    private void RefuseSchemasPerTenant()
    {
        using var context = _createContext();
        if (context.Database.ProviderName != Database.DatabaseDialect.PostgreSqlProvider)
        {
            throw new MigrationKitException($"A schema per tenant needs PostgreSQL, not {context.Database.ProviderName}.");
        }

        if (context.Model.GetDefaultSchema() is { } schema)
        {
            throw new MigrationKitException(
                $"The model of {context.GetType().Name} has the default schema '{schema}', so it cannot run in a schema per tenant.",
                "Remove HasDefaultSchema(...) from the model (tenants' tables then go to the schema first on search_path), or give each tenant a database.");
        }
    }

    /// <summary>
    /// One upgrade or downgrade. A target already where the operation would bring it costs one
    /// query (no lock, no SQL generated); any other goes the one way every run goes, on the
    /// connection that query opened (the schedule closes it after the target).
    /// </summary>
    private async Task<TargetResult> MigrateAsync(
        FleetTarget target, DbContext context, MigrationDirection direction, string to, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var runner = RunnerFor(target, context);
        IReadOnlyList<string>? heads;
        try
        {
            heads = await runner.TryReadSettledHeadsAsync(ct, keepOpen: true);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run below says so in the words it uses for one database ("Interrupted before any revision ran").
            heads = null;
        }

        if (heads is not null)
        {
            _catalog.Graph.ValidateCurrentHeads(heads);
            var settled = direction == MigrationDirection.Upgrade ? _catalog.Graph.PlanUpgrade(heads, to) : _catalog.Graph.PlanDowngrade(heads, to);
            // A row naming the end of a squashed run goes the one way too, which renames it.
            if (settled.Steps.Count == 0 && _catalog.Graph.RowsToRename(heads).Count == 0)
            {
                return new TargetResult(target.Name, TargetStatus.Unchanged, heads, heads, 0, Stopwatch.GetElapsedTime(started), null);
            }
        }

        var plan = direction == MigrationDirection.Upgrade ? await runner.UpgradeAsync(to, ct) : await runner.DowngradeAsync(to, ct);
        return new TargetResult(target.Name, plan.Steps.Count == 0 ? TargetStatus.Unchanged : TargetStatus.Succeeded,
            plan.HeadsBefore, plan.HeadsAfter, plan.Steps.Count, Stopwatch.GetElapsedTime(started), null);
    }

    private RevisionRunner RunnerFor(FleetTarget target, DbContext context)
        => new(context, _catalog, _runnerOptions, _log.ForContext("FleetTarget", target.Name), _generated, target.Schema);
}
