using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using MigrationKit.Core;
using MigrationKit.Transfer.Tables;
using Npgsql;
using Serilog;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// `copy` between two PostgreSQL databases. Every read comes from one snapshot the source exports;
/// rows move as raw binary COPY, source to target through one pooled buffer per job, never decoded.
/// Tables load in foreign-key order, several at once, each in its own target transaction (a
/// foreign-key cycle in one), so a table is either as it was or complete.
/// </summary>
internal sealed class PostgresCopy(string sourceConnection, string targetConnection, CopyOptions options, ITransferProgress? progress = null, ILogger? log = null)
{
    private readonly ILogger _log = log ?? Log.Logger;
    private readonly CopyOptions _options = options;
    private readonly ITransferProgress? _progress = progress;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public async Task<CopyResult> RunAsync(IReadOnlyList<TransferTable> model, CancellationToken cancellationToken)
    {
        var (tables, filters) = CopyChecks.Selectable(model, _options, DatabaseKind.PostgreSql, DatabaseKind.PostgreSql);

        await using var source = PostgresEndpoint.Create("source", sourceConnection);
        await using var target = PostgresEndpoint.Create("target", targetConnection);

        var snapshotHolder = await source.OpenAsync(cancellationToken);
        await using var closeSnapshotHolder = Cleanup.Quiet(snapshotHolder);
        var control = await target.OpenAsync(cancellationToken);
        await using var closeControl = Cleanup.Quiet(control);
        SameDatabase.Refuse(await SameDatabase.OfPostgresAsync(snapshotHolder, cancellationToken), await SameDatabase.OfPostgresAsync(control, cancellationToken), source.Display);

        // The exporting transaction stays open until the copy ends: the snapshot lives as long as it does.
        await PostgresEndpoint.ExecuteAsync(snapshotHolder, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", cancellationToken);
        var snapshot = (string)(await PostgresEndpoint.ScalarAsync(snapshotHolder, "SELECT pg_export_snapshot()", cancellationToken))!;
        var sourceRevision = await PostgresEndpoint.ReadRevisionAsync(snapshotHolder, _options.VersionTable, cancellationToken);
        var sourceCatalog = await PostgresEndpoint.ReadCatalogAsync(snapshotHolder, cancellationToken);

        var migrationLock = await PostgresEndpoint.LockForMigrationAsync(control, _options.VersionTable, _options.LockWait, _log, cancellationToken);
        try
        {
            var targetRevision = await PostgresEndpoint.ReadRevisionAsync(control, _options.VersionTable, cancellationToken);
            var targetCatalog = await PostgresEndpoint.ReadCatalogAsync(control, cancellationToken);

            var (differences, plans) = SchemaComparison.Compare(tables, sourceRevision, targetRevision, sourceCatalog, targetCatalog, filters);
            CopyChecks.StopUnlessForced(differences, _options, _log);
            await RowFilter.CheckOnSourceAsync(plans, DatabaseKind.PostgreSql, PgSql.Table, sql => PostgresEndpoint.ExecuteAsync(snapshotHolder, sql, cancellationToken), PostgresEndpoint.Reason);

            plans.RemoveAll(p => p.Columns.Count == 0);
            var finished = await CopyProgressTable.StartAsync(control, source.Display, _options.Resume, cancellationToken);
            var results = CopyChecks.Skipped(plans, finished, _progress);

            var pending = plans.Where(p => !finished.Contains(p.Table.DisplayName)).ToList();
            var foreignKeys = await TargetForeignKeys.ReadAsync(control, cancellationToken);
            var units = LoadOrder.Plan(pending.Select(p => p.Table).ToList(), _options.DisableTriggers ? null : foreignKeys.CheckedAtOnce, _options.Truncate);
            var planOf = pending.ToDictionary(p => p.Table.DisplayName, StringComparer.Ordinal);
            var rangesOf = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var plan in pending)
            {
                var keyType = plan.Table.Key.Count == 1 ? sourceCatalog.Find(plan.Table)?.GetValueOrDefault(plan.Table.Key[0])?.Type : null;
                rangesOf[plan.Table.DisplayName] = keyType is null ? [] : await KeyRanges.PlanAsync(snapshotHolder, plan, keyType, _options.SplitAbove, _options.Jobs, cancellationToken);
            }

            var loader = new UnitLoader(this, source, target, snapshot, planOf, rangesOf, foreignKeys);
            results.AddRange(await RunUnitsAsync(units, loader, cancellationToken));

            if (_options.Verify)
            {
                await Checksums.VerifyAsync((source, snapshotHolder), (target, control), plans, cancellationToken);
            }

            await CopyProgressTable.FinishAsync(control, cancellationToken);

            // The source was only read: nothing of its transaction is kept.
            await PostgresEndpoint.ExecuteAsync(snapshotHolder, "ROLLBACK", cancellationToken);
            var result = new CopyResult(results, differences);
            await migrationLock.DisposeAsync();
            return result;
        }
        catch
        {
            // The target session may sit in an aborted transaction (a failed verify), where the unlock
            // would fail and be reported instead: roll back first, then release.
            await Cleanup.QuietlyAsync(() => PostgresEndpoint.ExecuteAsync(control, "ROLLBACK", CancellationToken.None));
            await Cleanup.QuietlyAsync(async () => await migrationLock.DisposeAsync());
            throw;
        }
    }

