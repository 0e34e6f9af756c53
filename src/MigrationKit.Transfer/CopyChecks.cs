using MigrationKit.Core;
using MigrationKit.Transfer.Tables;
using Serilog;

namespace MigrationKit.Transfer;

/// <summary>The steps every copy takes alike before and around its loads, whatever the providers.</summary>
internal static class CopyChecks
{
    /// <summary>The model's tables a copy may move (never the version table or its own progress table), every --where checked.</summary>
    public static List<TransferTable> Selectable(IReadOnlyList<TransferTable> model, CopyOptions options)
    {
        var tables = model.Where(t => t.Name != options.VersionTable && t.Name != CopyProgressTable.Name).ToList();
        var known = tables.Select(t => t.DisplayName).ToHashSet(StringComparer.Ordinal);
        foreach (var (table, predicate) in options.Where)
        {
            TableSelection.Require(known, table, "--where");
            RowFilter.Validate(table, predicate);
        }

        return tables;
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
