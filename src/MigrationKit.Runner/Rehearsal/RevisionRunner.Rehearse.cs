using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;
using MigrationKit.Runner.Database;
using MigrationKit.Runner.DataLoss;
using MigrationKit.Runner.Rehearsal;

namespace MigrationKit.Runner;

// upgrade --rehearse: the plan run as a real run would run it, timed, its locks read, and undone.
public sealed partial class RevisionRunner
{
    // SQLSTATE 25001 active_sql_transaction: "... cannot run inside a transaction block".
    private const string CannotRunInTransaction = "25001";

    /// <summary>
    /// Runs the upgrade plan to <paramref name="target"/> and undoes it, reporting each statement's
    /// time, rows and locks and each revision's data-loss counts. PostgreSQL: against the database
    /// itself, in one transaction that is rolled back, with the run's lock and statement timeouts.
    /// SQLite: against a copy of the file, deleted afterwards. The migration lock is held throughout,
    /// as by a real run; the version table and the step journal are only read. A failing statement
    /// ends the rehearsal and is reported, not thrown.
    /// </summary>
    internal async Task<RehearsalReport> RehearseUpgradeAsync(string target, CancellationToken cancellationToken = default)
    {
        var onCopy = _dialect switch
        {
            PostgreSqlDialect => false,
            SqliteDialect => true,
            _ => throw new MigrationKitException(
                $"upgrade --rehearse runs on PostgreSQL and SQLite only, not on {_context.Database.ProviderName}.",
                "Rehearse on a copy of the database with `upgrade` against that copy, or read the plan with `upgrade --sql`."),
        };
        RefuseDeclaredPooler();
        // Unlike a run, a rehearsal creates nothing: not the database, not the version table.
        RefuseMissing(_dialect, _connection.DbConnection);
        await OpenAsync(cancellationToken);
        var database = DescribeConnection();
        IAsyncDisposable? held = null;
        try
        {
            held = await _dialect.AcquireLockAsync(_connection.DbConnection, _versionTable.Name, _options.LockWait, _log, cancellationToken, _schema);
            var heads = await ReadHeadsAsync(tableExists: false, cancellationToken);
            Graph.ValidateCurrentHeads(heads);
            var plan = Graph.PlanUpgrade(heads, target);
            if ((await ReadJournalAsync(cancellationToken)).FirstOrDefault() is { } partly)
            {
                // A real run would resume it after its committed parts, which a rehearsal cannot imitate.
                throw new MigrationKitException(
                    $"Revision {partly.Revision} is partly applied ({partly.Describe()}); a rehearsal starts only from a database no revision is part-way through.",
                    "Finish it first with `upgrade` (see `current -v`), then rehearse what comes after it.");
            }

            if (!onCopy)
            {
                return await RehearsePlanAsync(plan, database, onCopy: false, cancellationToken);
            }

            await using var copy = await SqliteCopy.CreateAsync(_connection.DbConnection);
            var original = _connection.ConnectionString;
            await _connection.CloseAsync();
            _connection.ConnectionString = copy.ConnectionString;
            try
            {
                await OpenAsync(cancellationToken);
                return await RehearsePlanAsync(plan, database, onCopy: true, cancellationToken) with { CopyPath = copy.Path };
            }
            finally
            {
                await _connection.CloseAsync();
                _connection.ConnectionString = original;
            }
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new MigrationKitException("Interrupted during the rehearsal", "It was rolled back: nothing was changed.", e);
        }
        finally
        {
            if (held is not null)
            {
                await held.DisposeAsync();
            }

            await _connection.CloseAsync();
        }
    }

    /// <summary>
    /// PostgreSQL: one transaction for the plan, rolled back at the end whatever happened. A copy:
    /// each revision as a real run applies it (its own transaction, SQLite's foreign-key pragmas
    /// around it, statements that refuse a transaction outside one), committed to the copy.
    /// </summary>
    private async Task<RehearsalReport> RehearsePlanAsync(MigrationPlan plan, string database, bool onCopy, CancellationToken cancellationToken)
    {
        var steps = new List<RehearsedStep>();
        RehearsalFailure? failure = null;
        try
        {
            TableLocks? locks = null;
            if (!onCopy)
            {
                await BeginTransactionAsync(cancellationToken);
                locks = await TableLocks.StartAsync(CreateCommand, cancellationToken);
            }

            foreach (var step in plan.Steps)
            {
                _log.Information("Rehearsing {Step:l}", step.Describe());
                var (rehearsed, failed) = await RehearseStepAsync(step, onCopy, locks, cancellationToken);
                steps.Add(rehearsed);
                if (failed is not null)
                {
                    failure = failed;
                    break;
                }
            }
        }
        finally
        {
            if (_connection.CurrentTransaction is { } open)
            {
                // Once sent, the rollback completes: an interrupt must not leave the transaction open.
                await open.RollbackAsync(CancellationToken.None);
                await open.DisposeAsync();
            }
        }

        return new RehearsalReport(database, onCopy, plan.HeadsBefore, plan.HeadsAfter, steps, failure);
    }

