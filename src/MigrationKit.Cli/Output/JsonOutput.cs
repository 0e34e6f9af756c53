using System.Text.Json;
using MigrationKit.Core;

namespace MigrationKit.Cli.Output;

/// <summary>The <c>--json</c> form of revision listings, for scripts and CI.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Revisions(IEnumerable<RevisionInfo> revisions, RevisionGraph graph, IReadOnlySet<string>? current = null)
    {
        var heads = graph.Heads.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        return JsonSerializer.Serialize(
            revisions.Select(r => new RevisionJson(
                r.Id, r.Parents, r.Message, r.BranchLabels, r.DependsOn, r.Created,
                heads.Contains(r.Id), r.IsMergePoint, current?.Contains(r.Id), Replaces: ReplacesOrNull(r))),
            Options);
    }

    /// <summary>
    /// The current revisions and, marked <c>partlyApplied</c>, a revision the step journal records
    /// as under way (for an upgrade not current yet, for a downgrade still current).
    /// </summary>
    public static string Current(IEnumerable<RevisionInfo> revisions, RevisionGraph graph, IReadOnlyList<Runner.Database.JournalEntry> partlyApplied)
    {
        var heads = graph.Heads.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        var listed = revisions.ToList();
        var partly = partlyApplied.ToDictionary(e => e.Revision, StringComparer.Ordinal);
        foreach (var entry in partlyApplied)
        {
            if (!listed.Any(r => r.Id == entry.Revision) && graph.Contains(entry.Revision))
            {
                listed.Add(graph.Get(entry.Revision));
            }
        }

        return JsonSerializer.Serialize(
            listed.Select(r => new RevisionJson(
                r.Id, r.Parents, r.Message, r.BranchLabels, r.DependsOn, r.Created,
                heads.Contains(r.Id), r.IsMergePoint, null,
                partly.TryGetValue(r.Id, out var e)
                    ? new PartlyAppliedJson(e.Direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade", e.PartsDone, e.PartsTotal, e.StatementRunning)
                    : null,
                ReplacesOrNull(r))),
            Options);
    }

    /// <summary><c>history --applied --json</c>: the history's rows, newest first.</summary>
    public static string History(IEnumerable<Runner.Database.HistoryEntry> entries)
        => JsonSerializer.Serialize(entries.OrderByDescending(e => e.Id), Options);

    /// <summary><c>check --applied --json</c>: how many applied revisions were checked, and what changed.</summary>
    public static string AppliedCheck(Runner.AppliedCheck check)
        => JsonSerializer.Serialize(
            new
            {
                check.Applied,
                Changes = check.Changes.Select(c => new
                {
                    c.Applied.Revision,
                    Kind = c.Kind == Runner.AppliedChangeKind.Edited ? "edited" : "missing",
                    StatementsDiffering = c.Kind == Runner.AppliedChangeKind.Edited ? c.StatementsDiffering : (int?)null,
                    Description = c.Describe(),
                    AppliedBy = c.Applied,
                }),
            },
            Options);

    /// <summary>What a squashed revision replaces; left out for any other revision.</summary>
    private static IReadOnlyList<string>? ReplacesOrNull(RevisionInfo revision) => revision.Replaces.Count > 0 ? revision.Replaces : null;

    private sealed record PartlyAppliedJson(string Direction, int PartsDone, int PartsTotal, bool StatementRunning);

    private sealed record RevisionJson(
        string Id,
        IReadOnlyList<string> Parents,
        string Message,
        IReadOnlyList<string> BranchLabels,
        IReadOnlyList<string> DependsOn,
        DateTimeOffset? Created,
        bool IsHead,
        bool IsMergePoint,
        bool? IsCurrent,
        PartlyAppliedJson? PartlyApplied = null,
        IReadOnlyList<string>? Replaces = null);
}
