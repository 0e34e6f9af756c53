using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;
using MigrationKit.Runner.Backup;
using MigrationKit.Runner.Database;
using MigrationKit.Runner.DataLoss;
using MigrationKit.Runner.Sql;
using Serilog;

namespace MigrationKit.Runner;

/// <summary>
/// Applies plans of the revision graph to the database behind a DbContext: one transaction per
/// revision (or one for the run), the version table changed in the same transaction as the
/// revision it records, and a lock held for the whole run so two processes never interleave.
/// </summary>
public sealed partial class RevisionRunner
{
    private readonly DbContext _context;
    private readonly RevisionCatalog _catalog;
    private readonly RunnerOptions _options;
    private readonly ILogger _log;
    private readonly DatabaseDialect _dialect;
    private readonly VersionTable _versionTable;
    private readonly StepJournal _journal;
    private readonly HistoryTable _history;
    // The journal's rows, read once the lock is held and kept as parts commit, so that a step run
    // again (a retry) resumes where the last attempt stopped.
    private readonly Dictionary<string, JournalEntry> _journalEntries = new(StringComparer.Ordinal);
    private bool _journalExists;
    private readonly IRelationalConnection _connection;
    private readonly ISqlGenerationHelper _sqlHelper;
    // Resolved on first use: `current` needs only the connection, and creating the SQL generator
    // and its type mappings would cost it time for nothing.
    private readonly Lazy<IMigrationsSqlGenerator> _sqlGenerator;
    private readonly Lazy<IModelRuntimeInitializer> _modelInitializer;
    private readonly GeneratedSteps _generated;
    private readonly string? _schema;
    // Open while a session is: names the table and the holder when a revision's lock wait times out.
    private LockWaitWatch? _lockWaits;
    private readonly DataLossCounter _dataLoss;

    public RevisionRunner(DbContext context, RevisionCatalog catalog, RunnerOptions? options = null, ILogger? logger = null)
        : this(context, catalog, options, logger, new GeneratedSteps(), schema: null)
    {
    }

    /// <param name="generated">What the revisions generate, shared by the runners of a fleet.</param>
    /// <param name="schema">
    /// PostgreSQL schema per tenant: the connection already has it first on <c>search_path</c>
    /// (<see cref="Fleet.FleetConnection"/>); the runner makes sure it exists, looks for its own
    /// tables there only, and locks the schema rather than the database.
    /// </param>
    internal RevisionRunner(
        DbContext context, RevisionCatalog catalog, RunnerOptions? options, ILogger? logger, GeneratedSteps generated, string? schema)
    {
        _generated = generated;
        _schema = schema;
        _context = context;
        _catalog = catalog;
        _options = options ?? new RunnerOptions();
        _log = logger ?? Log.Logger;
        _dialect = DatabaseDialect.For(context.Database.ProviderName);
        _connection = context.GetService<IRelationalConnection>();
        _sqlHelper = context.GetService<ISqlGenerationHelper>();
        _sqlGenerator = new(() => context.GetService<IMigrationsSqlGenerator>());
        _modelInitializer = new(() => context.GetService<IModelRuntimeInitializer>());
        var typeMappings = new Lazy<IRelationalTypeMappingSource>(() => context.GetService<IRelationalTypeMappingSource>());
        _versionTable = new VersionTable(_options.VersionTable, _sqlGenerator, _sqlHelper, typeMappings);
        _dataLoss = new DataLossCounter(_dialect, _sqlHelper, typeMappings, CreateCommand, _log);
        _journal = new StepJournal(_options.VersionTable, _sqlGenerator, _sqlHelper, typeMappings);
        _history = new HistoryTable(_options.VersionTable, _sqlGenerator, _sqlHelper, typeMappings);
    }

    public RevisionGraph Graph => _catalog.Graph;

    internal RevisionCatalog Catalog => _catalog;

    /// <summary>The version table's rows; empty when the table does not exist (it is not created).</summary>
    public async Task<IReadOnlyList<string>> GetCurrentHeadsAsync(CancellationToken cancellationToken = default)
        => (await GetCurrentStateAsync(withJournal: false, cancellationToken)).Heads;

    /// <summary>The version table's rows and, with <paramref name="withJournal"/>, the revisions partly applied.</summary>
    internal async Task<CurrentState> GetCurrentStateAsync(bool withJournal, CancellationToken cancellationToken)
    {
        RefuseMissing(_dialect, _connection.DbConnection);
        await OpenAsync(cancellationToken);
        try
        {
            var heads = await ReadHeadsAsync(tableExists: false, cancellationToken);
            return new CurrentState(heads, withJournal ? await ReadJournalAsync(cancellationToken) : []);
        }
        finally
        {
            await _connection.CloseAsync();
        }
    }

    /// <summary>The history's rows, oldest first; none when the table does not exist (a read creates nothing).</summary>
    internal async Task<IReadOnlyList<HistoryEntry>> ReadHistoryAsync(CancellationToken cancellationToken)
    {
        RefuseMissing(_dialect, _connection.DbConnection);
        await OpenAsync(cancellationToken);
        try
        {
            if (!await _dialect.TableExistsAsync(_connection.DbConnection, _schema, _history.Name, cancellationToken))
            {
                return [];
            }

            await using var command = CreateCommand(_history.SelectSql);
            return await HistoryTable.ReadAsync(command, cancellationToken);
        }
        finally
        {
            await _connection.CloseAsync();
        }
    }

    /// <summary>
    /// The revisions whose SQL changed since they ran on this database, and those it ran that the
    /// app no longer has (<c>check --applied</c>), from its history.
    /// </summary>
    internal async Task<AppliedCheck> CheckAppliedAsync(CancellationToken cancellationToken)
        => AppliedChanges.Find(await ReadHistoryAsync(cancellationToken), Graph, id => SqlChecksum.Of(UpgradeSql(id).Commands));

    /// <summary>The name of the history table of this runner's version table.</summary>
    internal string HistoryTableName => _history.Name;

    /// <summary>
    /// What each destructive step of <paramref name="plan"/> would lose, counted on the live database
    /// without running anything (for <c>lint --database</c>). Every step is counted against the
    /// database as it is now, not as the steps before it would leave it: a table that an earlier
    /// step creates counts as empty, and rows an earlier step would change are counted as they are.
    /// </summary>
    public async Task<IReadOnlyList<DataLossCount>> CountDataLossAsync(MigrationPlan plan, CancellationToken cancellationToken = default)
    {
        RefuseMissing(_dialect, _connection.DbConnection);
        await OpenAsync(cancellationToken);
        try
        {
            var losses = new List<DataLossCount>();
            foreach (var step in plan.Steps)
            {
                losses.AddRange(await _dataLoss.CountAsync(step, StepOperations(step), cancellationToken));
            }

            return losses;
        }
        finally
        {
            await _connection.CloseAsync();
        }
    }

    public Task<MigrationPlan> UpgradeAsync(string target = "head", CancellationToken cancellationToken = default)
        => RunAsync(MigrationDirection.Upgrade, heads => Graph.PlanUpgrade(heads, target), cancellationToken);

    public Task<MigrationPlan> DowngradeAsync(string target, CancellationToken cancellationToken = default)
        => RunAsync(MigrationDirection.Downgrade, heads => Graph.PlanDowngrade(heads, target), cancellationToken);

