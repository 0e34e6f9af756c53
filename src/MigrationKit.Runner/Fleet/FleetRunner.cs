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
            var before = await runner.GetCurrentHeadsAsync(token);
            var after = await runner.StampAsync(revisions, purge, token);
            var changed = !before.SequenceEqual(after.Order(StringComparer.Ordinal), StringComparer.Ordinal);
            return new TargetResult(t.Name, changed ? TargetStatus.Succeeded : TargetStatus.Unchanged, before, after,
                changed ? 1 : 0, Stopwatch.GetElapsedTime(started), null);
        }, ct);

    /// <summary>Reads each target's heads (one query each; no lock, nothing created).</summary>
    public Task<FleetReport> CurrentAsync(IReadOnlyList<FleetTarget> targets, CancellationToken ct = default)
        => RunAsync("current", null, targets, async (t, context, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var heads = await RunnerFor(t, context).GetCurrentHeadsAsync(token);
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

    private Task<FleetReport> RunAsync(
        string operation, string? target, IReadOnlyList<FleetTarget> targets,
        Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, CancellationToken ct)
        => new FleetSchedule(targets, _options, _createContext, _log).RunAsync(operation, target, job, ct);

    private async Task<TargetResult> MigrateAsync(
        FleetTarget target, DbContext context, MigrationDirection direction, string to, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var runner = RunnerFor(target, context);
        var plan = direction == MigrationDirection.Upgrade ? await runner.UpgradeAsync(to, ct) : await runner.DowngradeAsync(to, ct);
        return new TargetResult(target.Name, plan.Steps.Count == 0 ? TargetStatus.Unchanged : TargetStatus.Succeeded,
            plan.HeadsBefore, plan.HeadsAfter, plan.Steps.Count, Stopwatch.GetElapsedTime(started), null);
    }

    private RevisionRunner RunnerFor(FleetTarget target, DbContext context)
        => new(context, _catalog, _runnerOptions, _log.ForContext("FleetTarget", target.Name));
}
