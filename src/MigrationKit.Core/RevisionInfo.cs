namespace MigrationKit.Core;

/// <summary>
/// One revision as the graph sees it: its id, the revisions it follows, and what it is called.
/// Immutable; the lists are copied on construction.
/// </summary>
public sealed class RevisionInfo
{
    public RevisionInfo(
        string id,
        IReadOnlyList<string>? parents = null,
        string message = "",
        IReadOnlyList<string>? branchLabels = null,
        IReadOnlyList<string>? dependsOn = null,
        DateTimeOffset? created = null,
        string? source = null,
        IReadOnlyList<string>? replaces = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(message);
        Id = id;
        Parents = Copy(parents, nameof(parents));
        BranchLabels = Copy(branchLabels, nameof(branchLabels));
        DependsOn = Copy(dependsOn, nameof(dependsOn));
        Message = message;
        Created = created;
        Source = source;
        Replaces = Copy(replaces, nameof(replaces));
    }

    public string Id { get; }

    /// <summary>Alembic's <c>down_revision</c>(s): empty for a base, several for a merge point.</summary>
    public IReadOnlyList<string> Parents { get; }

    /// <summary>
    /// Revisions (ids or branch labels) that must be applied first. An ordering edge only:
    /// it makes no merge point and does not count when computing heads.
    /// </summary>
    public IReadOnlyList<string> DependsOn { get; }

    public IReadOnlyList<string> BranchLabels { get; }

    public string Message { get; }

    public DateTimeOffset? Created { get; }

    /// <summary>Where the revision was defined (for example its C# type name), for error messages.</summary>
    public string? Source { get; }

    /// <summary>
    /// The revisions a squash of them replaced, oldest first; the last is the end of the run, whose
    /// references (children's parents, depends-on, a version row, a typed target) stand for this revision.
    /// </summary>
    public IReadOnlyList<string> Replaces { get; }

    public bool IsBase => Parents.Count == 0;

    public bool IsMergePoint => Parents.Count > 1;

    public override string ToString() => Id;

    private static IReadOnlyList<string> Copy(IReadOnlyList<string>? items, string parameterName)
    {
        if (items is null || items.Count == 0)
        {
            return [];
        }

        var copy = new string[items.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = items[i] ?? throw new ArgumentException("The list must not contain null.", parameterName);
        }

        // ReadOnlyCollection so that callers cannot cast the list back to an array and change it.
        return Array.AsReadOnly(copy);
    }
}
