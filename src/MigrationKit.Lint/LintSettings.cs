namespace MigrationKit.Lint;

/// <summary>What the run that will apply the revisions does by itself, which some rules depend on.</summary>
public sealed record LintSettings
{
    /// <summary>
    /// The <c>lock_timeout</c> the tool sets for each revision (<c>--lock-timeout</c>); null or zero
    /// when it sets none, and then each revision must set its own (<c>require-lock-timeout</c>).
    /// </summary>
    public TimeSpan? LockTimeout { get; init; }
}
