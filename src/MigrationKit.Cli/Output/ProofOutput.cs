using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using MigrationKit.Design.Proof;

namespace MigrationKit.Cli.Output;

/// <summary>What `test` found: a line per revision as it is done, a summary, <c>--json</c>, and JUnit XML (<c>--junit</c>) for CI.</summary>
internal static class ProofOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        // Problems quote SQL and names: kept readable (`'`, `"`, `<`), as JSON allows.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// <c>pass  REV  message</c>, or <c>FAIL  REV  message: first problem</c> with each further one
    /// indented under it; <c>not tested</c> says what it needed.
    /// </summary>
    public static string Line(ProofResult result)
    {
        var status = result.Outcome switch
        {
            ProofOutcome.Passed => "pass",
            ProofOutcome.Failed => "FAIL",
            _ => "not tested",
        };
        var head = $"{status}  {result.Name}  {result.Message}";
        if (result.Outcome == ProofOutcome.Passed)
        {
            return result.Snapshot || result.Name == RevisionProof.ModelCase ? head : head + " (no snapshot: compared with itself)";
        }

        return string.Join(Environment.NewLine, [$"{head}: {result.Problems[0]}", .. result.Problems.Skip(1).Select(p => "    " + p)]);
    }

    public static string Summary(IReadOnlyList<ProofResult> results)
    {
        var revisions = results.Count(r => r.Name != RevisionProof.ModelCase);
        var failed = results.Count(r => r.Outcome == ProofOutcome.Failed);
        var notTested = results.Count(r => r.Outcome == ProofOutcome.NotTested);
        return $"Tested {revisions} {(revisions == 1 ? "revision" : "revisions")} and the model: "
               + (failed + notTested == 0 ? "all passed." : $"{failed} failed, {notTested} not tested.");
    }

    public static string Json(IReadOnlyList<ProofResult> results)
        => JsonSerializer.Serialize(
            new ProofJson(
                results.All(r => r.Outcome == ProofOutcome.Passed),
                results.Select(r => new ResultJson(
                    r.Name, r.Message, Outcome(r.Outcome), r.Snapshot, r.Problems, Math.Round(r.Duration.TotalSeconds, 3))).ToList()),
            Options);

    /// <summary>
    /// One testsuite, one testcase per revision and one for the model, as CI servers read JUnit
    /// results: a failure carries the first problem as its message and all of them as its text.
    /// </summary>
    public static void WriteJUnit(IReadOnlyList<ProofResult> results, string path)
    {
        // Without a byte order mark, which some CI readers refuse.
        using var writer = System.Xml.XmlWriter.Create(path, new System.Xml.XmlWriterSettings { Encoding = new System.Text.UTF8Encoding(false), Indent = true });
        JUnit(results).Save(writer);
    }

    private static XDocument JUnit(IReadOnlyList<ProofResult> results)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", "migratekit test"),
            new XAttribute("tests", results.Count),
            new XAttribute("failures", results.Count(r => r.Outcome == ProofOutcome.Failed)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", results.Count(r => r.Outcome == ProofOutcome.NotTested)),
            new XAttribute("time", Seconds(results.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Duration))));
        foreach (var result in results)
        {
            var testcase = new XElement("testcase",
                new XAttribute("classname", result.Name == RevisionProof.ModelCase ? "migratekit.model" : "migratekit.revisions"),
                new XAttribute("name", result.Message.Length == 0 ? result.Name : $"{result.Name} {result.Message}"),
                new XAttribute("time", Seconds(result.Duration)));
            if (result.Outcome == ProofOutcome.Failed)
            {
                testcase.Add(new XElement("failure", new XAttribute("message", result.Problems[0]), string.Join("\n", result.Problems)));
            }
            else if (result.Outcome == ProofOutcome.NotTested)
            {
                testcase.Add(new XElement("skipped", new XAttribute("message", result.Problems[0])));
            }

            suite.Add(testcase);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite));
    }

    private static string Outcome(ProofOutcome outcome) => outcome switch
    {
        ProofOutcome.Passed => "passed",
        ProofOutcome.Failed => "failed",
        _ => "notTested",
    };

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private sealed record ProofJson(bool Passed, IReadOnlyList<ResultJson> Results);

    private sealed record ResultJson(string Revision, string Message, string Outcome, bool Snapshot, IReadOnlyList<string> Problems, double Seconds);
}
