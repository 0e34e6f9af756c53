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

    /// <summary>
    /// Stop before the first revision that would lose data on this database (rows of a dropped
    /// table, values of a dropped column, values a narrower type refuses, NULLs of a column made
    /// required): the revisions before it stay applied. An empty table or column loses nothing.
    /// </summary>
    public bool RefuseDataLoss { get; init; }

    /// <summary>
    /// Back the database up before the first step, once the lock is held and only when the plan
    /// has steps (a run with nothing to do takes none, but still checks that it could: pg_dump
    /// found and not older than the server). The backup's path and how to restore it are logged,
    /// and logged again when the run fails. Null: no backup.
    /// </summary>
    public BackupOptions? Backup { get; init; }

    /// <summary>How long to wait for the migration lock while another process holds it. Default five minutes.</summary>
    public TimeSpan LockWait { get; init; } = DefaultLockWait;

    /// <summary>
    /// Called with an upgrade's or downgrade's plan once it is made (under the lock, from the heads
    /// the run read) and before any revision runs: lint prints its findings here, and a
    /// <see cref="Core.MigrationKitException"/> thrown stops the run with nothing applied.
    /// </summary>
    public Action<Core.MigrationPlan>? BeforeSteps { get; init; }

    /// <summary>
    /// Long enough for another deployment's upgrade to finish, short enough that a stuck one (or a
    /// forgotten session) ends a pipeline with a message instead of its job's time limit.
    /// </summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromMinutes(5);

    /// <summary>
    /// PostgreSQL: how long one statement of a revision may wait for a table's lock before the
    /// revision gives up (<c>lock_timeout</c>, set for each transaction). While it waits, every
    /// query of the app that touches the table waits behind it. <see cref="TimeSpan.Zero"/>: wait
    /// as long as it takes. Default <see cref="DefaultLockTimeout"/>. Other databases: not used.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    /// <summary>
    /// Five seconds: the longest an app's query should queue behind a migration, yet enough for
    /// a migration to get its lock between the short transactions of a busy app. A long report
    /// query in the way is outlasted by the retries, not by waiting (and blocking) longer.
    /// </summary>
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a revision that hit <see cref="LockTimeout"/> is rolled back and tried again,
    /// after a growing pause (1, 2, 4 s ... with jitter) in which the app's queries go through.
    /// Default <see cref="DefaultLockRetries"/>.
    /// </summary>
    public int LockRetries { get; init; } = DefaultLockRetries;

    public const int DefaultLockRetries = 3;

    /// <summary>
    /// PostgreSQL: the longest one statement of a revision may run (<c>statement_timeout</c>,
    /// set for each transaction); a statement that runs longer fails the revision, without retries.
    /// Null: the server's own setting; <see cref="TimeSpan.Zero"/>: none. Default null.
    /// </summary>
    public TimeSpan? StatementTimeout { get; init; }

    /// <summary>
    /// The connection goes through a pooler in transaction mode (PgBouncer's
    /// <c>pool_mode = transaction</c>), as the user declares: the run refuses before it connects,
    /// since the migration lock cannot hold there. The runner also detects such a pooler itself.
    /// </summary>
    public bool TransactionPooler { get; init; }
}
