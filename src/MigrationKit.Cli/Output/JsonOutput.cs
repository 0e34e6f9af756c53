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
                heads.Contains(r.Id), r.IsMergePoint, current?.Contains(r.Id))),
            Options);
    }

    private sealed record RevisionJson(
        string Id,
        IReadOnlyList<string> Parents,
        string Message,
        IReadOnlyList<string> BranchLabels,
        IReadOnlyList<string> DependsOn,
        DateTimeOffset? Created,
        bool IsHead,
        bool IsMergePoint,
        bool? IsCurrent);
}
