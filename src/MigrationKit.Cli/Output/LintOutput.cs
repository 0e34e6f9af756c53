using System.Text;
using System.Text.Json;
using MigrationKit.Lint;
using MigrationKit.Runner.DataLoss;
using Serilog;

namespace MigrationKit.Cli.Output;

/// <summary>Lint findings as `lint` prints them (text or <c>--json</c>), and as `upgrade` logs them.</summary>
internal static class LintOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    /// <summary>
    /// Per finding `revision  rule  table  message` and the alternative under it; then, with
    /// <c>--database</c>, what each destructive step would lose there; then the summary.
    /// </summary>
    public static string Text(IReadOnlyList<LintFinding> findings, int revisions, IReadOnlyList<DataLossCount>? losses = null)
    {
        var text = new StringBuilder();
        foreach (var finding in findings)
        {
            text.Append(finding.Revision).Append("  ").Append(finding.Rule).Append("  ").Append(finding.Table).Append("  ").AppendLine(finding.Message);
            text.Append("    instead: ").AppendLine(finding.Alternative);
            if (finding.AcknowledgedBecause is { } reason)
            {
                text.Append("    acknowledged: ").AppendLine(reason);
            }
        }

        foreach (var loss in losses ?? [])
        {
            text.Append(loss.Step.Revision.Id).Append("  data loss  ").AppendLine(loss.ToString());
        }

        return text.Append(Summary(findings, revisions)).ToString();
    }

    public static string Json(IReadOnlyList<LintFinding> findings, int revisions, IReadOnlyList<DataLossCount>? losses = null)
        => JsonSerializer.Serialize(
            new LintJson(revisions, findings.Count(f => !f.IsAcknowledged), findings.Select(f => new FindingJson(
                f.Revision, f.Rule, f.Table, f.Message, f.Alternative, f.IsAcknowledged, f.AcknowledgedBecause)).ToList(),
                losses?.Select(l => new DataLossJson(l.Step.Revision.Id, l.Change, l.Count, l.Unit)).ToList()),
            Options);

    public static string Summary(IReadOnlyList<LintFinding> findings, int revisions)
    {
        var linted = revisions == 1 ? "1 revision" : $"{revisions} revisions";
        if (findings.Count == 0)
        {
            return $"No lint findings in {linted}.";
        }

        var acknowledged = findings.Count(f => f.IsAcknowledged);
        return $"{findings.Count} lint finding{(findings.Count == 1 ? "" : "s")} in {linted}: {findings.Count - acknowledged} unacknowledged, {acknowledged} acknowledged.";
    }

    /// <summary>To standard error through the logger, before an upgrade runs anything; every line starts with "Lint".</summary>
    public static void Log(IReadOnlyList<LintFinding> findings, int revisions)
    {
        foreach (var finding in findings)
        {
            if (finding.IsAcknowledged)
            {
                Serilog.Log.Information("Lint {Revision:l} {Finding:l}", finding.Revision, finding.Describe());
            }
            else
            {
                Serilog.Log.Warning("Lint {Revision:l} {Finding:l} Instead: {Alternative:l}", finding.Revision, finding.Describe(), finding.Alternative);
            }
        }

        if (findings.Count > 0)
        {
            Serilog.Log.Information("Lint: {Summary:l}", Summary(findings, revisions));
        }
    }

    private sealed record LintJson(int Revisions, int Unacknowledged, IReadOnlyList<FindingJson> Findings, IReadOnlyList<DataLossJson>? DataLoss);

    private sealed record DataLossJson(string Revision, string Change, long Count, string Unit);

    private sealed record FindingJson(string Revision, string Rule, string Table, string Message, string Alternative, bool Acknowledged, string? Reason);
}
