using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using MigrationKit.Core;
using MigrationKit.Transfer.Rows;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// `export DIR` and `import DIR` on PostgreSQL: one CSV file with a header per table (what psql's
/// `\copy ... csv header` reads and writes) and a manifest. Export reads one snapshot; import loads
/// in foreign-key order, one transaction per table (or cycle), and checks every table against the manifest.
/// </summary>
internal sealed partial class CsvTransfer(string connectionString, string versionTable, ITransferProgress? progress = null)
{
    private const int BufferChars = 64 * 1024;

    public async Task<Manifest> ExportAsync(IReadOnlyList<TransferTable> model, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var endpoint = PostgresEndpoint.Create("source", connectionString);
        var connection = await endpoint.OpenAsync(cancellationToken);
        await using var closeConnection = Cleanup.Quiet(connection);
        await PostgresEndpoint.ExecuteAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " + Checksums.SessionSettings, cancellationToken);
        var revision = await PostgresEndpoint.ReadRevisionAsync(connection, versionTable, cancellationToken);
        var plans = Plans(model, await PostgresEndpoint.ReadCatalogAsync(connection, cancellationToken), "source");
        var tables = new List<ManifestTable>(plans.Count);
        var buffer = ArrayPool<char>.Shared.Rent(BufferChars);
        try
        {
            foreach (var plan in plans)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                progress?.Started(plan.Table.DisplayName);
                var file = plan.Table.DisplayName + ".csv";
                long chars = 0;

                // Intervals in ISO 8601, which SQLite's side parses; the checksum below reads them in its own style.
                await PostgresEndpoint.ExecuteAsync(connection, "SET LOCAL IntervalStyle = 'iso_8601'", cancellationToken);
                await using (var output = new StreamWriter(Path.Combine(directory, file)))
                using (var input = await connection.BeginTextExportAsync(
                    $"COPY {PgSql.Table(plan.Table)} ({PgSql.Columns(plan.Columns)}) TO STDOUT (FORMAT csv, HEADER)", cancellationToken))
                {
                    int n;
                    while ((n = await input.ReadAsync(buffer.AsMemory(0, BufferChars), cancellationToken)) > 0)
                    {
                        await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                        chars += n;
                    }
                }

                await PostgresEndpoint.ExecuteAsync(connection, "SET LOCAL IntervalStyle = 'postgres'", cancellationToken);
                var checksum = await Checksums.ReadAsync(connection, plan, cancellationToken);
                var values = RowCsv.Spells(plan) ? await ValueChecksumAsync(connection, plan, cancellationToken) : (TableChecksum?)null;
                tables.Add(new ManifestTable(plan.Table.DisplayName, file, plan.Columns, checksum.Rows, checksum.Sum, values?.Sum));
                progress?.Finished(new TableResult(plan.Table.DisplayName, checksum.Rows, chars, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        // The source was only read: nothing of its transaction is kept.
        await PostgresEndpoint.ExecuteAsync(connection, "ROLLBACK", cancellationToken);
        var manifest = new Manifest(revision, tables);
        await manifest.WriteAsync(directory, cancellationToken);
        return manifest;
    }

    public async Task<IReadOnlyList<TableResult>> ImportAsync(IReadOnlyList<TransferTable> model, string directory, bool truncate, CancellationToken cancellationToken)
    {
        var manifest = await Manifest.ReadAsync(directory, cancellationToken);
        await using var endpoint = PostgresEndpoint.Create("target", connectionString);
        var control = await endpoint.OpenAsync(cancellationToken);
        await using var closeControl = Cleanup.Quiet(control);
        manifest.RequireRevision(await PostgresEndpoint.ReadRevisionAsync(control, versionTable, cancellationToken));

        // An export from SQLite spells times without an offset: they are UTC.
        await PostgresEndpoint.ExecuteAsync(control, "SET TimeZone = 'UTC'", cancellationToken);

        var byName = model.ToDictionary(t => t.DisplayName, StringComparer.Ordinal);
        var entries = manifest.Tables.ToDictionary(t => t.Table, StringComparer.Ordinal);
        foreach (var entry in manifest.Tables)
        {
            TableSelection.Require(byName.Keys.ToHashSet(StringComparer.Ordinal), entry.Table, "The manifest");
        }

        var foreignKeys = await TargetForeignKeys.ReadAsync(control, cancellationToken);
        var units = LoadOrder.Plan(entries.Keys.Select(t => byName[t]).ToList(), foreignKeys.CheckedAtOnce, truncate);
        var results = new List<TableResult>();
        var buffer = ArrayPool<char>.Shared.Rent(BufferChars);
        try
        {
            foreach (var unit in units)
            {
                results.AddRange(await LoadUnitAsync(control, unit, truncate, foreignKeys, entries, directory, buffer, cancellationToken));
            }
        }
        catch (MigrationKitException e)
        {
            throw LoadFailure.Explain(e, results.Select(r => r.Table));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        foreach (var result in results)
        {
            progress?.Finished(result);
        }

        return results;
    }

    /// <summary>One unit in its own transaction: emptied (--truncate), loaded, checked against the manifest, committed.</summary>
    private async Task<List<TableResult>> LoadUnitAsync(
        NpgsqlConnection control, LoadUnit unit, bool truncate, TargetForeignKeys foreignKeys, Dictionary<string, ManifestTable> entries, string directory, char[] buffer,
        CancellationToken cancellationToken)
    {
        await using var transaction = await control.BeginTransactionAsync(cancellationToken);
        var restore = await TargetTables.PrepareAsync(control, unit, disableTriggers: false, truncate, foreignKeys, cancellationToken, LoadAdvice.Import);
        var results = new List<TableResult>(unit.Tables.Count);
        foreach (var table in unit.Tables)
        {
            results.Add(await LoadAsync(control, table, entries[table.DisplayName], directory, buffer, cancellationToken));
        }

        await TargetTables.RestoreAsync(control, unit, restore, cancellationToken);

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw TargetTables.Failed(unit, e, LoadAdvice.Import);
        }

        return results;
    }

    private async Task<TableResult> LoadAsync(
        NpgsqlConnection connection, TransferTable table, ManifestTable entry, string directory, char[] buffer, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        progress?.Started(table.DisplayName);
        var path = Path.Combine(directory, Path.GetFileName(entry.File));
        if (!File.Exists(path))
        {
            throw new MigrationKitException($"The manifest names {entry.File}, which is not in {directory}.");
        }

        var plan = new TablePlan(table, entry.Columns, null);
        long chars = 0;
        try
        {
            using (var input = new StreamReader(path))
            await using (var output = await connection.BeginTextImportAsync(
                $"COPY {PgSql.Table(table)} ({PgSql.Columns(entry.Columns)}) FROM STDIN (FORMAT csv, HEADER)", cancellationToken))
            {
                int n;
                while ((n = await input.ReadAsync(buffer.AsMemory(0, BufferChars), cancellationToken)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    chars += n;
                }
            }

            await TargetTables.SetSequencesAsync(connection, PgSql.Table(table), cancellationToken);
            await PostgresEndpoint.ExecuteAsync(connection, Checksums.SessionSettings, cancellationToken);
            // An export from SQLite carries only the value checksum, which is computed here alike.
            var loaded = entry.Checksum is null
                ? await ValueChecksumAsync(connection, plan, cancellationToken)
                : await Checksums.ReadAsync(connection, plan, cancellationToken);
            Manifest.RequireMatch(table.DisplayName, entry, loaded.Rows, loaded.Sum == (entry.Checksum ?? entry.ValueChecksum));

            return new TableResult(table.DisplayName, loaded.Rows, chars, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (PostgresException e)
        {
            var hint = TargetTables.Failed(table.DisplayName, e, LoadAdvice.Import).Hint;
            var reason = e.Detail is { Length: > 0 } detail ? $"{e.MessageText} ({detail.TrimEnd('.')})" : e.MessageText;

            // COPY names the row it was reading, the header being the first; a quoted field may span
            // lines. Only a value's own fault (class 22) is that row's: COPY checks keys and
            // constraints on rows it has buffered, so for those it names a later row.
            if (e.SqlState.StartsWith("22", StringComparison.Ordinal) && CopyContext().Match(e.Where ?? "") is { Success: true } at)
            {
                var line = await RowCsv.LineOfRowAsync(path, long.Parse(at.Groups["row"].Value, CultureInfo.InvariantCulture), cancellationToken);
                throw RowCsv.ImportFailed(path, line, at.Groups["column"].Success ? at.Groups["column"].Value : null, reason, table, hint, e);
            }

            throw RowCsv.ImportFailed(path, null, null, reason, table, hint, e);
        }
    }

    /// <summary>Where PostgreSQL's COPY FROM was when it failed: "COPY users, line 3, column active: ..." (the column when one value is at fault).</summary>
    [GeneratedRegex(@"^COPY .+?, line (?<row>\d+)(?:, column (?<column>.+?))?(?:: |$)", RegexOptions.Multiline)]
    private static partial Regex CopyContext();

    /// <summary>The canonical checksum of the plan's rows (what an import into SQLite, or from it, compares).</summary>
    private static async Task<TableChecksum> ValueChecksumAsync(NpgsqlConnection connection, TablePlan plan, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {PgSql.Columns(plan.Columns)} FROM {PgSql.Table(plan.Table)}", connection);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        return await RowChecksum.OfAsync(reader, RowCopy.Values(plan), cancellationToken);
    }

    public static List<TablePlan> Plans(IReadOnlyList<TransferTable> model, DatabaseCatalog catalog, string role)
    {
        var plans = new List<TablePlan>(model.Count);
        foreach (var table in model)
        {
            var columns = catalog.Find(table) ?? throw new MigrationKitException($"Table {table} of the model is missing in the {role} database.", "Is the database at the app's revision? Run `current`.");
            plans.Add(new TablePlan(table, table.Columns.Where(c => !c.IsGenerated && columns.TryGetValue(c.Name, out var column) && !column.IsGenerated).Select(c => c.Name).ToList(), null));
        }

        return plans;
    }

}
