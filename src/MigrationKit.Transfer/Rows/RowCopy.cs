using System.Diagnostics;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;
using Serilog;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// `copy` with SQLite at one end or both: each value is read as the type the model stores and
/// written in the target's own encoding (binary COPY into PostgreSQL, a prepared INSERT into
/// SQLite), one row in memory at a time. Every read comes from one transaction of the source.
/// Units load one after another, each in its own target transaction: a SQLite file has one writer,
/// and one snapshot of a source needs one connection. The checks, the order, --resume and --verify
/// are those of <see cref="PostgresCopy"/>.
/// </summary>
internal sealed class RowCopy(TransferEndpoint source, TransferEndpoint target, CopyOptions options, ITransferProgress? progress = null, ILogger? log = null)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private readonly ILogger _log = log ?? Log.Logger;

    public async Task<CopyResult> RunAsync(IReadOnlyList<TransferTable> model, CancellationToken cancellationToken)
    {
        var (tables, filters) = CopyChecks.Selectable(model, options, source.Kind, target.Kind);
        await using var from = await RowDatabase.OpenAsync(source, "source", cancellationToken);
        await using var to = await RowDatabase.OpenAsync(target, "target", cancellationToken);
        SameDatabase.Refuse(await from.IdentityAsync(cancellationToken), await to.IdentityAsync(cancellationToken), from.Display);
        await using var migrationLock = await to.LockForMigrationAsync(options.VersionTable, options.LockWait, _log, cancellationToken);
        await from.BeginSnapshotAsync(cancellationToken);
        var sourceRevision = await from.ReadRevisionAsync(options.VersionTable, cancellationToken);
        var sourceCatalog = await from.ReadCatalogAsync(cancellationToken);
        var targetRevision = await to.ReadRevisionAsync(options.VersionTable, cancellationToken);
        var targetCatalog = await to.ReadCatalogAsync(cancellationToken);

        var (differences, plans) = SchemaComparison.Compare(
            tables, sourceRevision, targetRevision, sourceCatalog, targetCatalog, filters,
            (column, onSource, onTarget) => ColumnValue.For(column.ClrType) is { } value
                ? from.CannotHold(value, onSource) ?? to.CannotHold(value, onTarget)
                : $"holds {column.ClrType?.Name ?? "values of no known type"}, which a copy between SQLite and PostgreSQL does not move");
        CopyChecks.StopUnlessForced(differences, options, _log);
        await RowFilter.CheckOnSourceAsync(plans, from.Kind, from.Table, sql => from.ExecuteAsync(sql, cancellationToken), from.Reason);

        plans.RemoveAll(p => p.Columns.Count == 0);
        var finished = await CopyProgressTable.StartAsync(to.Connection, from.Display, options.Resume, cancellationToken);
        var results = CopyChecks.Skipped(plans, finished, progress);
        var pending = plans.Where(p => !finished.Contains(p.Table.DisplayName)).ToList();
        var units = LoadOrder.Plan(pending.Select(p => p.Table).ToList(), await to.NonDeferrableForeignKeysAsync(options.DisableTriggers, cancellationToken), options.Truncate);
        var planOf = pending.ToDictionary(p => p.Table.DisplayName, StringComparer.Ordinal);
        var loaded = new List<TableResult>();
        try
        {
            foreach (var unit in units)
            {
                loaded.AddRange(await LoadUnitAsync(from, to, unit, planOf, cancellationToken));
            }
        }
        catch (MigrationKitException e)
        {
            throw LoadFailure.Explain(e, loaded.Select(r => r.Table));
        }

        results.AddRange(loaded);

        if (options.Verify)
        {
            await VerifyAsync(from, to, plans, cancellationToken);
        }

        await CopyProgressTable.FinishAsync(to.Connection, cancellationToken);
        // The source was only read: nothing of its transaction is kept.
        await from.RollbackAsync();
        return new CopyResult(results, differences);
    }

    private async Task<List<TableResult>> LoadUnitAsync(
        RowDatabase from, RowDatabase to, LoadUnit unit, Dictionary<string, TablePlan> plans, CancellationToken cancellationToken)
    {
        var results = new List<TableResult>(unit.Tables.Count);
        await to.LoadUnitAsync(unit, options.DisableTriggers, options.Truncate, async () =>
        {
            for (var i = 0; i < unit.Tables.Count; i++)
            {
                var plan = plans[unit.Tables[i].DisplayName];
                progress?.Started(plan.Table.DisplayName);
                results.Add(await LoadTableAsync(from, to, plan, i, cancellationToken));
                await CopyProgressTable.MarkAsync(to.Connection, plan.Table.DisplayName, from.Display, results[^1].Rows, cancellationToken);
            }
        }, cancellationToken);

        foreach (var result in results)
        {
            progress?.Finished(result);
            _log.Debug("Copied {Table}: {Rows} rows in {Elapsed}", result.Table, result.Rows, result.Elapsed);
        }

        return results;
    }

    private async Task<TableResult> LoadTableAsync(RowDatabase from, RowDatabase to, TablePlan plan, int index, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var values = Values(plan);
        long rows = 0;
        var reported = Stopwatch.GetTimestamp();
        await using var reader = await from.ReadAsync(plan, cancellationToken);
        await using var load = await to.BeginTableAsync(plan, index, options.OnConflict, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            await load.StartRowAsync(cancellationToken);
            for (var i = 0; i < values.Length; i++)
            {
                await values[i].CopyAsync(reader, i, load, cancellationToken);
            }

            await load.EndRowAsync(cancellationToken);
            rows++;
            if (progress is not null && Stopwatch.GetElapsedTime(reported) > ProgressInterval)
            {
                progress.Advanced(plan.Table.DisplayName, rows, 0);
                reported = Stopwatch.GetTimestamp();
            }
        }

        await load.CompleteAsync(cancellationToken);
        return new TableResult(plan.Table.DisplayName, rows, 0, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Count and canonical checksum of every table on both ends, the source still in its transaction.</summary>
    private static async Task VerifyAsync(RowDatabase from, RowDatabase to, IReadOnlyList<TablePlan> plans, CancellationToken cancellationToken)
    {
        await to.BeginSnapshotAsync(cancellationToken);
        var differences = new List<string>();
        try
        {
            foreach (var plan in plans)
            {
                Checksums.Compare(plan, await VerifiedChecksumAsync(from, plan, cancellationToken), await VerifiedChecksumAsync(to, plan, cancellationToken), differences);
            }
        }
        finally
        {
            await to.RollbackAsync();
        }

        Checksums.ThrowIfAny(differences);
    }

    /// <summary>A table's checksum for --verify: a failure at that end is one line naming it.</summary>
    private static async Task<TableChecksum> VerifiedChecksumAsync(RowDatabase database, TablePlan plan, CancellationToken cancellationToken)
    {
        try
        {
            return await ChecksumAsync(database, plan, cancellationToken);
        }
        catch (System.Data.Common.DbException e)
        {
            throw new MigrationKitException($"Verifying the copy failed: the {database.Role} database {database.Display}: {database.Reason(e)}", null, e);
        }
    }

    public static async Task<TableChecksum> ChecksumAsync(RowDatabase database, TablePlan plan, CancellationToken cancellationToken)
    {
        await using var reader = await database.ReadAsync(plan, cancellationToken);
        return await RowChecksum.OfAsync(reader, Values(plan), cancellationToken);
    }

    /// <summary>Each of the plan's columns as the model's type; the schema check has refused any type without one.</summary>
    public static ColumnValue[] Values(TablePlan plan)
    {
        var types = plan.Table.Columns.ToDictionary(c => c.Name, c => c.ClrType, StringComparer.Ordinal);
        return plan.Columns.Select(c => ColumnValue.For(types[c])!).ToArray();
    }
}
