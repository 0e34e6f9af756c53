namespace MigrationKit.Runner.Fleet;

public enum TargetStatus
{
    /// <summary>The operation ran and changed the target.</summary>
    Succeeded,

    /// <summary>Nothing to do: the target was already where the operation would bring it.</summary>
    Unchanged,

    Failed,

    /// <summary>The fleet stopped (a failure, a failed canary, an interrupt) before this target started.</summary>
    NotStarted,
}

/// <summary>What an operation did to one target of a fleet.</summary>
/// <param name="Before">The target's heads before (empty: base, or not read).</param>
/// <param name="After">Its heads after (for a failure, as far as it got).</param>
/// <param name="Steps">Revisions applied (or rows stamped).</param>
/// <param name="Error">Why it failed, one line, no password; null unless <see cref="TargetStatus.Failed"/>.</param>
/// <param name="Detail">More for a reader (the drift text of <c>check</c>); may span lines.</param>
public sealed record TargetResult(
    string Name, TargetStatus Status, IReadOnlyList<string> Before, IReadOnlyList<string> After,
    int Steps, TimeSpan Duration, string? Error, string? Detail = null);
