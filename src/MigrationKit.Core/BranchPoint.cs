namespace MigrationKit.Core;

/// <summary>A revision that several revisions name as their parent (what <c>branches</c> lists).</summary>
public sealed class BranchPoint
{
    internal BranchPoint(RevisionInfo revision, IReadOnlyList<RevisionInfo> children)
    {
        Revision = revision;
        Children = children;
    }

    public RevisionInfo Revision { get; }

    /// <summary>The revisions that name <see cref="Revision"/> as a parent, in graph order.</summary>
    public IReadOnlyList<RevisionInfo> Children { get; }
}
