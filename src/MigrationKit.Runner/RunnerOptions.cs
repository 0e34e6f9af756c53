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
    /// Stop before the first revision that would lose data on this database (rows of a dropped
    /// table, values of a dropped column, values a narrower type refuses, NULLs of a column made
    /// required): the revisions before it stay applied. An empty table or column loses nothing.
    /// </summary>
    public bool RefuseDataLoss { get; init; }

    /// <summary>How long to wait for the migration lock while another process holds it. Default five minutes.</summary>
    public TimeSpan LockWait { get; init; } = DefaultLockWait;

    /// <summary>
    /// Long enough for another deployment's upgrade to finish, short enough that a stuck one (or a
    /// forgotten session) ends a pipeline with a message instead of its job's time limit.
    /// </summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromMinutes(5);
}
