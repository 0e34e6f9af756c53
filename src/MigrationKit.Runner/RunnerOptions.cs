using MigrationKit.Runner.Database;

namespace MigrationKit.Runner;

/// <summary>How a run applies its revisions.</summary>
public sealed class RunnerOptions
{
    /// <summary>The table that records the current heads. Default <c>migratekit_version</c>.</summary>
    public string VersionTable { get; init; } = Database.VersionTable.DefaultName;

    /// <summary>
    /// One transaction for the whole run instead of one per revision: all or nothing, at the
    /// price of holding locks on every table touched until the end.
    /// </summary>
    public bool SingleTransaction { get; init; }

    /// <summary>
    /// What the user found after a run was interrupted during a statement that runs outside a
    /// transaction and that the database cannot vouch for (not an index built concurrently, which
    /// is checked): true it completed (go on after it), false it did not (run it again), null
    /// refuse and say what to check (the default).
    /// </summary>
    public bool? InterruptedStatementCompleted { get; init; }

    /// <summary>How long to wait for the migration lock while another process holds it. Default five minutes.</summary>
    public TimeSpan LockWait { get; init; } = DefaultLockWait;

    /// <summary>
    /// Long enough for another deployment's upgrade to finish, short enough that a stuck one (or a
    /// forgotten session) ends a pipeline with a message instead of its job's time limit.
    /// </summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromMinutes(5);
}
