using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>A table to load and the columns both ends hold alike (generated ones left out).</summary>
internal sealed record TablePlan(TransferTable Table, IReadOnlyList<string> Columns, RowFilter? Where);

/// <summary>
/// Whether source and target can exchange rows: the same revision, and every table and column of
/// the model on both ends with the same type (or, across providers, types that hold the model's
/// values). Lists every difference, and the columns that line up.
/// </summary>
internal static class SchemaComparison
{
    public static (List<string> Differences, List<TablePlan> Plans) Compare(
        IReadOnlyList<TransferTable> tables,
        IReadOnlyList<string> sourceRevision,
        IReadOnlyList<string> targetRevision,
        DatabaseCatalog source,
        DatabaseCatalog target,
        IReadOnlyDictionary<string, RowFilter> where,
        Func<TransferColumn, CatalogColumn, CatalogColumn, string?>? typeDifference = null)
    {
        // Alike by default: both ends are the same kind of database, so their types are spelled alike.
        typeDifference ??= (_, onSource, onTarget) => onSource.Type == onTarget.Type ? null : $"is {onSource.Type} on the source but {onTarget.Type} on the target";
        var differences = new List<string>();
        if (!sourceRevision.SequenceEqual(targetRevision, StringComparer.Ordinal))
        {
            differences.Add($"the source is at revision {Describe(sourceRevision)}, the target at {Describe(targetRevision)}");
        }

        var plans = new List<TablePlan>(tables.Count);
        foreach (var table in tables)
        {
            var sourceColumns = source.Find(table);
            var targetColumns = target.Find(table);
            if (sourceColumns is null || targetColumns is null)
            {
                differences.Add($"table {table} is missing on the {(sourceColumns is null ? targetColumns is null ? "source and the target" : "source" : "target")}");
                continue;
            }

            var columns = new List<string>(table.Columns.Count);
            foreach (var column in table.Columns)
            {
                var onSource = sourceColumns.GetValueOrDefault(column.Name);
                var onTarget = targetColumns.GetValueOrDefault(column.Name);
                if (onSource is null || onTarget is null)
                {
                    differences.Add($"column {table}.{column.Name} is missing on the {(onSource is null ? onTarget is null ? "source and the target" : "source" : "target")}");
                }
                else if (typeDifference(column, onSource, onTarget) is { } difference)
                {
                    differences.Add($"column {table}.{column.Name} {difference}");
                }
                else if (!column.IsGenerated && !onTarget.IsGenerated)
                {
                    columns.Add(column.Name);
                }
            }

            plans.Add(new TablePlan(table, columns, where.GetValueOrDefault(table.DisplayName)));
        }

        return (differences, plans);
    }

    private static string Describe(IReadOnlyList<string> revision) => revision.Count == 0 ? "none (no version rows)" : string.Join(" + ", revision);
}