    private async Task<(RehearsedStep Step, RehearsalFailure? Failure)> RehearseStepAsync(
        MigrationStep step, bool onCopy, TableLocks? locks, CancellationToken cancellationToken)
    {
        var (commands, _, _, operations) = GenerateCommands(step);
        var layout = _dialect.Arrange(commands);
        var clock = Stopwatch.StartNew();
        var statements = new List<RehearsedStatement>();
        IReadOnlyList<DataLossCount> losses = [];
        try
        {
            if (onCopy)
            {
                foreach (var command in layout.Before)
                {
                    await ExecuteCommandAsync(command, cancellationToken);
                }

                await BeginTransactionAsync(cancellationToken);
            }

            // Counted as the revision would find the database: after the revisions before it.
            losses = await _dataLoss.CountAsync(step, operations, cancellationToken);
            if (locks is not null)
            {
                // The counts' own reads are the rehearsal's, not the revision's.
                await locks.TakeNewAsync(cancellationToken);
            }
        }
        catch (DbException e)
        {
            return (new RehearsedStep(step, statements, losses, clock.Elapsed), new RehearsalFailure(step, null, $"counting what it would lose failed: {OneLine(e.Message)}"));
        }

        foreach (var command in layout.Parts.SelectMany(p => p.Commands))
        {
            var rehearsed = await RehearseStatementAsync(command, statements.Count + 1, onCopy, locks, cancellationToken);
            statements.Add(rehearsed);
            if (rehearsed.Error is { } error)
            {
                return (new RehearsedStep(step, statements, losses, clock.Elapsed), new RehearsalFailure(step, rehearsed.Number, error));
            }
        }

        if (onCopy)
        {
            try
            {
                if (layout.ChecksForeignKeys)
                {
                    await CheckForeignKeysAsync(cancellationToken);
                }

                await _connection.CurrentTransaction!.CommitAsync(cancellationToken);
                foreach (var command in layout.After)
                {
                    await ExecuteCommandAsync(command, cancellationToken);
                }
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                return (new RehearsedStep(step, statements, losses, clock.Elapsed), new RehearsalFailure(step, null, OneLine(e.Message)));
            }
        }

        return (new RehearsedStep(step, statements, losses, clock.Elapsed), null);
    }

    /// <summary>
    /// One statement, timed, with the locks it took. In the one transaction of a PostgreSQL
    /// rehearsal, a statement that a real run sends outside a transaction runs in a form that fits
    /// inside one (<see cref="InTransactionForm"/>), or as it is under a savepoint, or, when the
    /// server refuses it there (VACUUM), not at all: each case says so in the note.
    /// </summary>
    private async Task<RehearsedStatement> RehearseStatementAsync(
        MigrationCommand command, int number, bool onCopy, TableLocks? locks, CancellationToken cancellationToken)
    {
        var sql = command.CommandText;
        string? rehearsedSql = null;
        string? note = null;
        var savepoint = false;
        if (command.TransactionSuppressed && !onCopy)
        {
            if (InTransactionForm.Of(sql) is var (inTransaction, why))
            {
                (rehearsedSql, note) = (inTransaction, why);
            }
            else
            {
                savepoint = true;
                note = "a real run sends this statement outside a transaction and commits at once; rehearsed inside the rehearsal's, "
                    + "so its locks were held to the end of the rehearsal";
            }
        }

        var clock = new Stopwatch();
        try
        {
            if (savepoint)
            {
                await ExecuteAsync("SAVEPOINT migratekit_rehearsal", cancellationToken);
            }

            clock.Start();
            var rows = await ExecuteRehearsedAsync(rehearsedSql ?? sql, command.TransactionSuppressed && onCopy, cancellationToken);
            clock.Stop();
            if (savepoint)
            {
                await ExecuteAsync("RELEASE SAVEPOINT migratekit_rehearsal", cancellationToken);
            }

            var taken = locks is null ? [] : await locks.TakeNewAsync(cancellationToken);
            return new RehearsedStatement(number, sql, rehearsedSql, true, clock.Elapsed, rows < 0 ? null : rows, taken, note);
        }
        catch (DbException e) when (savepoint && e.SqlState == CannotRunInTransaction)
        {
            await ExecuteAsync("ROLLBACK TO SAVEPOINT migratekit_rehearsal", cancellationToken);
            return new RehearsedStatement(number, sql, null, false, TimeSpan.Zero, null, [],
                $"not rehearsed: it cannot run inside a transaction ({OneLine(e.Message)}), and a real run sends it outside one");
        }
        catch (DbException e)
        {
            clock.Stop();
            return new RehearsedStatement(number, sql, rehearsedSql, true, clock.Elapsed, null, [], note, FailureMessage(e));
        }
    }

    /// <summary>
    /// The statement's affected rows. On a copy, a statement that refuses a transaction runs as a
    /// real run sends it: the revision's transaction committed before it and begun again after it.
    /// </summary>
    private async Task<int> ExecuteRehearsedAsync(string sql, bool outsideTransaction, CancellationToken cancellationToken)
    {
        if (!outsideTransaction || _connection.CurrentTransaction is not { } open)
        {
            return await ExecuteAsync(sql, cancellationToken);
        }

        await open.CommitAsync(cancellationToken);
        await open.DisposeAsync();
        var rows = await ExecuteAsync(sql, cancellationToken);
        await BeginTransactionAsync(cancellationToken);
        return rows;
    }

    /// <summary>The server's error, and which of the run's timeouts ended the statement when one did.</summary>
    private string FailureMessage(DbException e)
    {
        var message = OneLine(e.Message);
        if (_dialect.IsLockTimeout(e))
        {
            return $"{message} (it waited longer than the lock timeout, {DatabaseDialect.Seconds(_options.LockTimeout)} s, for a lock another session holds; "
                   + "a real run would roll the revision back and retry it)";
        }

        return _dialect.IsStatementTimeout(e) && _options.StatementTimeout is { } timeout && timeout > TimeSpan.Zero
            ? $"{message} (it ran longer than the statement timeout, {DatabaseDialect.Seconds(timeout)} s)"
            : message;
    }
}
