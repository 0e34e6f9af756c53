using System.Data.Common;
using System.Diagnostics;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// `export DIR` from a SQLite file and `import DIR` into one: the same files and manifest as
/// <see cref="CsvTransfer"/> writes for PostgreSQL (CSV as COPY spells it, see <see cref="CsvText"/>),
/// so an export from either engine imports into the other. Each value goes through the model's
/// type, and the manifest's value checksum (<see cref="RowChecksum"/>) is what an import compares.
/// </summary>
internal static class RowCsv
{
    /// <summary>Whether every column of the plan has a CSV spelling both engines read.</summary>
    public static bool Spells(TablePlan plan)
    {
        var types = plan.Table.Columns.ToDictionary(c => c.Name, c => c.ClrType, StringComparer.Ordinal);
        return plan.Columns.All(c => types[c] is { } type && ColumnValue.For(type) is not null && CsvText.Spells(type));
    }

    public static async Task<Manifest> ExportAsync(
        TransferEndpoint from, string versionTable, IReadOnlyList<TransferTable> model, string directory, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var source = await RowDatabase.OpenAsync(from, "source", cancellationToken);
        await source.BeginSnapshotAsync(cancellationToken);
        var revision = await source.ReadRevisionAsync(versionTable, cancellationToken);
        var plans = CsvTransfer.Plans(model, await source.ReadCatalogAsync(cancellationToken), "source");
        var entries = new List<ManifestTable>(plans.Count);
        foreach (var plan in plans)
        {
            RequireSpelled(plan);
            var started = Stopwatch.GetTimestamp();
            progress?.Started(plan.Table.DisplayName);
            var file = plan.Table.DisplayName + ".csv";
            var values = RowCopy.Values(plan);
            using var checksum = new RowChecksum();
            await using (var output = new StreamWriter(Path.Combine(directory, file)))
            await using (var reader = await source.ReadAsync(plan, cancellationToken))
            {
                var csv = new CsvRowWriter(output);
                foreach (var column in plan.Columns)
                {
                    csv.Field.Append(column);
                    await csv.EndFieldAsync(cancellationToken);
                }

                await csv.EndRowAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    for (var i = 0; i < values.Length; i++)
                    {
                        await values[i].ExportAsync(reader, i, csv, checksum, cancellationToken);
                    }

                    await csv.EndRowAsync(cancellationToken);
                    checksum.EndRow();
                }
            }

            entries.Add(new ManifestTable(plan.Table.DisplayName, file, plan.Columns, checksum.Rows, null, checksum.Sum));
            progress?.Finished(new TableResult(plan.Table.DisplayName, checksum.Rows, new FileInfo(Path.Combine(directory, file)).Length, Stopwatch.GetElapsedTime(started)));
        }

