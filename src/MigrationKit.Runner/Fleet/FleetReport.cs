using System.Text.Json;
using System.Text.Json.Serialization;
using MigrationKit.Core;

namespace MigrationKit.Runner.Fleet;

/// <summary>
/// What a fleet run did to each target: what the CLI prints, writes with <c>--report</c> / <c>--json</c>,
/// and reads back for <c>--retry-failed</c>. It names targets and never holds a connection string.
/// </summary>
public sealed class FleetReport
{
    internal FleetReport(string operation, string? target, IReadOnlyList<TargetResult> targets, bool cancelled = false)
    {
        Operation = operation;
        Target = target;
        Targets = targets;
        Cancelled = cancelled;
    }

    /// <summary><c>upgrade</c>, <c>downgrade</c>, <c>stamp</c>, <c>current</c>, <c>check</c>, or an app's own.</summary>
    public string Operation { get; }

    /// <summary>Where the operation brought the targets (<c>head</c>, a revision, the stamped revisions); null for reads.</summary>
    public string? Target { get; }

    /// <summary>Every target, in the order given.</summary>
    public IReadOnlyList<TargetResult> Targets { get; }

    /// <summary>The run was interrupted: the targets running then rolled back their revision in progress.</summary>
    public bool Cancelled { get; }

    /// <summary>No target failed and every target ran.</summary>
    public bool Succeeded => !Cancelled && Targets.All(t => t.Status is TargetStatus.Succeeded or TargetStatus.Unchanged);

    /// <summary>
    /// How many targets stand at each set of heads after the run (<c>base</c> for none, several
    /// heads joined by commas), most targets first.
    /// </summary>
    public IReadOnlyList<(string Revisions, int Count)> ByRevision()
        => Targets.Where(t => t.Status is not TargetStatus.NotStarted)
            .GroupBy(t => t.After.Count == 0 ? "base" : string.Join(",", t.After.Order(StringComparer.Ordinal)), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>The targets a retry runs again: those that failed or never started.</summary>
    public IReadOnlySet<string> NamesToRetry()
        => Targets.Where(t => t.Status is TargetStatus.Failed or TargetStatus.NotStarted)
            .Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public string ToJson()
        => JsonSerializer.Serialize(new ReportFile(
            Operation, Target, Succeeded, Cancelled,
            ByRevision().Select(r => new RevisionCount(r.Revisions, r.Count)).ToList(),
            Targets.Select(t => new TargetEntry(
                t.Name, Status(t.Status), t.Before, t.After, t.Steps, Math.Round(t.Duration.TotalSeconds, 3), t.Error, t.Detail)).ToList()),
            JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/>; a file that is not one is refused in one line.</summary>
    public static FleetReport ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MigrationKitException($"Cannot read the fleet report '{path}': {RevisionRunner.OneLine(e.Message)}", null, e);
        }

        ReportFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ReportFile>(text, JsonOptions);
        }
        catch (JsonException e)
        {
            throw NotAReport(path, RevisionRunner.OneLine(e.Message), e);
        }

        if (file?.Operation is null || file.Targets is null)
        {
            throw NotAReport(path, "it has no \"operation\" or no \"targets\"", null);
        }

        var targets = new List<TargetResult>(file.Targets.Count);
        foreach (var entry in file.Targets)
        {
            if (string.IsNullOrEmpty(entry?.Name) || !Statuses.TryGetValue(entry.Status ?? "", out var status))
            {
                throw NotAReport(path, $"target {targets.Count + 1} has no name or an unknown status", null);
            }

            targets.Add(new TargetResult(entry.Name, status, entry.Before ?? [], entry.After ?? [], entry.Steps,
                TimeSpan.FromSeconds(entry.DurationSeconds), entry.Error, entry.Detail));
        }

        return new FleetReport(file.Operation, file.Target, targets, file.Cancelled);
    }

    private static MigrationKitException NotAReport(string path, string why, Exception? inner)
        => new($"'{path}' is not a fleet report: {why}", "Give the file that --report wrote.", inner);

    private static readonly Dictionary<string, TargetStatus> Statuses = Enum.GetValues<TargetStatus>()
        .ToDictionary(Status, s => s, StringComparer.OrdinalIgnoreCase);

    private static string Status(TargetStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // The file's shape; records so that System.Text.Json reads it through their constructors.
    private sealed record ReportFile(
        string? Operation, string? Target, bool Succeeded, bool Cancelled, IReadOnlyList<RevisionCount>? ByRevision,
        IReadOnlyList<TargetEntry?>? Targets);

    private sealed record RevisionCount(string Revisions, int Count);

    private sealed record TargetEntry(
        string? Name, string? Status, IReadOnlyList<string>? Before, IReadOnlyList<string>? After, int Steps,
        double DurationSeconds, string? Error, string? Detail);
}
