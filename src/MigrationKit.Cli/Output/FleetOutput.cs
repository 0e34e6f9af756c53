using System.Diagnostics;
using System.Globalization;
using System.Text;
using MigrationKit.Core;
using MigrationKit.Runner.Fleet;

namespace MigrationKit.Cli.Output;

/// <summary>
/// A fleet run as the user watches it, on standard error: the progress line (rewritten in place
/// on a terminal, a line every two seconds otherwise) and a <c>FAILED name: error</c> line per
/// failure as it happens. <see cref="Summary"/> is the end: the table by revision and the failed names.
/// </summary>
internal sealed class FleetOutput(TextWriter error, bool terminal) : IProgress<FleetProgress>
{
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _writing = new();
    private long _lastLine = Stopwatch.GetTimestamp() - LineInterval.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
    private int _shown;
    private FleetProgress? _last;

    public static FleetOutput ForConsole() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(FleetProgress value)
    {
        lock (_writing)
        {
            _last = value;
            if (value.Finished is { Status: TargetStatus.Failed } failed)
            {
                ClearLine();
                error.WriteLine(Failure(failed));
            }

            if (terminal)
            {
                Rewrite(Line(value));
            }
            else if (Stopwatch.GetElapsedTime(_lastLine) >= LineInterval)
            {
                error.WriteLine(Line(value));
                _lastLine = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>The last state, on a line of its own (the terminal's line is ended; elsewhere the throttled last line may be old).</summary>
    public void Finish()
    {
        lock (_writing)
        {
            if (_last is not { } last)
            {
                return;
            }

            if (terminal)
            {
                error.WriteLine();
                _shown = 0;
            }
            else
            {
                error.WriteLine(Line(last));
            }
        }
    }

    /// <summary><c>[fleet] 120/200 done, 4 running, 2 failed, 74 remaining, 38.1/s</c>.</summary>
    public static string Line(FleetProgress p)
    {
        var seconds = p.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? (p.Done + p.Failed) / seconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"[fleet] {p.Done}/{p.Total} done, {p.Running} running, {p.Failed} failed, {p.Remaining} remaining, {rate:0.0}/s");
    }

    /// <summary>A failed target in one line, its password masked should its error quote one.</summary>
    public static string Failure(TargetResult target) => Secrets.Redact($"FAILED {target.Name}: {target.Error}");

    /// <summary>
    /// The end of a run, for standard output: one line of counts, the table of targets by revision
    /// (what <c>current</c> over a fleet prints alone: its matrix), and the names that failed or
    /// did not start, again, for a reader who scrolled past them.
    /// </summary>
    public static string Summary(FleetReport report, RevisionGraph graph, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var counts = Enum.GetValues<TargetStatus>().ToDictionary(s => s, s => report.Targets.Count(t => t.Status == s));
        text.Append(CultureInfo.InvariantCulture,
            $"{report.Operation}{(report.Target is null ? "" : " " + report.Target)} over {Targets(report.Targets.Count)}: ");
        text.AppendLine(report.Operation == "current"
            ? string.Create(CultureInfo.InvariantCulture, $"{counts[TargetStatus.Failed]} failed ({elapsed.TotalSeconds:0.0} s)")
            : string.Create(CultureInfo.InvariantCulture,
                $"{counts[TargetStatus.Succeeded]} changed, {counts[TargetStatus.Unchanged]} unchanged, {counts[TargetStatus.Failed]} failed, {counts[TargetStatus.NotStarted]} not started ({elapsed.TotalSeconds:0.0} s)"));
        text.Append(Matrix(report, graph));
        if (report.Cancelled)
        {
            text.AppendLine("Interrupted: the targets running then rolled back their revision in progress; run the command again to finish.");
        }

        Names(text, "Failed", report.Targets.Where(t => t.Status == TargetStatus.Failed));
        Names(text, "Not started", report.Targets.Where(t => t.Status == TargetStatus.NotStarted));
        return text.ToString();
    }

    /// <summary>Revision (heads marked) and how many targets stand there, most first; failed targets where they stopped.</summary>
    public static string Matrix(FleetReport report, RevisionGraph graph)
    {
        var heads = graph.Heads.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        var rows = report.ByRevision()
            .Select(r => (Revision: r.Revisions + (r.Revisions.Split(',').All(heads.Contains) ? " (head)" : ""), r.Count))
            .ToList();
        var width = Math.Max("revision".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Revision.Length));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"revision".PadRight(width)}  targets");
        foreach (var (revision, count) in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{revision.PadRight(width)}  {count}");
        }

        return text.ToString();
    }

    private static void Names(StringBuilder text, string label, IEnumerable<TargetResult> targets)
    {
        var names = targets.Select(t => t.Name).ToList();
        if (names.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{label} ({names.Count}): {string.Join(", ", names)}");
        }
    }

    private static string Targets(int count) => count == 1 ? "1 target" : $"{count} targets";

    private void Rewrite(string line)
    {
        error.Write("\r" + line.PadRight(_shown));
        _shown = line.Length;
    }

    private void ClearLine()
    {
        if (terminal && _shown > 0)
        {
            error.Write("\r" + new string(' ', _shown) + "\r");
            _shown = 0;
        }
    }
}
