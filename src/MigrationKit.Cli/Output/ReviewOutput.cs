using MigrationKit.Design;
using Serilog;

namespace MigrationKit.Cli.Output;

/// <summary>
/// The review `revision --autogenerate` logs after the "Generating" line: one line of counts, a
/// line per table with its changes, then each data-loss warning and lint finding as a warning.
/// </summary>
internal static class ReviewOutput
{
    public static void Log(RevisionReview review)
    {
        Serilog.Log.Information("Review: {Summary:l}", review.Summary);
        foreach (var table in review.Tables)
        {
            Serilog.Log.Information("  {Table:l}: {Changes:l}", table.Table, string.Join(", ", table.Changes));
        }

        foreach (var warning in review.DataLossWarnings.Concat(review.LintFindings))
        {
            Serilog.Log.Warning("{Warning:l}", warning);
        }
    }
}
