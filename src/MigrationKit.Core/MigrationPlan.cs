namespace MigrationKit.Core;

/// <summary>The steps of an upgrade or downgrade, in the order they must run.</summary>
public sealed class MigrationPlan
{
    private readonly VersionRows _before;
    private readonly VersionRows _after;

    internal MigrationPlan(IReadOnlyList<MigrationStep> steps, VersionRows before, VersionRows after)
    {
        Steps = steps;
        _before = before;
        _after = after;
    }

    public IReadOnlyList<MigrationStep> Steps { get; }

    /// <summary>The version table's rows before the plan runs, in graph order.</summary>
    public IReadOnlyList<string> HeadsBefore => _before.Ids;

    /// <summary>The version table's rows after the whole plan, in graph order.</summary>
    public IReadOnlyList<string> HeadsAfter => _after.Ids;
}
