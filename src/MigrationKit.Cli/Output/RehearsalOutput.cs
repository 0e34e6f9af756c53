using System.Globalization;
using System.Text;
using System.Text.Json;
using MigrationKit.Lint;
using MigrationKit.Runner.Rehearsal;

namespace MigrationKit.Cli.Output;

/// <summary>
/// <c>upgrade --rehearse</c>'s report: a table per revision (default), <c>--json</c> for scripts, and
/// <c>--markdown</c> for a pull-request comment or a CI job summary. Each shows per statement its
/// time, rows and locks, and per revision its lint findings and data-loss counts.
/// </summary>
internal static class RehearsalOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    private const int StatementWidth = 72;

    public static string Text(RehearsalReport report, IReadOnlyList<LintFinding> findings)
    {
        var text = new StringBuilder().AppendLine(Heading(report)).AppendLine();
        foreach (var step in report.Steps)
        {
            text.Append(step.Step.Describe()).Append("  (").Append(Duration(step.Elapsed)).AppendLine(")");
            var rows = new List<string[]> { new[] { "#", "time", "rows", "locks", "statement" } };
            foreach (var statement in step.Statements)
            {
                var locks = Locks(report, statement);
                rows.Add([
                    statement.Number.ToString(CultureInfo.InvariantCulture),
                    statement.Ran ? Duration(statement.Elapsed) : "skipped",
                    Rows(statement),
                    locks.Count > 0 ? locks[0] : "",
                    Abbreviated(statement.Sql, StatementWidth),
                ]);
                rows.AddRange(locks.Skip(1).Select(l => new[] { "", "", "", l, "" }));
            }

            // SQLite has no table locks: no column for them.
            AppendTable(text, report.OnCopy ? rows.Select(r => (string[])[r[0], r[1], r[2], r[4]]).ToList() : rows);
            foreach (var line in Findings(step, findings, report))
            {
                text.Append("  ").AppendLine(line);
            }

            text.AppendLine();
        }

        return text.Append(Summary(report)).ToString();
    }

    /// <param name="refused">Why the real upgrade would not run, or would stop (--strict, --refuse-data-loss), though every statement ran.</param>
    public static string Markdown(RehearsalReport report, IReadOnlyList<LintFinding> findings, string? refused)
    {
        var text = new StringBuilder()
            .Append("### Rehearsal of `upgrade ").Append(Heads(report.HeadsBefore)).Append(" -> ").Append(Heads(report.HeadsAfter))
            .Append("` on ").AppendLine(Cell(report.Database)).AppendLine()
            .Append(report.Succeeded && refused is null ? "**Passed.** " : "**Failed.** ")
            .AppendLine(Cell(refused is null ? Summary(report) : refused + " " + Summary(report))).AppendLine()
            .AppendLine(Cell(How(report))).AppendLine();
        foreach (var step in report.Steps)
        {
            text.Append("#### `").Append(step.Step.Revision.Id).Append("` ").Append(Cell(step.Step.Revision.Message))
                .Append(" (").Append(Duration(step.Elapsed)).AppendLine(")").AppendLine();
            if (step.Statements.Count > 0)
            {
                text.AppendLine(report.OnCopy ? "| # | statement | time | rows |" : "| # | statement | time | rows | locks |")
                    .AppendLine(report.OnCopy ? "|---:|---|---:|---:|" : "|---:|---|---:|---:|---|");
                foreach (var statement in step.Statements)
                {
                    text.Append("| ").Append(statement.Number.ToString(CultureInfo.InvariantCulture))
                        .Append(" | `").Append(Cell(Abbreviated(statement.Sql, 120)).Replace("`", "'", StringComparison.Ordinal)).Append('`')
                        .Append(" | ").Append(statement.Ran ? Duration(statement.Elapsed) : "skipped")
                        .Append(" | ").Append(Rows(statement));
                    if (!report.OnCopy)
                    {
                        text.Append(" | ").Append(string.Join("<br>", Locks(report, statement).Select(Cell)));
                    }

                    text.AppendLine(" |");
                }

                text.AppendLine();
            }

            foreach (var line in Findings(step, findings, report))
            {
                text.Append("- ").AppendLine(Cell(line));
            }

            text.AppendLine();
        }

        return text.ToString().TrimEnd() + "\n";
    }

    /// <param name="refused">As for <see cref="Markdown"/>.</param>
    public static string Json(RehearsalReport report, IReadOnlyList<LintFinding> findings, string? refused)
        => JsonSerializer.Serialize(
            new ReportJson(
                report.Database,
                report.OnCopy,
                !report.OnCopy,
                report.HeadsBefore,
                report.HeadsAfter,
                report.Succeeded,
                report.Failure is { } failure ? new FailureJson(failure.Step.Revision.Id, failure.Statement, failure.Error) : null,
                refused,
                report.Steps.Select(s => new RevisionJson(
                    s.Step.Revision.Id,
                    s.Step.Revision.Message,
                    Milliseconds(s.Elapsed),
                    s.Statements.Select(t => new StatementJson(
                        t.Number, t.Sql, t.RehearsedSql, t.Ran, Milliseconds(t.Elapsed), t.RowsAffected,
                        t.Locks.Select(l => new LockJson(l.Table, l.Mode, l.BlocksReads, l.BlocksWrites, l.CreatedInRehearsal)).ToList(),
                        t.Note, t.Error)).ToList(),
                    s.DataLoss.Select(l => new DataLossJson(l.Change, l.Count, l.Unit)).ToList(),
                    findings.Where(f => f.Revision == s.Step.Revision.Id).Select(f => new FindingJson(
                        f.Rule, f.Table, f.Message, f.Alternative, f.IsAcknowledged, f.AcknowledgedBecause)).ToList())).ToList()),
            Options);

    /// <summary>One line: what ran and how it ended.</summary>
    public static string Summary(RehearsalReport report)
    {
        if (report.Failure is { } failure)
        {
            var where = failure.Statement is { } number ? $"statement {number} of {failure.Step.Describe()}" : failure.Step.Describe();
            return $"The rehearsal failed at {where}: {failure.Error}. {Undone(report)}";
        }

        if (report.Steps.Count == 0)
        {
            return $"Nothing to rehearse: the database is at {Heads(report.HeadsBefore)}.";
        }

        var statements = report.Steps.Sum(s => s.Statements.Count);
        var skipped = report.Steps.Sum(s => s.Statements.Count(t => !t.Ran));
        return $"Rehearsed {Count(report.Steps.Count, "revision")}, {Count(statements - skipped, "statement")}"
               + (skipped > 0 ? $" ({skipped} skipped)" : "")
               + $" in {Duration(report.Steps.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Elapsed))}. {Undone(report)}";
    }

    private static string Heading(RehearsalReport report)
        => $"Rehearsal of upgrade {Heads(report.HeadsBefore)} -> {Heads(report.HeadsAfter)} on {report.Database}. {How(report)}";

    private static string How(RehearsalReport report) => report.OnCopy
        ? "SQLite: run against a temporary copy of the file, deleted afterwards; table locks do not apply (a SQLite writer locks the whole file)."
        : "PostgreSQL: run in one transaction, rolled back at the end; locks are those pg_locks showed after each statement.";

    private static string Undone(RehearsalReport report)
        => report.OnCopy ? "The copy was deleted: nothing was changed." : "Everything was rolled back: nothing was changed.";

    /// <summary>The lint findings, data-loss counts, notes and error of one revision, one line each.</summary>
    private static IEnumerable<string> Findings(RehearsedStep step, IReadOnlyList<LintFinding> findings, RehearsalReport report)
    {
        foreach (var finding in findings.Where(f => f.Revision == step.Step.Revision.Id))
        {
            yield return "lint " + finding.Describe() + (finding.IsAcknowledged ? "" : " Instead: " + finding.Alternative);
        }

        foreach (var loss in step.DataLoss)
        {
            yield return "data loss: " + loss;
        }

        foreach (var statement in step.Statements)
        {
            if (statement.Note is { } note)
            {
                yield return $"note on {statement.Number}: {note}.";
            }

            if (statement.Error is { } error)
            {
                yield return $"FAILED {statement.Number}: {error}";
            }
        }

        if (report.Failure is { Statement: null } failure && failure.Step == step.Step)
        {
            yield return "FAILED: " + failure.Error;
        }
    }

    private static List<string> Locks(RehearsalReport report, RehearsedStatement statement)
        => report.OnCopy || !statement.Ran ? [] : statement.Locks.Select(l => l.ToString()).ToList();

    private static string Rows(RehearsedStatement statement)
        => statement.RowsAffected is { } rows ? rows.ToString("N0", CultureInfo.InvariantCulture) : "-";

    private static void AppendTable(StringBuilder text, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder("  ");
            for (var c = 0; c < row.Length; c++)
            {
                // Numbers right-aligned, words left.
                var cell = c is 1 or 2 ? row[c].PadLeft(widths[c]) : c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c]);
                line.Append(c == 0 ? row[c].PadLeft(widths[c]) : cell).Append("  ");
            }

            text.AppendLine(line.ToString().TrimEnd());
        }
    }

    private static string Heads(IReadOnlyList<string> heads) => heads.Count == 0 ? "base" : string.Join(", ", heads);

    private static string Count(int count, string what) => count == 1 ? $"1 {what}" : $"{count} {what}s";

    private static string Duration(TimeSpan elapsed) => elapsed.TotalSeconds >= 1
        ? elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static double Milliseconds(TimeSpan elapsed) => Math.Round(elapsed.TotalMilliseconds, 3);

    private static string Abbreviated(string sql, int width)
    {
        var line = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length > width ? line[..(width - 3)] + "..." : line;
    }

    /// <summary>Text safe in a markdown table cell: pipes escaped, on one line.</summary>
    private static string Cell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    private sealed record ReportJson(
        string Database, bool OnCopy, bool LocksObserved, IReadOnlyList<string> From, IReadOnlyList<string> To, bool Succeeded,
        FailureJson? Failure, string? Refused, IReadOnlyList<RevisionJson> Revisions);

    private sealed record FailureJson(string Revision, int? Statement, string Error);

    private sealed record RevisionJson(
        string Revision, string Message, double ElapsedMs, IReadOnlyList<StatementJson> Statements, IReadOnlyList<DataLossJson> DataLoss,
        IReadOnlyList<FindingJson> Lint);

    private sealed record StatementJson(
        int Number, string Sql, string? RehearsedSql, bool Ran, double ElapsedMs, int? RowsAffected, IReadOnlyList<LockJson> Locks, string? Note, string? Error);

    private sealed record LockJson(string Table, string Mode, bool BlocksReads, bool BlocksWrites, bool CreatedInRehearsal);

    private sealed record DataLossJson(string Change, long Count, string Unit);

    private sealed record FindingJson(string Rule, string Table, string Message, string Alternative, bool Acknowledged, string? Reason);
}
