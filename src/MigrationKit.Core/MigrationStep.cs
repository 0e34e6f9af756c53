namespace MigrationKit.Core;

/// <summary>One revision to run, and the version table's rows on either side of it.</summary>
public sealed class MigrationStep
{
    private readonly VersionRows _before;
    private readonly VersionRows _after;

    internal MigrationStep(RevisionInfo revision, MigrationDirection direction, VersionRows before, VersionRows after)
    {
        Revision = revision;
        Direction = direction;
        _before = before;
        _after = after;
    }

    public RevisionInfo Revision { get; }

    public MigrationDirection Direction { get; }

    /// <summary>The version table's rows (the current heads) before this step, in graph order.</summary>
    public IReadOnlyList<string> HeadsBefore => _before.Ids;

    /// <summary>The version table's rows after this step, in graph order.</summary>
    public IReadOnlyList<string> HeadsAfter => _after.Ids;

    /// <summary>
    /// Alembic's log line without its "Running " prefix: <c>upgrade A, B -> C, message</c> or
    /// <c>downgrade C -> A, B, message</c>. Only parents are shown (dependencies are not), and a base
    /// shows an empty side (<c>upgrade  -> A</c>), exactly as Alembic prints it.
    /// </summary>
    public string Describe()
    {
        var parents = string.Join(", ", Revision.Parents);
        var line = Direction == MigrationDirection.Upgrade
            ? $"upgrade {parents} -> {Revision.Id}"
            : $"downgrade {Revision.Id} -> {parents}";
        return Revision.Message.Length == 0 ? line : $"{line}, {Revision.Message}";
    }

    public override string ToString() => Describe();
}