    /// <summary>Starts each unit once the units it references are done, at most --jobs at once; the first failure cancels the rest.</summary>
    private async Task<List<TableResult>> RunUnitsAsync(IReadOnlyList<LoadUnit> units, UnitLoader loader, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waiting = units.ToList();
        var running = new Dictionary<Task<IReadOnlyList<TableResult>>, LoadUnit>();
        var done = new HashSet<int>();
        var results = new List<TableResult>();
        Exception? failure = null;
        while (true)
        {
            for (var i = 0; i < waiting.Count && running.Count < Math.Max(1, _options.Jobs); i++)
            {
                if (waiting[i].DependsOn.All(done.Contains))
                {
                    running.Add(loader.LoadAsync(waiting[i], stop.Token), waiting[i]);
                    waiting.RemoveAt(i--);
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var next = await Task.WhenAny(running.Keys);
            var unit = running[next];
            running.Remove(next);
            try
            {
                results.AddRange(await next);
                done.Add(unit.Id);
            }
            catch (Exception e)
            {
                if (failure is null)
                {
                    failure = e;
                    waiting.Clear();
                    await stop.CancelAsync();
                }
            }
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(LoadFailure.Explain(failure, results.Select(r => r.Table)));
        }

        return results;
    }

    /// <summary>Loads one unit: its own source session in the exported snapshot, its own target transaction.</summary>
    private sealed class UnitLoader(
        PostgresCopy copy,
        PostgresEndpoint source,
        PostgresEndpoint target,
        string snapshot,
        Dictionary<string, TablePlan> plans,
        Dictionary<string, IReadOnlyList<string>> rangesOf,
        TargetForeignKeys foreignKeys)
    {
        private readonly CopyOptions _options = copy._options;

        public async Task<IReadOnlyList<TableResult>> LoadAsync(LoadUnit unit, CancellationToken cancellationToken)
        {
            var reader = await OpenReaderAsync(cancellationToken);
            await using var closeReader = Cleanup.Quiet(reader);
            var writer = await target.OpenAsync(cancellationToken);
            await using var closeWriter = Cleanup.Quiet(writer);
            await using var transaction = await writer.BeginTransactionAsync(cancellationToken);
            var restore = await TargetTables.PrepareAsync(writer, unit, _options.DisableTriggers, _options.Truncate, foreignKeys, cancellationToken);

            var results = new List<TableResult>(unit.Tables.Count);
            for (var i = 0; i < unit.Tables.Count; i++)
            {
                var plan = plans[unit.Tables[i].DisplayName];
                copy._progress?.Started(plan.Table.DisplayName);
                results.Add(await LoadTableAsync(reader, writer, plan, i, cancellationToken));
                await CopyProgressTable.MarkAsync(writer, plan.Table.DisplayName, source.Display, results[^1].Rows, cancellationToken);
            }

            await TargetTables.RestoreAsync(writer, unit, restore, cancellationToken);

            try
            {
                await transaction.CommitAsync(cancellationToken);
            }
            catch (PostgresException e)
            {
                throw TargetTables.Failed(unit, e);
            }

            foreach (var result in results)
            {
                copy._progress?.Finished(result);
                copy._log.Debug("Copied {Table}: {Rows} rows, {Bytes} bytes in {Elapsed}", result.Table, result.Rows, result.Bytes, result.Elapsed);
            }

            return results;
        }

        /// <summary>A source session reading in the exported snapshot.</summary>
        private async Task<NpgsqlConnection> OpenReaderAsync(CancellationToken cancellationToken)
        {
            var reader = await source.OpenAsync(cancellationToken);
            await PostgresEndpoint.ExecuteAsync(reader,
                $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {PgSql.Literal(snapshot)}", cancellationToken);
            return reader;
        }

        private async Task<TableResult> LoadTableAsync(NpgsqlConnection reader, NpgsqlConnection writer, TablePlan plan, int index, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var table = PgSql.Table(plan.Table);
            var columns = PgSql.Columns(plan.Columns);
            var staging = _options.OnConflict == ConflictMode.Error ? null : PgSql.Quote($"migratekit_load_{index}");
            var read = plan.Where is null
                ? $"COPY {table} ({columns}) TO STDOUT (FORMAT binary)"
                : $"COPY (SELECT {columns} FROM {table} WHERE {plan.Where.Sql(DatabaseKind.PostgreSql)}) TO STDOUT (FORMAT binary)";
            var write = $"COPY {staging ?? table} ({columns}) FROM STDIN (FORMAT binary)";
            try
            {
                if (staging is not null)
                {
                    await PostgresEndpoint.ExecuteAsync(writer, TargetTables.CreateStagingSql(plan, staging), cancellationToken);
                }

                var ranges = rangesOf[plan.Table.DisplayName];
                var (rows, bytes) = ranges.Count > 1
                    ? await PumpRangesAsync(reader, writer, plan, ranges, write, cancellationToken)
                    : await PumpAsync(reader, writer, read, write, plan.Table.DisplayName, cancellationToken);
                if (staging is not null)
                {
                    await PostgresEndpoint.ExecuteAsync(writer, TargetTables.MergeStagingSql(plan, staging, OnConflict(plan)), cancellationToken);
                }

                await TargetTables.SetSequencesAsync(writer, table, cancellationToken);
                return new TableResult(plan.Table.DisplayName, rows, bytes, Stopwatch.GetElapsedTime(started));
            }
            catch (PostgresException e)
            {
                throw TargetTables.Failed(plan.Table.DisplayName, e);
            }
        }

        private string OnConflict(TablePlan plan)
        {
            return ConflictSql.For(plan, _options.OnConflict);
        }

        /// <summary>A table split into key ranges: the unit's reader takes the first, a session of its own each of the others.</summary>
        private async Task<(long Rows, long Bytes)> PumpRangesAsync(
            NpgsqlConnection reader, NpgsqlConnection writer, TablePlan plan, IReadOnlyList<string> ranges, string write, CancellationToken cancellationToken)
        {
            var readers = new List<NpgsqlConnection> { reader };
            try
            {
                for (var i = 1; i < ranges.Count; i++)
                {
                    readers.Add(await OpenReaderAsync(cancellationToken));
                }

                var table = plan.Table.DisplayName;
                var filter = plan.Where is null ? "" : $"{plan.Where.Sql(DatabaseKind.PostgreSql)} AND ";
                var reads = ranges.Select(r => $"COPY (SELECT {PgSql.Columns(plan.Columns)} FROM {PgSql.Table(plan.Table)} WHERE {filter}{r}) TO STDOUT (FORMAT binary)").ToList();
                copy._log.Debug("Reading {Table} as {Count} key ranges at once", table, ranges.Count);
                var reported = Stopwatch.GetTimestamp();
                return await KeyRangePump.PumpAsync(readers, reads, writer, write, _options.BufferSize, (rows, bytes) =>
                {
                    if (copy._progress is not null && Stopwatch.GetElapsedTime(reported) > ProgressInterval)
                    {
                        copy._progress.Advanced(table, rows, bytes);
                        reported = Stopwatch.GetTimestamp();
                    }
                }, cancellationToken);
            }
            finally
            {
                foreach (var extra in readers.Skip(1))
                {
                    await extra.DisposeAsync();
                }
            }
        }

        /// <summary>Streams the source's COPY output into the target's COPY input; memory is one buffer whatever the table's size.</summary>
        private async Task<(long Rows, long Bytes)> PumpAsync(
            NpgsqlConnection reader, NpgsqlConnection writer, string read, string write, string table, CancellationToken cancellationToken)
        {
            var size = _options.BufferSize;
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            var counter = new BinaryCopyRowCounter();
            long bytes = 0;
            var reported = Stopwatch.GetTimestamp();
            try
            {
                await using var input = await reader.BeginRawBinaryCopyAsync(read, cancellationToken);
                await using var output = await writer.BeginRawBinaryCopyAsync(write, cancellationToken);
                try
                {
                    int n;
                    while ((n = await input.ReadAsync(buffer.AsMemory(0, size), cancellationToken)) > 0)
                    {
                        counter.Feed(buffer.AsSpan(0, n));
                        await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                        bytes += n;
                        if (copy._progress is not null && Stopwatch.GetElapsedTime(reported) > ProgressInterval)
                        {
                            copy._progress.Advanced(table, counter.Rows, bytes);
                            reported = Stopwatch.GetTimestamp();
                        }
                    }
                }
                catch
                {
                    // Without this the target would see an orderly end of the data and keep what arrived.
                    await Cleanup.QuietlyAsync(output.CancelAsync);
                    throw;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return (counter.Rows, bytes);
        }
    }
}
