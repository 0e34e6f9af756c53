using MigrationKit.Core;
using MigrationKit.Runner.DataLoss;

namespace MigrationKit.Runner.Rehearsal;

/// <summary>
/// What <c>upgrade --rehearse</c> saw: the plan run against the real database in one transaction
/// that was rolled back (PostgreSQL), or against a copy of the file that was deleted (SQLite).
/// </summary>
/// <param name="Database">The database rehearsed on, described without its password.</param>
/// <param name="OnCopy">The plan ran against a temporary copy of a SQLite file, where locks do not apply.</param>
/// <param name="HeadsBefore">The version table's rows when the rehearsal started (untouched by it).</param>
/// <param name="HeadsAfter">Where the plan would leave the database.</param>
/// <param name="Steps">The revisions rehearsed, up to and including the one that failed.</param>
/// <param name="Failure">The statement that failed; null when every statement ran.</param>
internal sealed record RehearsalReport(
    string Database,
    bool OnCopy,
    IReadOnlyList<string> HeadsBefore,
    IReadOnlyList<string> HeadsAfter,
    IReadOnlyList<RehearsedStep> Steps,
    RehearsalFailure? Failure)
{
    public bool Succeeded => Failure is null;

    /// <summary>Where the copy was while the rehearsal ran (SQLite): deleted by the time the report exists.</summary>
    public string? CopyPath { get; init; }
}

/// <summary>One revision of the plan as rehearsed.</summary>
/// <param name="Statements">Its statements in the order a run sends them; after a failure, up to the one that failed.</param>
/// <param name="DataLoss">What its destructive changes would lose, counted just before it ran (after the revisions before it).</param>
/// <param name="Elapsed">Its statements' time, counts included.</param>
internal sealed record RehearsedStep(
    MigrationStep Step, IReadOnlyList<RehearsedStatement> Statements, IReadOnlyList<DataLossCount> DataLoss, TimeSpan Elapsed);

/// <summary>One statement (one command of EF Core's SQL generator) as rehearsed.</summary>
/// <param name="Number">1-based, within its revision.</param>
/// <param name="Sql">The statement a real run sends.</param>
/// <param name="RehearsedSql">What the rehearsal sent instead (CONCURRENTLY dropped); null when the same.</param>
/// <param name="Ran">False when it was not rehearsed (see <paramref name="Note"/>).</param>
/// <param name="RowsAffected">Rows it inserted, updated or deleted; null where the server counts none (DDL).</param>
/// <param name="Locks">The table locks it took: those held after it that were not held before it.</param>
/// <param name="Note">How the rehearsal differs from a real run for this statement, if it does.</param>
/// <param name="Error">The server's error when it failed.</param>
internal sealed record RehearsedStatement(
    int Number,
    string Sql,
    string? RehearsedSql,
    bool Ran,
    TimeSpan Elapsed,
    int? RowsAffected,
    IReadOnlyList<TableLock> Locks,
    string? Note,
    string? Error = null);

/// <summary>A lock on a table (or view) taken by a statement, from <c>pg_locks</c>.</summary>
/// <param name="Table">The table's name, with its schema unless that is the current one.</param>
/// <param name="Mode">PostgreSQL's name of the mode, e.g. <c>AccessExclusiveLock</c>.</param>
/// <param name="CreatedInRehearsal">The table did not exist before the rehearsal: no other session can see it, so the lock blocks no one.</param>
internal sealed record TableLock(string Table, string Mode, bool CreatedInRehearsal)
{
    /// <summary>Whether it makes a plain SELECT of the table wait.</summary>
    public bool BlocksReads => !CreatedInRehearsal && LockModes.BlocksReads(Mode);

    /// <summary>Whether it makes INSERT, UPDATE and DELETE on the table wait.</summary>
    public bool BlocksWrites => !CreatedInRehearsal && LockModes.BlocksWrites(Mode);

    /// <summary><c>users AccessExclusiveLock (blocks reads and writes)</c>.</summary>
    public override string ToString() => $"{Table} {Mode} ({Blocks})";

    /// <summary>What the lock blocks, in words: "blocks reads and writes", "blocks writes", "blocks neither", "new table".</summary>
    public string Blocks => CreatedInRehearsal ? "new table, blocks no one"
        : BlocksReads && BlocksWrites ? "blocks reads and writes"
        : BlocksWrites ? "blocks writes"
        : BlocksReads ? "blocks reads"
        : "blocks neither reads nor writes";
}

/// <summary>The statement that failed, and the error; everything the rehearsal did was rolled back.</summary>
/// <param name="Statement">The statement's number in its revision; null when counting the revision's data loss failed.</param>
internal sealed record RehearsalFailure(MigrationStep Step, int? Statement, string Error);
