using System.Globalization;
using MigrationKit.Core;
using MigrationKit.Runner;
using MigrationKit.Runner.Database;

namespace MigrationKit.Cli.Output;

/// <summary>The audit history as text: <c>history --applied</c>'s table and <c>check --applied</c>'s findings.</summary>
internal static class HistoryOutput
{
    private static readonly string[] Headers = ["started (UTC)", "revision", "direction", "duration", "checksum", "tool", "user", "host"];

    /// <summary>One line per row, newest first, in columns.</summary>
    public static string Table(IEnumerable<HistoryEntry> entries, RevisionGraph graph)
    {
        var rows = entries.OrderByDescending(e => e.Id).Select(e => new[]
        {
            Time(e.StartedAt),
            graph.Contains(e.Revision) && graph.Get(e.Revision).Message is { Length: > 0 } message ? $"{e.Revision} ({message})" : e.Revision,
            e.Direction,
            e.DurationMs is { } ms ? (ms / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) + " s" : "",
            e.Checksum is { } checksum ? checksum[..Math.Min(12, checksum.Length)] : "",
            e.ToolVersion,
            string.Join("/", new[] { e.OsUser, e.DatabaseUser }.OfType<string>()),
            e.Host ?? "",
        }).ToList();
        var widths = Headers.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var row in rows.Prepend(Headers))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>"aa01 (add amount): edited after apply: 3 statements differ (upgraded 2026-12-07 12:00:00 UTC)".</summary>
    public static string Change(AppliedChange change, RevisionGraph graph)
    {
        var id = change.Applied.Revision;
        var name = graph.Contains(id) && graph.Get(id).Message is { Length: > 0 } message ? $"{id} ({message})" : id;
        return $"{name}: {change.Describe()} (upgraded {Time(change.Applied.StartedAt)} UTC)";
    }

    private static string Time(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
