using MigrationKit.Core;
using MigrationKit.Transfer.Tables;
using Serilog;

namespace MigrationKit.Transfer;

/// <summary>The steps every copy takes alike before and around its loads, whatever the providers.</summary>
internal static class CopyChecks
{
    /// <summary>
    /// The model's tables a copy may move (never the version table or its own progress table), and
    /// every --where parsed over its table's columns for both ends' engines, before anything is opened.
    /// </summary>
    public static (List<TransferTable> Tables, Dictionary<string, RowFilter> Filters) Selectable(
        IReadOnlyList<TransferTable> model, CopyOptions options, DatabaseKind source, DatabaseKind target)
    {
        var tables = model.Where(t => t.Name != options.VersionTable && t.Name != CopyProgressTable.Name).ToList();
        var byName = tables.ToDictionary(t => t.DisplayName, StringComparer.Ordinal);
        var filters = new Dictionary<string, RowFilter>(StringComparer.Ordinal);
        foreach (var (table, predicate) in options.Where)
        {
            TableSelection.Require(byName.Keys.ToHashSet(StringComparer.Ordinal), table, "--where");
            filters[table] = RowFilter.Parse(byName[table], predicate, source, target);
        }

        return (tables, filters);
    }

    /// <summary>Stops at the first difference unless --force, which logs each and goes on.</summary>
    public static void StopUnlessForced(IReadOnlyList<string> differences, CopyOptions options, ILogger log)
    {
        if (differences.Count > 0 && !options.Force)
        {
            throw new MigrationKitException(
                $"The source and the target differ: {string.Join("; ", differences)}.",
                "Upgrade both to the same revision first, or pass --force to copy the columns that still line up.");
        }

        foreach (var difference in differences)
        {
            log.Warning("Going on despite a difference (--force): {Difference}", difference);
        }
    }

    /// <summary>The tables --resume finds finished, reported as skipped.</summary>
    public static List<TableResult> Skipped(IReadOnlyList<TablePlan> plans, IReadOnlySet<string> finished, ITransferProgress? progress)
    {
        var skipped = plans.Where(p => finished.Contains(p.Table.DisplayName))
            .Select(p => new TableResult(p.Table.DisplayName, 0, 0, TimeSpan.Zero, Skipped: true))
            .ToList();
        foreach (var result in skipped)
        {
            progress?.Finished(result);
        }

        return skipped;
    }
}
