using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using Serilog;

namespace MigrationKit.Runner.Fleet;

/// <summary>
/// One fleet run's scheduling: the canaries first, then the rest, never more than
/// <see cref="FleetOptions.Parallel"/> at once, stopping (or not) at the first failure, and the
/// counts behind the progress events. Knows nothing of what a job does to its target.
/// </summary>
internal sealed class FleetSchedule
{
    private readonly IReadOnlyList<FleetTarget> _targets;
    private readonly FleetOptions _options;
    private readonly Func<DbContext> _createContext;
    private readonly Func<FleetTarget, DbContext, CancellationToken, Task<IReadOnlyList<string>>> _readHeads;
    private readonly ILogger _log;
    private readonly TargetResult?[] _results;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _counts = new();
    private int _next;
    private int _running;
    private int _done;
    private int _failed;
    private volatile bool _stop;

    /// <param name="readHeads">Reads a target's heads after its job failed, for the report.</param>
    public FleetSchedule(
        IReadOnlyList<FleetTarget> targets, FleetOptions options, Func<DbContext> createContext,
        Func<FleetTarget, DbContext, CancellationToken, Task<IReadOnlyList<string>>> readHeads, ILogger log)
    {
        // The sources refuse a duplicate with where it came from; this is for a list an app built itself.
        if (Targets.TargetConnections.Duplicate(targets) is { } twice)
        {
            throw new MigrationKitException(
                $"Two targets of the fleet are named '{twice.Name}'.", "Give each target a name of its own.");
        }

        _targets = targets;
        _options = options;
        _createContext = createContext;
        _readHeads = readHeads;
        _log = log;
        _results = new TargetResult?[targets.Count];
    }

    public async Task<FleetReport> RunAsync(
        string operation, string? target, Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, CancellationToken ct)
    {
        var canaries = Math.Min(_options.Canary, _targets.Count);
        if (canaries > 0)
        {
            await RunWorkersAsync(canaries, job, stopOnFailure: true, ct);
            if (_stop)
            {
                _log.Warning("A canary failed: no other target started");
            }
        }

        if (!_stop)
        {
            await RunWorkersAsync(_targets.Count, job, stopOnFailure: !_options.ContinueOnError, ct);
        }

        var results = new TargetResult[_targets.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = _results[i] ?? new TargetResult(_targets[i].Name, TargetStatus.NotStarted, [], [], 0, TimeSpan.Zero, null);
        }

        return new FleetReport(operation, target, results, cancelled: ct.IsCancellationRequested);
    }

    /// <summary>Runs the targets up to index <paramref name="end"/> (exclusive) not started yet.</summary>
    private async Task RunWorkersAsync(
        int end, Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, bool stopOnFailure, CancellationToken ct)
    {
        var workers = Math.Min(_options.Parallel, end - _next);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(end, job, stopOnFailure, ct), CancellationToken.None)));
    }

    private async Task WorkAsync(
        int end, Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, bool stopOnFailure, CancellationToken ct)
    {
        await using var context = _createContext();
        while (!_stop && !ct.IsCancellationRequested)
        {
            int index;
            lock (_counts)
            {
                if (_next >= end)
                {
                    return;
                }

                index = _next++;
                _running++;
            }

            Report(null);
            var result = await RunOneAsync(_targets[index], context, job, ct);
            _results[index] = result;
            lock (_counts)
            {
                _running--;
                if (result.Status == TargetStatus.Failed)
                {
                    _failed++;
                    _stop |= stopOnFailure;
                }
                else
                {
                    _done++;
                }
            }

            Report(result);
        }
    }

    private async Task<TargetResult> RunOneAsync(
        FleetTarget target, DbContext context, Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> job, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            context.Database.SetConnectionString(FleetConnection.For(target, context.Database.ProviderName));
            try
            {
                return await job(target, context, ct);
            }
            finally
            {
                // A job may run on the connection its first query left open (EF counts opens; a no-op
                // when none is left): the worker's next target needs it closed to change the string.
                await context.Database.CloseConnectionAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Debug(e, "{Target:l} failed", target.Name);
            var failed = new TargetResult(target.Name, TargetStatus.Failed, [], [], 0, Stopwatch.GetElapsedTime(started), ErrorLine(e));
            try
            {
                // Where the failure left it: each revision commits alone, so those before the failed one stay.
                var heads = await _readHeads(target, context, CancellationToken.None);
                return failed with { Before = heads, After = heads };
            }
            catch (Exception reading) when (reading is not OutOfMemoryException)
            {
                return failed with { HeadsKnown = false };
            }
        }
    }

    /// <summary>
    /// What the CLI prints for a failure of one database (message, then hint), on one line: of
    /// ours, or the database's own message for anything else (a stack trace helps no one reading
    /// 500 lines).
    /// </summary>
    internal static string ErrorLine(Exception e) => RevisionRunner.OneLine(e.Message, (e as MigrationKitException)?.Hint);

    private void Report(TargetResult? finished)
    {
        if (_options.Progress is not { } progress)
        {
            return;
        }

        FleetProgress snapshot;
        lock (_counts)
        {
            snapshot = new FleetProgress(_targets.Count, _done, _running, _failed, _targets.Count - _next,
                Stopwatch.GetElapsedTime(_started), finished);
        }

        progress.Report(snapshot);
    }
}