    /// <summary>Rewrites the version table to the given revisions without running any revision.</summary>
    public async Task<IReadOnlyList<string>> StampAsync(IReadOnlyList<string> targets, bool purge, CancellationToken cancellationToken = default)
        => (await StampFromAsync(targets, purge, cancellationToken)).After;

    /// <summary>
    /// <see cref="StampAsync"/>, telling the rows it found too (with <paramref name="purge"/> as they
    /// were, unchecked: a purge is how rows the graph does not know are cleared).
    /// </summary>
    internal async Task<(IReadOnlyList<string> Before, IReadOnlyList<string> After)> StampFromAsync(
        IReadOnlyList<string> targets, bool purge, CancellationToken cancellationToken)
    {
        RefuseDeclaredPooler();
        await using var session = await BeginSessionAsync(cancellationToken);
        var found = await ReadHeadsAsync(tableExists: true, cancellationToken);
        var before = purge ? [] : await RenameSquashedRowsAsync(found, cancellationToken);
        if (!purge)
        {
            Graph.ValidateCurrentHeads(before);
        }

        var after = Graph.Stamp(before, targets, purge);
        var clearsJournal = await _dialect.TableExistsAsync(_connection.DbConnection, _schema, _journal.Name, cancellationToken);
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        if (purge)
        {
            await ExecuteAsync(_versionTable.DeleteAllSql, cancellationToken);
        }

        await ApplyVersionChangesAsync(before, after, checkRows: !purge, cancellationToken, history: StampHistory(before, after));
        if (clearsJournal)
        {
            // A stamp says where the database is: a revision recorded as partly applied no longer is.
            await ExecuteAsync(_journal.DeleteAllSql, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _log.Information("Stamped {Heads:l}", after.Count == 0 ? "base" : string.Join(", ", after));
        return (found, after);
    }

    /// <summary>
    /// A stamp's history rows: one per revision it makes a head (nothing ran, so no checksum), or
    /// one for base when it empties the version table.
    /// </summary>
    private List<string> StampHistory(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var stamped = after.Except(before, StringComparer.Ordinal).ToList();
        if (after.Count == 0 && before.Count > 0)
        {
            stamped.Add("base");
        }

        var now = DateTime.UtcNow;
        return stamped.Select(id => _history.InsertSql(new HistoryStep(id, HistoryStep.Stamp, null), now, now, _dialect)).ToList();
    }

    /// <summary>
    /// The SQL that a run would execute, without touching the database (<c>--sql</c>). The start is
    /// given, not read: <paramref name="fromHeads"/> empty means base, and then the script creates
    /// the version table too.
    /// </summary>
    public string Script(MigrationDirection direction, IReadOnlyCollection<string> fromHeads, string target)
    {
        var plan = direction == MigrationDirection.Upgrade
            ? Graph.PlanUpgrade(fromHeads, target)
            : Graph.PlanDowngrade(fromHeads, target);
        var script = new System.Text.StringBuilder();
        var transactional = _dialect.HasTransactionalDdl;
        if (fromHeads.Count == 0 && direction == MigrationDirection.Upgrade)
        {
            AppendTransaction(script, transactional, [], _versionTable.CreateCommands().Select(c => c.CommandText), []);
        }

        if (plan.Steps.Count > 0 && (_dialect.CreatesTablesIfNotExists || fromHeads.Count == 0))
        {
            // A database upgraded before the history existed gets it from the script too.
            AppendStatements(script, CreatedIfNotExists(_history.CreateCommands()));
        }

        var journalCreated = false;
        foreach (var step in plan.Steps)
        {
            script.Append("-- Running ").AppendLine(step.Describe());
            var generated = GenerateCommands(step);
            var layout = _dialect.Arrange(generated.Commands);
            var progress = new StepProgress(step, layout, generated.Checksum);
            // The history row is written first in the transaction that records the step and
            // finished last in it, so the database's clock times it as a live run's does.
            var startHistory = _history.ScriptInsertSql(progress.History, _dialect);
            if (!layout.IsJournaled)
            {
                var inside = layout.Parts[0].Commands.Select(c => c.CommandText)
                    .Concat(VersionChanges(step.HeadsBefore, step.HeadsAfter))
                    .Prepend(startHistory)
                    .Append(_history.ScriptFinishSql(_dialect));
                AppendTransaction(
                    script,
                    transactional,
                    layout.Before.Select(c => c.CommandText),
                    layout.ChecksForeignKeys ? inside.Append(_dialect.ScriptedForeignKeyCheck) : inside,
                    layout.After.Select(c => c.CommandText));
                continue;
            }

            if (!journalCreated)
            {
                // A script may run where the journal exists already, or not yet.
                AppendStatements(script, CreatedIfNotExists(_journal.CreateCommands()));
                journalCreated = true;
            }

            AppendStatements(script, layout.Before.Select(c => c.CommandText));
            for (var k = 0; k < layout.Parts.Count; k++)
            {
                var part = layout.Parts[k];
                script.AppendLine($"-- part {k + 1} of {layout.Parts.Count}: runs {(part.IsTransactional ? "in a transaction" : "outside a transaction")}");
                if (part.IsTransactional)
                {
                    var inside = part.Commands.Select(c => c.CommandText).Concat(PartRecord(progress, k + 1));
                    if (k == layout.Parts.Count - 1)
                    {
                        inside = inside.Prepend(startHistory);
                    }

                    AppendTransaction(script, transactional, [], layout.ChecksForeignKeys ? inside.Append(_dialect.ScriptedForeignKeyCheck) : inside, []);
                }
                else
                {
                    var alone = _dialect.SessionTimeoutsSql(_options) is var (set, reset)
                        ? [set, part.Commands[0].CommandText, reset]
                        : new[] { part.Commands[0].CommandText };
                    AppendStatements(script, [.. _journal.WriteSql(progress.Entry(k, running: true)), .. alone, .. _journal.WriteSql(progress.Entry(k + 1, running: false))]);
                }
            }

            if (!layout.Parts[^1].IsTransactional)
            {
                script.AppendLine($"-- recording {step.Revision.Id}");
                AppendTransaction(script, transactional, [], PartRecord(progress, layout.Parts.Count).Prepend(startHistory), []);
            }

            AppendStatements(script, layout.After.Select(c => c.CommandText));
        }

        return script.ToString();
    }

    /// <summary>A tool table's CREATE TABLE for a script, which may run where the table exists already, or not yet.</summary>
    private IEnumerable<string> CreatedIfNotExists(IEnumerable<MigrationCommand> create)
        => create.Select(c => _dialect.CreatesTablesIfNotExists
            ? c.CommandText.Replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", StringComparison.Ordinal)
            : c.CommandText);

    private void AppendTransaction(
        System.Text.StringBuilder script, bool transactional, IEnumerable<string> before, IEnumerable<string> inside, IEnumerable<string> after)
    {
        AppendStatements(script, before);
        if (transactional)
        {
            script.AppendLine("BEGIN TRANSACTION" + _sqlHelper.StatementTerminator).AppendLine();
            // The run's timeouts, as a live run sets them: a script never queues behind the app either.
            if (_dialect.TransactionTimeoutsSql(_options) is { } timeouts)
            {
                AppendStatements(script, [timeouts]);
            }
        }

        AppendStatements(script, inside);
        if (transactional)
        {
            script.AppendLine("COMMIT" + _sqlHelper.StatementTerminator).AppendLine();
        }

        AppendStatements(script, after);
    }

    private void AppendStatements(System.Text.StringBuilder script, IEnumerable<string> statements)
    {
        foreach (var statement in statements)
        {
            script.AppendLine(Terminated(statement)).AppendLine();
        }
    }

    private async Task<MigrationPlan> RunAsync(
        MigrationDirection direction, Func<IReadOnlyList<string>, MigrationPlan> planner, CancellationToken cancellationToken)
    {
        RefuseDeclaredPooler();
        try
        {
            return await RunLockedAsync(direction, planner, cancellationToken);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // An interrupt inside a revision is reported by ApplyStepAsync, with the state it left.
            throw new MigrationKitException("Interrupted before any revision ran", "Nothing was changed.", e);
        }
    }

    private async Task<MigrationPlan> RunLockedAsync(
        MigrationDirection direction, Func<IReadOnlyList<string>, MigrationPlan> planner, CancellationToken cancellationToken)
    {
        // Before the connection opens: a missing tool is refused before anything else, and the
        // password is still in the connection string.
        var backup = _options.Backup is { } wanted
            ? DatabaseBackup.For(_context.Database.ProviderName, _connection.ConnectionString ?? "", wanted, _options.LockWait)
            : null;
        await using var session = await BeginSessionAsync(cancellationToken);
        if (backup is not null)
        {
            await backup.CheckAsync(_connection.DbConnection, cancellationToken);
        }

        // Read and plan only once the lock is held: a second process that waited finds the work done.
        var heads = await RenameSquashedRowsAsync(await ReadHeadsAsync(tableExists: true, cancellationToken), cancellationToken);
        Graph.ValidateCurrentHeads(heads);
        var plan = planner(heads);
        _journalEntries.Clear();
        foreach (var entry in await ReadJournalAsync(cancellationToken))
        {
            _journalEntries[entry.Revision] = entry;
        }

        RefuseLeavingPartlyApplied(plan, heads);
        if (_options.SingleTransaction)
        {
            RefuseStatementsOutsideTransactions(plan);
        }

        if (plan.Steps.Count == 0)
        {
            var atHead = heads.Count > 0 && heads.SequenceEqual(Graph.Heads.Select(r => r.Id).Order(StringComparer.Ordinal));
            _log.Information("Nothing to {Direction:l}: the database is at {Heads:l}{Head:l}",
                direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade", Describe(heads), atHead ? " (head)" : "");
            if (backup is not null)
            {
                _log.Information("No backup taken: nothing to run");
            }

            return plan;
        }

        _options.BeforeSteps?.Invoke(plan);
        var taken = backup is null ? null : await backup.TakeAsync(_connection.DbConnection, DateTime.UtcNow, cancellationToken);
        if (taken is not null)
        {
            _log.Information("{Backup:l}", taken.Line);
        }

        try
        {
            await ApplyPlanAsync(plan, planner, cancellationToken);
        }
        catch when (taken is not null)
        {
            // The restore line again, next to the failure it may be needed for.
            _log.Warning("{Backup:l}", taken.Line);
            throw;
        }

        return plan;
    }

    /// <summary>
    /// Rewrites a row that names a revision by another id (the end of a squashed run: its squash;
    /// with <see cref="RevisionCatalog.WalkingReplaced"/> the other way round) at once, in a
    /// transaction of its own under the migration lock, before anything is planned. Both ids mean the
    /// same schema, so a failure or kill on either side of the commit leaves a row every later run
    /// reads right, and the steps that follow find the ids their plan expects. Returns the rows after.
    /// </summary>
    private async Task<IReadOnlyList<string>> RenameSquashedRowsAsync(IReadOnlyList<string> heads, CancellationToken cancellationToken)
    {
        var renames = Graph.RowsToRename(heads);
        if (renames.Count == 0)
        {
            return heads;
        }

        var after = heads.Select(row => renames.GetValueOrDefault(row, row)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await using (var transaction = await _connection.BeginTransactionAsync(cancellationToken))
        {
            await ApplyVersionChangesAsync(heads, after, checkRows: true, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (row, id) in renames)
        {
            _log.Information("Version row {Row} now reads {Revision}: the same schema, under the id the graph knows it by", row, id);
        }

        return after;
    }

    private async Task ApplyPlanAsync(MigrationPlan plan, Func<IReadOnlyList<string>, MigrationPlan> planner, CancellationToken cancellationToken)
    {
        if (_options.SingleTransaction)
        {
            // A lock timeout rolls the whole run back, so a retry plans it again from the version
            // table as it is (nothing of it committed: a statement that refuses transactions is refused here).
            await WithLockRetriesAsync("The run", async attempt => await ApplyInOneTransactionAsync(
                attempt == 0 ? plan.Steps : planner(await ReadHeadsAsync(tableExists: true, cancellationToken)).Steps,
                cancellationToken), cancellationToken);
        }
        else
        {
            foreach (var step in plan.Steps)
            {
                await WithLockRetriesAsync("Running " + step.Describe(), _ => ApplyStepAsync(step, false, cancellationToken), cancellationToken);
            }
        }
    }

    private async Task ApplyInOneTransactionAsync(IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        try
        {
            foreach (var step in steps)
            {
                await ApplyStepAsync(step, true, cancellationToken);
            }

            if (_connection.CurrentTransaction is { } open)
            {
                // Once the commit is sent it completes: an interrupt must not leave its outcome unknown.
                await open.CommitAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (_connection.CurrentTransaction is { } leftOver)
            {
                await leftOver.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (one revision, or the whole run in one transaction) and, when
    /// a statement could not get its lock within the lock timeout (rolled back by then), again after
    /// a growing pause in which the app's queries that queued behind it go through. Gives up after
    /// <see cref="RunnerOptions.LockRetries"/> retries, naming the table and who held it.
    /// </summary>
    private async Task WithLockRetriesAsync(string what, Func<int, Task> attempt, CancellationToken cancellationToken)
    {
        for (var tries = 1; ; tries++)
        {
            MigrationKitException failure;
            var watching = _lockWaits?.Begin(WatchAfter);
            try
            {
                await attempt(tries - 1);
                return;
            }
            catch (MigrationKitException e) when (e.InnerException is DbException db && _dialect.IsLockTimeout(db))
            {
                failure = e;
            }
            finally
            {
                if (watching is not null)
                {
                    await watching.DisposeAsync();
                }
            }

            var blocked = _lockWaits?.Last is { } seen
                ? $"could not lock {seen.Table} within the lock timeout ({DatabaseDialect.Seconds(_options.LockTimeout)} s): it is held by {seen.Holders}"
                : $"could not get a lock within the lock timeout ({DatabaseDialect.Seconds(_options.LockTimeout)} s)";
            if (tries > _options.LockRetries)
            {
                throw new MigrationKitException(
                    $"{what} gave up after {tries} {(tries == 1 ? "try" : "tries")}: {blocked}",
                    failure.Hint + " Run again once the session holding the lock is done, or give it longer with --lock-timeout SECONDS or --retries N.",
                    failure.InnerException);
            }

            var pause = RetryPause(tries);
            _log.Warning("{What:l} {Blocked:l}; try {Next} of {Tries} in {Pause:l} s",
                what, blocked, tries + 1, _options.LockRetries + 1, DatabaseDialect.Seconds(pause));
            try
            {
                await Task.Delay(pause, cancellationToken);
            }
            catch (OperationCanceledException e)
            {
                throw new MigrationKitException($"Interrupted while waiting to try again ({what})", failure.Hint, e);
            }
        }
    }

    /// <summary>
    /// Exponential back-off with jitter: 1, 2, 4 ... s (at most 30), each between half and all of
    /// that, so two runs that collided do not collide again in step.
    /// </summary>
    private static TimeSpan RetryPause(int tries)
        => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, tries - 1)) * (0.5 + Random.Shared.NextDouble() / 2));

    /// <summary>
    /// When the second connection starts looking at what a statement waits for: a quarter of the
    /// lock timeout (at most a second), so it has time to connect and see the wait before the
    /// timeout ends it, while quick statements never open it.
    /// </summary>
    private TimeSpan WatchAfter => TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, _options.LockTimeout.Ticks / 4));

    /// <summary>A revision partly applied is finished before anything else runs: a plan that does not run it is refused.</summary>
    private void RefuseLeavingPartlyApplied(MigrationPlan plan, IReadOnlyList<string> heads)
    {
        foreach (var entry in _journalEntries.Values)
        {
            if (plan.Steps.Any(s => s.Revision.Id == entry.Revision && s.Direction == entry.Direction))
            {
                continue;
            }

            var state = entry.Direction == MigrationDirection.Upgrade ? "partly applied" : "partly undone";
            throw new MigrationKitException(
                $"Revision {entry.Revision} is {state} ({entry.Describe()}); the database is at {Describe(heads)}, and this plan does not finish it.",
                entry.Direction == MigrationDirection.Upgrade
                    ? $"Run `upgrade {entry.Revision}` (or a target after it) to finish it first; see `current -v`."
                    : $"Run `downgrade` to a target before {entry.Revision} to finish undoing it first; see `current -v`.");
        }
    }

    /// <summary>One transaction for the run cannot hold a statement that refuses transactions: refuse before anything runs.</summary>
    private void RefuseStatementsOutsideTransactions(MigrationPlan plan)
    {
        foreach (var step in plan.Steps)
        {
            var parts = _dialect.Arrange(GenerateCommands(step).Commands).Parts;
            for (var k = 0; k < parts.Count; k++)
            {
                if (parts[k].IsTransactional)
                {
                    continue;
                }

                throw new MigrationKitException(
                    $"--single-transaction cannot run {step.Describe()}: its part {k + 1} of {parts.Count} "
                    + $"({Abbreviated(parts[k].Commands[0])}) must run outside a transaction.",
                    "Run without --single-transaction (each revision, or part of one, commits on its own).");
            }
        }
    }

    /// <summary>
    /// Runs one revision, resuming it where the step journal says an earlier run stopped: the unit a
    /// caller may run again after a failure.
    /// </summary>
    private async Task ApplyStepAsync(MigrationStep step, bool inRunTransaction, CancellationToken cancellationToken)
    {
        _log.Information("Running {Step:l}", step.Describe());
        var generated = GenerateCommands(step);
        var (commands, changesDatabase, changesRows, operations) = generated;
        await _dataLoss.CheckAsync(step, operations, _options.RefuseDataLoss, inRunTransaction, cancellationToken);

        var layout = _dialect.Arrange(commands);
        var progress = new StepProgress(step, layout, generated.Checksum);
        var part = 0;
        try
        {
            part = await ResumePointAsync(progress, cancellationToken);
            foreach (var command in layout.Before)
            {
                await ExecuteSuppressedAsync(command, cancellationToken);
            }

            for (; part < layout.Parts.Count; part++)
            {
                if (layout.Parts[part].IsTransactional)
                {
                    await ApplyTransactionalPartAsync(progress, part, inRunTransaction, changesRows, cancellationToken);
                }
                else
                {
                    await ApplySuppressedPartAsync(progress, part, cancellationToken);
                }
            }

            if (!progress.Recorded)
            {
                // The last part ran outside a transaction: a small one of its own records the revision.
                await BeginTransactionAsync(cancellationToken);
                await RecordPartAsync(progress, layout.Parts.Count, cancellationToken);
                await _connection.CurrentTransaction!.CommitAsync(CancellationToken.None);
                Committed(progress, layout.Parts.Count);
            }

            foreach (var command in layout.After)
            {
                await ExecuteSuppressedAsync(command, cancellationToken);
            }
        }
        catch (Exception e) when (e is DbException or NotSupportedException or InvalidOperationException or MigrationKitException
                                  || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (_connection.CurrentTransaction is { } failed)
            {
                await failed.RollbackAsync(CancellationToken.None);
                await failed.DisposeAsync();
            }

            if (e is MigrationKitException)
            {
                throw;
            }

            if (e is DbException && part < layout.Parts.Count && !layout.Parts[part].IsTransactional)
            {
                await ForgetFailedStatementAsync(progress, part);
            }

            var where = layout.IsJournaled && part < layout.Parts.Count ? $" (part {part + 1} of {layout.Parts.Count})" : "";
            var state = State(progress, inRunTransaction);
            throw e switch
            {
                OperationCanceledException => new MigrationKitException($"Interrupted while running {step.Describe()}{where}", state, e),
                DbException db when _dialect.IsStatementTimeout(db) && _options.StatementTimeout > TimeSpan.Zero => new MigrationKitException(
                    $"Running {step.Describe()}{where} was ended by the statement timeout ({DatabaseDialect.Seconds(_options.StatementTimeout.Value)} s)",
                    state + " Give it longer with --statement-timeout SECONDS (0 for no limit).", e),
                _ => new MigrationKitException($"Running {step.Describe()} failed{where}: {OneLine(e.Message)}", state, e),
            };
        }

        if (changesDatabase)
        {
            ReloadProviderTypes();
        }
    }

    /// <summary>
    /// The first part to run: 0, or where the journal says an earlier run stopped. Refuses when the
    /// revision's commands changed since, and makes sure the journal exists before a revision that needs it.
    /// </summary>
    private async Task<int> ResumePointAsync(StepProgress progress, CancellationToken cancellationToken)
    {
        var step = progress.Step;
        if (!_journalEntries.TryGetValue(step.Revision.Id, out var entry))
        {
            if (progress.Layout.IsJournaled && !_journalExists)
            {
                foreach (var command in _journal.CreateCommands())
                {
                    await ExecuteCommandAsync(command, cancellationToken);
                }

                _journalExists = true;
            }

            return 0;
        }

        if (entry.Checksum != progress.Checksum.Value || entry.PartsTotal != progress.Layout.Parts.Count)
        {
            throw new MigrationKitException(
                $"Revision {step.Revision.Id} is partly applied ({entry.Describe()}), but its commands have changed since.",
                "Put back the revision as it was and run again to finish it, or bring the database in order by hand and `stamp` it.");
        }

        _log.Information("Resuming {Revision:l} after part {Done} of {Total}", step.Revision.Id, entry.PartsDone, entry.PartsTotal);
        progress.Done = entry.PartsDone;
        progress.ResumedDuringStatement = entry.StatementRunning;
        return entry.PartsDone;
    }

    private async Task ApplyTransactionalPartAsync(
        StepProgress progress, int part, bool inRunTransaction, bool changesRows, CancellationToken cancellationToken)
    {
        var step = progress.Step;
        var layout = progress.Layout;
        if (!inRunTransaction)
        {
            await BeginTransactionAsync(cancellationToken);
        }

        var middle = layout.Parts[part].Commands;
        var batched = _dialect.RunsStatementBatches;
        if (batched && !layout.IsJournaled && !changesRows && _dialect.CountsRowsOfDataChangesOnly)
        {
            // Nothing in the revision counts rows, so the batch's count is the version rows'
            // alone and still tells whether the table agreed: one round trip for both.
            await ApplyVersionChangesAsync(step.HeadsBefore, step.HeadsAfter, checkRows: true, cancellationToken,
                middle.Select(c => c.CommandText).ToList());
            // After the batch, so that its end time counts the revision's statements.
            await ExecuteAsync(HistoryInsert(progress), cancellationToken);
            progress.Recorded = true;
        }
        else
        {
            if (batched && middle.Count > 1)
            {
                await ExecuteAsync(Batch(middle.Select(c => c.CommandText)), cancellationToken);
            }
            else
            {
                foreach (var command in middle)
                {
                    await ExecuteCommandAsync(command, cancellationToken);
                }
            }

            await RecordPartAsync(progress, part + 1, cancellationToken);
        }

        if (layout.ChecksForeignKeys)
        {
            await CheckForeignKeysAsync(cancellationToken);
        }

        if (!inRunTransaction)
        {
            // Once the commit is sent it completes: an interrupt must not leave its outcome unknown.
            await _connection.CurrentTransaction!.CommitAsync(CancellationToken.None);
        }

        Committed(progress, part + 1);
    }

    /// <summary>
    /// A statement that refuses a transaction, between two journal rows: "started" before it, "done"
    /// after it. A run that finds "started" asks the database whether it completed (an index built
    /// concurrently), and refuses to guess when the database cannot tell.
    /// </summary>
    private async Task ApplySuppressedPartAsync(StepProgress progress, int part, CancellationToken cancellationToken)
    {
        var command = progress.Layout.Parts[part].Commands[0];
        var interrupted = progress.ResumedDuringStatement && part == progress.Done;
        var completed = await _dialect.CheckInterruptedAsync(_connection.DbConnection, command, _log, cancellationToken);
        if (interrupted && completed is null)
        {
            completed = _options.InterruptedStatementCompleted ?? throw InterruptedDuringStatement(progress, part, command);
        }

        if (!(interrupted && completed == true))
        {
            await ExecuteAsync(Batch(_journal.WriteSql(progress.Entry(part, running: true))), cancellationToken);
            await ExecuteAloneAsync(command, cancellationToken);
        }

        await ExecuteAsync(Batch(_journal.WriteSql(progress.Entry(part + 1, running: false))), cancellationToken);
        Committed(progress, part + 1);
    }

    private MigrationKitException InterruptedDuringStatement(StepProgress progress, int part, MigrationCommand command)
    {
        var direction = progress.Step.Direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade";
        return new MigrationKitException(
            $"Revision {progress.Step.Revision.Id} was interrupted during its part {part + 1} of {progress.Layout.Parts.Count}, "
            + $"run outside a transaction ({Abbreviated(command)}); whether it completed is unknown.",
            $"Check whether it completed, then run `{direction}` again with --interrupted-statement done (it completed) "
            + "or --interrupted-statement rerun (it did not); see `current -v`.");
    }

    /// <summary>
    /// In the part's transaction: the journal row saying <paramref name="done"/> parts committed, or,
    /// after the last part, the version-table change and the journal row gone.
    /// </summary>
    private async Task RecordPartAsync(StepProgress progress, int done, CancellationToken cancellationToken)
    {
        var step = progress.Step;
        if (done < progress.Layout.Parts.Count)
        {
            await ExecuteAsync(Batch(_journal.WriteSql(progress.Entry(done, running: false))), cancellationToken);
            return;
        }

        await ApplyVersionChangesAsync(step.HeadsBefore, step.HeadsAfter, checkRows: true, cancellationToken, history: [HistoryInsert(progress)]);
        if (progress.Layout.IsJournaled)
        {
            await ExecuteAsync(_journal.DeleteSql(step.Revision.Id), cancellationToken);
        }

        progress.Recorded = true;
    }

    /// <summary>The step's history row, timed from its start to now (just before its transaction commits).</summary>
    private string HistoryInsert(StepProgress progress)
        => _history.InsertSql(progress.History, progress.Started, DateTime.UtcNow, _dialect);

    /// <summary>The statements <see cref="RecordPartAsync"/> runs, for a script.</summary>
    private IEnumerable<string> PartRecord(StepProgress progress, int done)
        => done < progress.Layout.Parts.Count
            ? _journal.WriteSql(progress.Entry(done, running: false))
            : [.. VersionChanges(progress.Step.HeadsBefore, progress.Step.HeadsAfter), _journal.DeleteSql(progress.Step.Revision.Id), _history.ScriptFinishSql(_dialect)];

    private void Committed(StepProgress progress, int done)
    {
        progress.Done = done;
        progress.ResumedDuringStatement = false;
        if (progress.Recorded)
        {
            _journalEntries.Remove(progress.Step.Revision.Id);
        }
        else if (progress.Layout.IsJournaled)
        {
            _journalEntries[progress.Step.Revision.Id] = progress.Entry(done, running: false);
        }
    }

    /// <summary>
    /// A statement that failed with an error did not complete (a concurrent index build that failed
    /// leaves an invalid index, which the next run drops): the journal may say so, so the next run
    /// runs it again instead of refusing.
    /// </summary>
    private async Task ForgetFailedStatementAsync(StepProgress progress, int part)
    {
        try
        {
            await ExecuteAsync(
                part == 0 ? _journal.DeleteSql(progress.Step.Revision.Id) : Batch(_journal.WriteSql(progress.Entry(part, running: false))),
                CancellationToken.None);
            if (part == 0)
            {
                _journalEntries.Remove(progress.Step.Revision.Id);
            }
        }
        catch (DbException e)
        {
            // The row still says the statement was started: the next run checks instead of trusting it.
            _log.Debug("Could not mark the failed statement in the step journal: {Error:l}", OneLine(e.Message));
        }
    }

    /// <summary>Where a failed or interrupted revision left the database, for the hint.</summary>
    private string State(StepProgress progress, bool inRunTransaction)
    {
        var step = progress.Step;
        if (inRunTransaction)
        {
            return "The revision was rolled back; nothing of this run was applied.";
        }

        if (progress.Recorded)
        {
            return "The revision was applied; the database is at " + Describe(step.HeadsAfter) + ".";
        }

        if (progress.Done == 0)
        {
            return "The revision was rolled back; the database is at " + Describe(step.HeadsBefore) + ".";
        }

        var id = step.Revision.Id;
        var total = progress.Layout.Parts.Count;
        var parts = progress.Done == 1 ? $"Part 1 of {total}" : $"Parts 1-{progress.Done} of {total}";
        var (verb, partly) = step.Direction == MigrationDirection.Upgrade ? ("upgrade", "partly applied") : ("downgrade", "partly undone");
        return $"{parts} of revision {id} committed; the database is at {Describe(step.HeadsBefore)} with {id} {partly}; "
               + $"run `{verb}` again to finish it (see `current -v`).";
    }

    /// <summary>Foreign keys were off for a table rebuild: refuse to commit rows whose parent is gone.</summary>
    private async Task CheckForeignKeysAsync(CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(_dialect.ForeignKeyViolationsQuery);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tables = new SortedSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        if (tables.Count > 0)
        {
            // Caught by ApplyStepAsync, which rolls the revision back and says so.
            throw new InvalidOperationException(
                $"rows of {string.Join(", ", tables)} reference rows that are gone (PRAGMA foreign_key_check)");
        }
    }

    private async Task ExecuteSuppressedAsync(MigrationCommand command, CancellationToken cancellationToken)
    {
        if (_connection.CurrentTransaction is { } open)
        {
            // Same as EF Core: a statement that refuses transactions ends the one in progress.
            await open.CommitAsync(cancellationToken);
            await open.DisposeAsync();
            await ExecuteAloneAsync(command, cancellationToken);
            await BeginTransactionAsync(cancellationToken);
            return;
        }

        await ExecuteAloneAsync(command, cancellationToken);
    }

    /// <summary>A statement outside any transaction, with the run's timeouts for the session while it runs.</summary>
    private async Task ExecuteAloneAsync(MigrationCommand command, CancellationToken cancellationToken)
    {
        if (_dialect.SessionTimeoutsSql(_options) is not var (set, reset))
        {
            await ExecuteCommandAsync(command, cancellationToken);
            return;
        }

        await ExecuteAsync(set, cancellationToken);
        try
        {
            await ExecuteCommandAsync(command, cancellationToken);
        }
        finally
        {
            // The app may get this connection from its pool next: leave it with the server's settings.
            await ExecuteAsync(reset, CancellationToken.None);
        }
    }

    /// <summary>BEGIN, with the run's lock and statement timeouts for the transaction.</summary>
    private async Task BeginTransactionAsync(CancellationToken cancellationToken)
    {
        await _connection.BeginTransactionAsync(cancellationToken);
        if (_dialect.TransactionTimeoutsSql(_options) is { } timeouts)
        {
            await ExecuteAsync(timeouts, cancellationToken);
        }
    }

    private Task ExecuteCommandAsync(MigrationCommand command, CancellationToken cancellationToken)
        => ExecuteAsync(command.CommandText, cancellationToken);

    /// <summary>The step's SQL and what it tells of the step, generated once (<see cref="GeneratedSteps"/>).</summary>
    private GeneratedStep GenerateCommands(MigrationStep step) => _generated.Step(step, () =>
    {
        var operations = StepOperations(step);
        var model = GenerationModel(step.Revision.Id, step.Direction, operations);
        try
        {
            return new GeneratedStep(GenerateSql(operations, model),
                operations.Any(o => o is AlterDatabaseOperation),
                operations.Any(o => o is SqlOperation or InsertDataOperation or UpdateDataOperation or DeleteDataOperation
                    || o.GetType().Namespace != typeof(MigrationOperation).Namespace),
                operations);
        }
        catch (NotSupportedException e)
        {
            throw new MigrationKitException(
                $"Cannot generate SQL for {step.Describe()}: {OneLine(e.Message)}",
                model is null
                    ? "This provider needs the revision's target model for this operation; autogenerate the revision or write the SQL with migrationBuilder.Sql(...)."
                    : null,
                e);
        }
    });

    /// <summary>
    /// What an upgrade to revision <paramref name="id"/> would run, without running it (for lint):
    /// its operations, the SQL the provider generates for them exactly as a run does, and the
    /// models its parents stand at (what the app deployed before it maps).
    /// </summary>
    public RevisionSql UpgradeSql(string id)
    {
        var operations = Operations(id, MigrationDirection.Upgrade);
        var model = GenerationModel(id, MigrationDirection.Upgrade, operations);
        var running = new Lazy<IReadOnlyList<IModel>>(() => Graph.Get(id).Parents.Select(ModelAfter).OfType<IModel>().ToList());
        return new RevisionSql(id, operations, GenerateSql(operations, model), running);
    }

    /// <summary>The SQL the provider generates for operations, with the model standing after them (null: none).</summary>
    public IReadOnlyList<MigrationCommand> GenerateSql(IReadOnlyList<MigrationOperation> operations, IModel? model)
        => _sqlGenerator.Value.Generate(operations, model, MigrationsSqlGenerationOptions.Default);

    /// <summary>The model standing after a revision (its own snapshot or the one it carries forward); null when none is known.</summary>
    public IModel? ModelAfter(string id)
        => _catalog.ModelRevisionOrNone(id) is { } modelRevision ? TargetModel(modelRevision) : null;

    /// <summary>The step's operations, without generating SQL (no model is built).</summary>
    private IReadOnlyList<MigrationOperation> StepOperations(MigrationStep step) => Operations(step.Revision.Id, step.Direction);

    private IReadOnlyList<MigrationOperation> Operations(string id, MigrationDirection direction)
        => _generated.Operations(id, direction, () => _catalog.Operations(id, direction, _context.Database.ProviderName));

    /// <summary>
    /// The model the provider's SQL generator gets for a revision's operations in that direction;
    /// none for operations whose SQL it writes without one (<see cref="DatabaseDialect.GeneratesWithoutModel"/>).
    /// </summary>
    private IModel? GenerationModel(string id, MigrationDirection direction, IReadOnlyList<MigrationOperation> operations)
    {
        if (operations.All(_dialect.GeneratesWithoutModel))
        {
            return null;
        }

        if (direction == MigrationDirection.Upgrade)
        {
            // Only the revision's own snapshot: one that records none may still change the schema
            // by hand, and a SQLite table rebuilt from its parent's model would silently undo that
            // (no model makes the provider refuse such an operation in one line instead).
            return TargetModel(id);
        }

        // The model after the operations: the parent's, which a parent without a snapshot of its
        // own carries forward from its ancestors.
        var parents = Graph.Get(id).Parents;
        return parents.Count > 0 ? ModelAfter(parents[0]) : null;
    }

    private IModel? TargetModel(string id) => _generated.TargetModel(id, () =>
    {
        if (_catalog.BuildTargetModel(id) is not { } snapshot)
        {
            return null;
        }

        // Its relational model built here, once: EF Core builds it on first use, and two threads
        // asking at once (a fleet's workers share these models) can find it neither built nor
        // buildable (see Design's RelationalModels).
        var model = _modelInitializer.Value.Initialize(snapshot.FinalizeModel(), designTime: true);
        model.GetRelationalModel();
        return model;
    });

    private List<string> VersionChanges(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var statements = new List<string>();
        foreach (var id in before.Except(after, StringComparer.Ordinal))
        {
            statements.Add(_versionTable.DeleteSql(id));
        }

        foreach (var id in after.Except(before, StringComparer.Ordinal))
        {
            statements.Add(_versionTable.InsertSql(id));
        }

        return statements;
    }

    /// <param name="leading">Statements that change no rows, to run in the same batch before the version rows' own.</param>
    /// <param name="history">History rows to insert with the version rows, one row each.</param>
    private async Task ApplyVersionChangesAsync(
        IReadOnlyList<string> before, IReadOnlyList<string> after, bool checkRows, CancellationToken cancellationToken,
        IReadOnlyList<string>? leading = null, IReadOnlyList<string>? history = null)
    {
        if (_dialect.RunsStatementBatches)
        {
            var statements = VersionChanges(before, after);
            statements.AddRange(history ?? []);
            if (statements.Count + (leading?.Count ?? 0) == 0)
            {
                return;
            }

            // Every statement touches one row when the table agrees with the graph (the column
            // is the key), so the total tells whether it did.
            var rows = await ExecuteAsync(Batch(leading is null ? statements : leading.Concat(statements)), cancellationToken);
            if (checkRows && statements.Count > 0 && rows != statements.Count)
            {
                throw VersionTableDisagrees(before);
            }

            return;
        }

        foreach (var id in before.Except(after, StringComparer.Ordinal))
        {
            var rows = await ExecuteAsync(_versionTable.DeleteSql(id), cancellationToken);
            if (checkRows && rows != 1)
            {
                throw VersionTableDisagrees(before);
            }
        }

        foreach (var id in after.Except(before, StringComparer.Ordinal))
        {
            await ExecuteAsync(_versionTable.InsertSql(id), cancellationToken);
        }

        foreach (var row in history ?? [])
        {
            await ExecuteAsync(row, cancellationToken);
        }
    }

    /// <summary>Another hand changed the table under us: stop rather than record a lie.</summary>
    private MigrationKitException VersionTableDisagrees(IReadOnlyList<string> expected)
        => new(
            $"Version table '{_versionTable.Name}' does not hold the expected row(s) {Describe(expected)}.",
            "Check the table with `current`, then fix it with `stamp`.");

    /// <summary>Statements joined into one command text.</summary>
    private string Batch(IEnumerable<string> statements) => string.Join("\n", statements.Select(Terminated));

    /// <summary>Raw Sql(...) in a revision often has no terminator; run alone that is fine, in a batch or script it is not.</summary>
    private string Terminated(string statement)
    {
        var text = statement.TrimEnd();
        if (text.EndsWith(_sqlHelper.StatementTerminator, StringComparison.Ordinal))
        {
            return text;
        }

        // After a trailing "-- comment" the terminator needs a line of its own.
        var lastLine = text[(text.LastIndexOf('\n') + 1)..];
        return text + (lastLine.Contains("--", StringComparison.Ordinal) ? "\n" : "") + _sqlHelper.StatementTerminator;
    }

    private async Task<Session> BeginSessionAsync(CancellationToken cancellationToken)
    {
        // Open first and ask whether the database exists only when that fails: asking first
        // costs a connection of its own on every run.
        try
        {
            await _connection.OpenAsync(cancellationToken);
        }
        catch (DbException)
        {
            var creator = _context.GetService<IRelationalDatabaseCreator>();
            if (await Guard(() => creator.ExistsAsync(cancellationToken)))
            {
                await OpenAsync(cancellationToken);
            }
            else
            {
                _log.Information("Creating {Database:l}", DescribeConnection());
                try
                {
                    await creator.CreateAsync(cancellationToken);
                }
                catch (DbException e)
                {
                    // Another process may have created it first (two upgrades of a new database at
                    // once): fine, the lock taken next decides which of the two applies revisions.
                    if (!await Guard(() => creator.ExistsAsync(cancellationToken)))
                    {
                        throw new MigrationKitException($"Cannot create {DescribeConnection()}: {OneLine(e.Message)}", null, e);
                    }
                }

                await OpenAsync(cancellationToken);
            }
        }

        IAsyncDisposable? held = null;
        try
        {
            if (_schema is not null)
            {
                await _dialect.UseSchemaAsync(_connection.DbConnection, _schema, _log, cancellationToken);
            }

            held = await _dialect.AcquireLockAsync(_connection.DbConnection, _versionTable.Name, _options.LockWait, _log, cancellationToken, _schema);
            _lockWaits = _options.LockTimeout > TimeSpan.Zero
                ? await _dialect.WatchLockWaitsAsync(_connection.DbConnection, cancellationToken)
                : null;
            foreach (var create in (IEnumerable<(string Name, Func<IReadOnlyList<MigrationCommand>> Commands)>)
                     [(_versionTable.Name, _versionTable.CreateCommands), (_history.Name, _history.CreateCommands)])
            {
                // A database upgraded before the history existed gets it on its next run.
                if (!await _dialect.TableExistsAsync(_connection.DbConnection, _schema, create.Name, cancellationToken))
                {
                    foreach (var command in create.Commands())
                    {
                        await ExecuteCommandAsync(command, cancellationToken);
                    }
                }
            }

            return new Session(this, held);
        }
        catch
        {
            if (held is not null)
            {
                await held.DisposeAsync();
            }

            await _connection.CloseAsync();
            throw;
        }
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
        => await Guard(() => _connection.OpenAsync(cancellationToken));

    /// <summary>Turns a failure to reach the database into one line that names it (never its password).</summary>
    private async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            throw CannotConnect(_connection.DbConnection, e);
        }
    }

    /// <summary>A read must not create the database (opening a SQLite file that is not there creates it).</summary>
    private static void RefuseMissing(DatabaseDialect dialect, DbConnection connection)
    {
        if (dialect.MissingDatabase(connection) is { } path)
        {
            throw new MigrationKitException(
                $"The database '{path}' does not exist.",
                "Check the connection string (a relative path is taken from the project's folder); `upgrade` creates the database.");
        }
    }

    internal static bool IsConnectionFailure(Exception e)
        => e is DbException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException;

    internal static MigrationKitException CannotConnect(DbConnection connection, Exception e)
        => new($"Cannot connect to {Describe(connection)}: {OneLine(e.Message)}", null, e);

    /// <summary>
    /// The version table's rows over a plain connection of the provider, opened and closed here:
    /// `current` without EF Core's services, whose set-up costs more than the query. Only for the
    /// providers whose dialect knows their connection (<see cref="DatabaseDialect.ConnectionType"/>).
    /// </summary>
    internal static async Task<IReadOnlyList<string>> ReadCurrentHeadsAsync(
        DbConnection connection, string providerName, string versionTable, CancellationToken cancellationToken)
        => (await ReadCurrentStateAsync(connection, providerName, versionTable, withJournal: false, cancellationToken)).Heads;

    /// <summary>
    /// <see cref="ReadCurrentHeadsAsync(DbConnection, string, string, CancellationToken)"/>, and with
    /// <paramref name="withJournal"/> the revisions partly applied (one query more when the journal exists).
    /// </summary>
    internal static async Task<CurrentState> ReadCurrentStateAsync(
        DbConnection connection, string providerName, string versionTable, bool withJournal, CancellationToken cancellationToken)
    {
        var dialect = DatabaseDialect.For(providerName);
        RefuseMissing(dialect, connection);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            throw CannotConnect(connection, e);
        }

        try
        {
            var select = $"SELECT {dialect.DelimitIdentifier(VersionTable.Column)} FROM {dialect.DelimitIdentifier(versionTable)}";
            var heads = await ReadHeadsAsync(dialect, connection, null, versionTable, select, connection.CreateCommand, tableExists: false, cancellationToken);
            var journal = StepJournal.NameFor(versionTable);
            if (!withJournal || !await dialect.TableExistsAsync(connection, null, journal, cancellationToken))
            {
                return new CurrentState(heads, []);
            }

            await using var command = connection.CreateCommand();
            command.CommandText = StepJournal.Select(dialect.DelimitIdentifier, journal);
            return new CurrentState(heads, await StepJournal.ReadAsync(command, cancellationToken));
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <param name="tableExists">True inside a session, which has made sure of the table already.</param>
    private Task<IReadOnlyList<string>> ReadHeadsAsync(bool tableExists, CancellationToken cancellationToken)
        => ReadHeadsAsync(_dialect, _connection.DbConnection, _schema, _versionTable.Name, _versionTable.SelectSql,
            () => CreateCommand(""), tableExists, cancellationToken);

    private static async Task<IReadOnlyList<string>> ReadHeadsAsync(
        DatabaseDialect dialect, DbConnection connection, string? schema, string table, string select, Func<DbCommand> createCommand,
        bool tableExists, CancellationToken cancellationToken)
    {
        if (!tableExists && !await dialect.TableExistsAsync(connection, schema, table, cancellationToken))
        {
            return [];
        }

        await using var command = createCommand();
        command.CommandText = select;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var heads = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            heads.Add(reader.GetString(0));
        }

        heads.Sort(StringComparer.Ordinal);
        return heads;
    }

    /// <summary>
    /// The version table's rows in one query, without the lock or a session's set-up: how a fleet
    /// passes by a target already where it should be. Null when that cannot be told so cheaply
    /// (no database, no version table, no rows, or a revision part-way in the step journal, which
    /// a second query reads only when the journal exists); a run then finds out under the lock.
    /// With <paramref name="keepOpen"/>, a connection it opened stays open for that run (the caller
    /// closes it): a second connection would cost the server a second backend and authentication.
    /// </summary>
    internal async Task<IReadOnlyList<string>?> TryReadSettledHeadsAsync(CancellationToken cancellationToken, bool keepOpen = false)
    {
        if (_dialect.MissingDatabase(_connection.DbConnection) is not null)
        {
            return null;
        }

        try
        {
            await _connection.OpenAsync(cancellationToken);
        }
        catch (DbException)
        {
            return null;
        }

        try
        {
            var heads = new List<string>();
            var journalExists = false;
            await using (var command = CreateCommand(
                $"SELECT {_sqlHelper.DelimitIdentifier(VersionTable.Column)}, {_dialect.TableExistsSql(_schema, _journal.Name)}"
                + $" FROM {_sqlHelper.DelimitIdentifier(_versionTable.Name, _schema)}"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    heads.Add(reader.GetString(0));
                    // A boolean (PostgreSQL) or a number (SQLite, others): see TableExistsSql.
                    journalExists = reader.GetValue(1) is bool exists ? exists : Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) > 0;
                }
            }

            if (journalExists)
            {
                await using var count = CreateCommand($"SELECT COUNT(*) FROM {_sqlHelper.DelimitIdentifier(_journal.Name, _schema)}");
                if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    return null;
                }
            }

            heads.Sort(StringComparer.Ordinal);
            return heads.Count == 0 ? null : heads;
        }
        catch (DbException)
        {
            // Most likely no version table yet (or, with a schema per tenant, no schema).
            return null;
        }
        finally
        {
            if (!keepOpen)
            {
                await _connection.CloseAsync();
            }
        }
    }

    /// <summary>The journal's rows; none when the journal does not exist (it is not created).</summary>
    private async Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(CancellationToken cancellationToken)
    {
        _journalExists = await _dialect.TableExistsAsync(_connection.DbConnection, _schema, _journal.Name, cancellationToken);
        if (!_journalExists)
        {
            return [];
        }

        await using var command = CreateCommand(_journal.SelectSql);
        return await StepJournal.ReadAsync(command, cancellationToken);
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        _log.Debug("{Sql:l}", sql.TrimEnd());
        await using var command = CreateCommand(sql);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand CreateCommand(string sql)
    {
        var command = _connection.DbConnection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _connection.CurrentTransaction?.GetDbTransaction();
        if (_connection.CommandTimeout is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        return command;
    }

    /// <summary>Npgsql caches the server's types; enums and extensions created by a revision need a reload.</summary>
    private void ReloadProviderTypes()
        => _connection.DbConnection.GetType().GetMethod("ReloadTypes", Type.EmptyTypes)?.Invoke(_connection.DbConnection, null);

    internal string DescribeConnection() => Describe(_connection.DbConnection);

    /// <summary>Database and server, never the connection string (which may hold a password).</summary>
    internal static string Describe(DbConnection connection)
    {
        var database = connection.Database;
        var source = connection.DataSource;
        return string.IsNullOrEmpty(database) || database == "main" ? $"'{source}'" : $"database '{database}' on '{source}'";
    }

    private static string Describe(IReadOnlyList<string> heads) => heads.Count == 0 ? "base" : string.Join(", ", heads);

    /// <summary>A statement short enough to name in a one-line message.</summary>
    private static string Abbreviated(MigrationCommand command)
    {
        var text = OneLine(command.CommandText);
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    /// <summary>A failure's message and hint on one line, as the CLI prints it (and a fleet reports it per target).</summary>
    internal static string OneLine(string message, string? hint)
    {
        message = message.TrimEnd();
        if (hint is not null && !message.EndsWith('.') && !message.EndsWith('!') && !message.EndsWith('?'))
        {
            message += ".";
        }

        return OneLine(hint is null ? message : $"{message} {hint}");
    }

    /// <summary>The version table's rows, and the revisions the step journal records as partly applied (or undone).</summary>
    internal sealed record CurrentState(IReadOnlyList<string> Heads, IReadOnlyList<JournalEntry> PartlyApplied);

    /// <summary>How far a revision got in this run: parts committed, and whether its version row is written.</summary>
    private sealed class StepProgress(MigrationStep step, TransactionLayout layout, SqlChecksum checksum)
    {
        public MigrationStep Step => step;

        public TransactionLayout Layout => layout;

        public SqlChecksum Checksum => checksum;

        /// <summary>When this run started the revision (a resumed one: when it resumed it).</summary>
        public DateTime Started { get; } = DateTime.UtcNow;

        public HistoryStep History => new(step.Revision.Id, StepJournal.Direction(step.Direction), checksum);

        public int Done { get; set; }

        /// <summary>The journal said the statement of part <see cref="Done"/> + 1 was started and not known done.</summary>
        public bool ResumedDuringStatement { get; set; }

        public bool Recorded { get; set; }

        public JournalEntry Entry(int done, bool running) => new(step.Revision.Id, step.Direction, done, layout.Parts.Count, running, checksum.Value);
    }

    /// <summary>A declared transaction pooler is refused before anything connects.</summary>
    private void RefuseDeclaredPooler()
    {
        if (_options.TransactionPooler)
        {
            throw PostgreSqlDialect.TransactionPooler(_connection.DbConnection, declared: true);
        }
    }

    private sealed class Session(RevisionRunner runner, IAsyncDisposable heldLock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (runner._lockWaits is { } watch)
            {
                await watch.DisposeAsync();
                runner._lockWaits = null;
            }

            await heldLock.DisposeAsync();
            await runner._connection.CloseAsync();
        }
    }
}
