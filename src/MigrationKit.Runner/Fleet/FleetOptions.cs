namespace MigrationKit.Runner.Fleet;

/// <summary>How a fleet run schedules its targets.</summary>
public sealed class FleetOptions
{
    /// <summary>How many targets run at once (each holds one connection), at least 1. Default 4.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>The first K targets run first, alone; any failure among them starts no other target.</summary>
    public int Canary { get; init; }

    /// <summary>
    /// Go on after a target fails. Default false: at the first failure, the running targets finish
    /// and no other starts (they are reported <see cref="TargetStatus.NotStarted"/>).
    /// </summary>
    public bool ContinueOnError { get; init; }

    /// <summary>Told as targets start and finish (from the workers' threads).</summary>
    public IProgress<FleetProgress>? Progress { get; init; }
}

/// <summary>Where a fleet run stands.</summary>
/// <param name="Done">Targets finished without failing (succeeded or unchanged).</param>
/// <param name="Remaining">Targets not started yet.</param>
/// <param name="Finished">The target whose end this event reports; null when a target started.</param>
public sealed record FleetProgress(int Total, int Done, int Running, int Failed, int Remaining, TimeSpan Elapsed, TargetResult? Finished);
