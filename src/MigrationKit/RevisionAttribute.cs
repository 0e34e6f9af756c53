namespace MigrationKit;

/// <summary>
/// Names a <see cref="Revision"/> and places it in the graph, the way Alembic's
/// <c>revision</c>/<c>down_revision</c>/<c>branch_labels</c>/<c>depends_on</c> variables do.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RevisionAttribute(string id) : Attribute
{
    /// <summary>The revision id (12 hex digits when MigrationKit makes it).</summary>
    public string Id { get; } = id;

    /// <summary>The revisions this one builds on: none for a base, one usually, several for a merge.</summary>
    public string[] Parents { get; init; } = [];

    /// <summary>The message given when the revision was created.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the revision was created, ISO 8601.</summary>
    public string? Created { get; init; }

    /// <summary>Labels that name the branch starting at (or passing through) this revision.</summary>
    public string[] BranchLabels { get; init; } = [];

    /// <summary>Revisions that must be applied first, without making this revision a merge.</summary>
    public string[] DependsOn { get; init; } = [];

    /// <summary>
    /// The revisions this one was squashed from (`squash`), oldest first, the last being the end
    /// of the run: references to it mean this revision, and the others are ignored while their files remain.
    /// </summary>
    public string[] Replaces { get; init; } = [];

    /// <summary>
    /// The DbContext whose graph this revision belongs to, for a context set up with its own
    /// revisions (`init --context`), as EF Core's [DbContext(typeof(X))] does for a migration;
    /// none: the project's default context.
    /// </summary>
    public Type? Context { get; init; }
}