        await source.RollbackAsync();
        var manifest = new Manifest(revision, entries);
        await manifest.WriteAsync(directory, cancellationToken);
        return manifest;
    }

    public static async Task<IReadOnlyList<TableResult>> ImportAsync(
        TransferEndpoint to, string versionTable, IReadOnlyList<TransferTable> model, string directory, bool truncate, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        var manifest = await Manifest.ReadAsync(directory, cancellationToken);
        await using var target = await RowDatabase.OpenAsync(to, "target", cancellationToken);
        manifest.RequireRevision(await target.ReadRevisionAsync(versionTable, cancellationToken));
        var byName = model.ToDictionary(t => t.DisplayName, StringComparer.Ordinal);
        var entries = manifest.Tables.ToDictionary(t => t.Table, StringComparer.Ordinal);
        foreach (var entry in manifest.Tables)
        {
            TableSelection.Require(byName.Keys.ToHashSet(StringComparer.Ordinal), entry.Table, "The manifest");
        }

        var results = new List<TableResult>();
        try
        {
            foreach (var unit in LoadOrder.Plan(entries.Keys.Select(t => byName[t]).ToList(), await target.NonDeferrableForeignKeysAsync(false, cancellationToken), truncate))
            {
                var loaded = new List<TableResult>(unit.Tables.Count);
                await target.LoadUnitAsync(unit, disableTriggers: false, truncate, async () =>
                {
                    for (var i = 0; i < unit.Tables.Count; i++)
                    {
                        var entry = entries[unit.Tables[i].DisplayName];
                        loaded.Add(await LoadAsync(target, new TablePlan(unit.Tables[i], entry.Columns, null), entry, directory, i, progress, cancellationToken));
                    }
                }, cancellationToken);
                results.AddRange(loaded);
            }
        }
        catch (MigrationKitException e)
        {
            throw LoadFailure.Explain(e, results.Select(r => r.Table));
        }

        foreach (var result in results)
        {
            progress?.Finished(result);
        }

        return results;
    }

    private static async Task<TableResult> LoadAsync(
        RowDatabase target, TablePlan plan, ManifestTable entry, string directory, int index, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        progress?.Started(plan.Table.DisplayName);
        var path = Path.Combine(directory, Path.GetFileName(entry.File));
        if (!File.Exists(path))
        {
            throw new MigrationKitException($"The manifest names {entry.File}, which is not in {directory}.");
        }

        if (entry.ValueChecksum is null || !Spells(plan))
        {
            throw new MigrationKitException(
                $"{plan.Table} cannot be imported into a SQLite file: a column's type has no CSV spelling both engines read, so the export carries no value checksum for it.",
                "Leave the table out of the export (--exclude), or copy it with `copy`.");
        }

        var values = RowCopy.Values(plan);
        var fields = new List<string?>(values.Length);
        using (var input = new StreamReader(path))
        {
            var csv = new CsvRowReader(input);
            await csv.ReadRowAsync(fields, cancellationToken); // the header
            await using var load = await target.BeginTableAsync(plan, index, ConflictMode.Error, cancellationToken);
            while (await csv.ReadRowAsync(fields, cancellationToken))
            {
                if (fields.Count != values.Length)
                {
                    throw ImportFailed(path, csv.Line, null, $"the row has {fields.Count} fields, and the manifest names {values.Length} columns ({string.Join(", ", plan.Columns)})", plan.Table);
                }

                await load.StartRowAsync(cancellationToken);
                for (var i = 0; i < values.Length; i++)
                {
                    try
                    {
                        await values[i].ImportAsync(fields[i], i, load, cancellationToken);
                    }
                    catch (Exception e) when (e is FormatException or OverflowException)
                    {
                        throw ImportFailed(path, csv.Line, plan.Columns[i], $"'{fields[i]}' is not a {values[i].Type.Name} ({e.Message})", plan.Table, inner: e);
                    }
                }

                try
                {
                    await load.EndRowAsync(cancellationToken);
                }
                catch (DbException e)
                {
                    throw ImportFailed(path, csv.Line, null, target.Reason(e), plan.Table, target.Failed(plan.Table.DisplayName, e, LoadAdvice.Import).Hint, e);
                }
            }

            await load.CompleteAsync(cancellationToken);
        }

        var loaded = await RowCopy.ChecksumAsync(target, plan, cancellationToken);
        Manifest.RequireMatch(plan.Table.DisplayName, entry, loaded.Rows, loaded.Sum == entry.ValueChecksum);
        return new TableResult(plan.Table.DisplayName, loaded.Rows, new FileInfo(path).Length, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>An import's failure in a CSV file: the file, and the line the row starts on and the column when known.</summary>
    public static MigrationKitException ImportFailed(string path, long? line, string? column, string reason, TransferTable table, string? hint = null, Exception? inner = null)
        => new($"{path}{(line is null ? "" : $", line {line}")}{(column is null ? "" : $", column {column}")}: {reason.TrimEnd('.')}; {table} was left as it was.", hint, inner);

    /// <summary>The line of the file where its <paramref name="row"/>th row starts (the header being row 1), as PostgreSQL's COPY counts rows.</summary>
    public static async Task<long> LineOfRowAsync(string path, long row, CancellationToken cancellationToken)
    {
        using var input = new StreamReader(path);
        var csv = new CsvRowReader(input);
        var fields = new List<string?>();
        long read = 0;
        while (read < row && await csv.ReadRowAsync(fields, cancellationToken))
        {
            read++;
        }

        return csv.Line;
    }

    private static void RequireSpelled(TablePlan plan)
    {
        if (!Spells(plan))
        {
            throw new MigrationKitException(
                $"{plan.Table} has a column whose type has no CSV spelling both engines read (an interval, or a type only PostgreSQL has).",
                "Leave the table out (--exclude), or move it with `copy`.");
        }
    }
}
