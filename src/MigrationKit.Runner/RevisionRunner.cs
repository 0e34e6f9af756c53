using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;
using MigrationKit.Runner.Database;
using MigrationKit.Runner.DataLoss;
using Serilog;

namespace MigrationKit.Runner;

/// <summary>
/// Applies plans of the revision graph to the database behind a DbContext: one transaction per
/// revision (or one for the run), the version table changed in the same transaction as the
/// revision it records, and a lock held for the whole run so two processes never interleave.
/// </summary>
public sealed class RevisionRunner
{
    private readonly DbContext _context;
    private readonly RevisionCatalog _catalog;
    private readonly RunnerOptions _options;
    private readonly ILogger _log;
    private readonly DatabaseDialect _dialect;
    private readonly VersionTable _versionTable;
    private readonly IRelationalConnection _connection;
    private readonly ISqlGenerationHelper _sqlHelper;
    // Resolved on first use: `current` needs only the connection, and creating the SQL generator
    // and its type mappings would cost it time for nothing.
    private readonly Lazy<IMigrationsSqlGenerator> _sqlGenerator;
    private readonly Lazy<IModelRuntimeInitializer> _modelInitializer;
    private readonly Dictionary<string, IModel?> _targetModels = new(StringComparer.Ordinal);
    private readonly DataLossCounter _dataLoss;

    public RevisionRunner(DbContext context, RevisionCatalog catalog, RunnerOptions? options = null, ILogger? logger = null)
    {
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
    }

    public RevisionGraph Graph => _catalog.Graph;

    /// <summary>The version table's rows; empty when the table does not exist (it is not created).</summary>
    public async Task<IReadOnlyList<string>> GetCurrentHeadsAsync(CancellationToken cancellationToken = default)
    {
        RefuseMissing(_dialect, _connection.DbConnection);
        await OpenAsync(cancellationToken);
        try
        {
            return await ReadHeadsAsync(tableExists: false, cancellationToken);
        }
        finally
        {
            await _connection.CloseAsync();
        }
    }

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
    {
        await using var session = await BeginSessionAsync(cancellationToken);
        var before = purge ? [] : await ReadHeadsAsync(tableExists: true, cancellationToken);
        if (!purge)
        {
            Graph.ValidateCurrentHeads(before);
        }

        var after = Graph.Stamp(before, targets, purge);
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        if (purge)
        {
            await ExecuteAsync(_versionTable.DeleteAllSql, cancellationToken);
        }

        await ApplyVersionChangesAsync(before, after, checkRows: !purge, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _log.Information("Stamped {Heads:l}", after.Count == 0 ? "base" : string.Join(", ", after));
        return after;
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

        foreach (var step in plan.Steps)
        {
            script.Append("-- Running ").AppendLine(step.Describe());
            var layout = _dialect.Arrange(GenerateCommands(step).Commands);
            var inside = layout.Inside.Select(c => c.CommandText).Concat(VersionChanges(step.HeadsBefore, step.HeadsAfter));
            AppendTransaction(
                script,
                transactional,
                layout.Before.Select(c => c.CommandText),
                layout.ChecksForeignKeys ? inside.Append(_dialect.ScriptedForeignKeyCheck) : inside,
                layout.After.Select(c => c.CommandText));
        }

        return script.ToString();
    }

    private void AppendTransaction(
        System.Text.StringBuilder script, bool transactional, IEnumerable<string> before, IEnumerable<string> inside, IEnumerable<string> after)
    {
        AppendStatements(script, before);
        if (transactional)
        {
            script.AppendLine("BEGIN TRANSACTION" + _sqlHelper.StatementTerminator).AppendLine();
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
        await using var session = await BeginSessionAsync(cancellationToken);
        // Read and plan only once the lock is held: a second process that waited finds the work done.
        var heads = await ReadHeadsAsync(tableExists: true, cancellationToken);
        Graph.ValidateCurrentHeads(heads);
        var plan = planner(heads);
        if (plan.Steps.Count == 0)
        {
            var atHead = heads.Count > 0 && heads.SequenceEqual(Graph.Heads.Select(r => r.Id).Order(StringComparer.Ordinal));
            _log.Information("Nothing to {Direction:l}: the database is at {Heads:l}{Head:l}",
                direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade", Describe(heads), atHead ? " (head)" : "");
            return plan;
        }

        IDbContextTransaction? runTransaction = _options.SingleTransaction
            ? await _connection.BeginTransactionAsync(cancellationToken)
            : null;
        try
        {
            foreach (var step in plan.Steps)
            {
                await ApplyStepAsync(step, runTransaction is not null, cancellationToken);
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

        return plan;
    }

    private async Task ApplyStepAsync(MigrationStep step, bool inRunTransaction, CancellationToken cancellationToken)
    {
        _log.Information("Running {Step:l}", step.Describe());
        var (commands, changesDatabase, changesRows, operations) = GenerateCommands(step);
        await _dataLoss.CheckAsync(step, operations, _options.RefuseDataLoss, inRunTransaction, cancellationToken);

        var layout = _dialect.Arrange(commands);

        var committed = false;
        try
        {
            foreach (var command in layout.Before)
            {
                await ExecuteSuppressedAsync(command, cancellationToken);
            }

            if (!inRunTransaction)
            {
                await _connection.BeginTransactionAsync(cancellationToken);
            }

            var middle = layout.Inside;
            var batched = _dialect.RunsStatementBatches && !middle.Any(c => c.TransactionSuppressed);
            if (batched && !changesRows && _dialect.CountsRowsOfDataChangesOnly)
            {
                // Nothing in the revision counts rows, so the batch's count is the version rows'
                // alone and still tells whether the table agreed: one round trip for both.
                await ApplyVersionChangesAsync(step.HeadsBefore, step.HeadsAfter, checkRows: true, cancellationToken,
                    middle.Select(c => c.CommandText).ToList());
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
                        await (command.TransactionSuppressed
                            ? ExecuteSuppressedAsync(command, cancellationToken)
                            : ExecuteCommandAsync(command, cancellationToken));
                    }
                }

                await ApplyVersionChangesAsync(step.HeadsBefore, step.HeadsAfter, checkRows: true, cancellationToken);
            }

            if (layout.ChecksForeignKeys)
            {
                await CheckForeignKeysAsync(cancellationToken);
            }

            if (!inRunTransaction)
            {
                // Once the commit is sent it completes: an interrupt must not leave its outcome unknown.
                await _connection.CurrentTransaction!.CommitAsync(CancellationToken.None);
                committed = true;
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

            var state = committed
                ? "The revision was applied; the database is at " + Describe(step.HeadsAfter) + "."
                : "The revision was rolled back; " + (inRunTransaction ? "nothing of this run was applied." : "the database is at " + Describe(step.HeadsBefore) + ".");
            throw e is OperationCanceledException
                ? new MigrationKitException($"Interrupted while running {step.Describe()}", state, e)
                : new MigrationKitException($"Running {step.Describe()} failed: {OneLine(e.Message)}", state, e);
        }

        if (changesDatabase)
        {
            ReloadProviderTypes();
        }
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
            await ExecuteCommandAsync(command, cancellationToken);
            await _connection.BeginTransactionAsync(cancellationToken);
            return;
        }

        await ExecuteCommandAsync(command, cancellationToken);
    }

    private Task ExecuteCommandAsync(MigrationCommand command, CancellationToken cancellationToken)
        => ExecuteAsync(command.CommandText, cancellationToken);

    /// <summary>
    /// The step's SQL; whether it changes database-level objects (enums, extensions); whether it
    /// may change rows (raw SQL, seed data, or an operation of the provider's own that we do not
    /// know); and the operations the SQL comes from.
    /// </summary>
    private (IReadOnlyList<MigrationCommand> Commands, bool ChangesDatabase, bool ChangesRows, IReadOnlyList<MigrationOperation> Operations)
        GenerateCommands(MigrationStep step)
    {
        var operations = StepOperations(step);
        var model = GenerationModel(step);
        try
        {
            return (_sqlGenerator.Value.Generate(operations, model, MigrationsSqlGenerationOptions.Default),
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
    }

    /// <summary>The step's operations: the revision's upgrade or downgrade.</summary>
    private IReadOnlyList<MigrationOperation> StepOperations(MigrationStep step)
    {
        var revision = _catalog.Create(step.Revision.Id);
        var provider = _context.Database.ProviderName;
        return step.Direction == MigrationDirection.Upgrade
            ? revision.GetUpgradeOperations(provider)
            : revision.GetDowngradeOperations(provider);
    }

    /// <summary>The model the step's SQL is generated with (built only when SQL is).</summary>
    private IModel? GenerationModel(MigrationStep step)
        => step.Direction == MigrationDirection.Upgrade
            // Only the revision's own snapshot: one that records none may still change the schema
            // by hand, and a SQLite table rebuilt from its parent's model would silently undo that
            // (no model makes the provider refuse such an operation in one line instead).
            ? TargetModel(step.Revision.Id)
            // The SQL generator needs the model after the operations: the parent's, which a parent
            // without a snapshot of its own carries forward from its ancestors.
            : step.Revision.Parents.Count > 0 && _catalog.ModelRevisionOrNone(step.Revision.Parents[0]) is { } parentModel
                ? TargetModel(parentModel)
                : null;

    private IModel? TargetModel(string id)
    {
        if (_targetModels.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var snapshot = _catalog.BuildTargetModel(id);
        var model = snapshot is null ? null : _modelInitializer.Value.Initialize(snapshot.FinalizeModel(), designTime: true);
        _targetModels[id] = model;
        return model;
    }

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
    private async Task ApplyVersionChangesAsync(
        IReadOnlyList<string> before, IReadOnlyList<string> after, bool checkRows, CancellationToken cancellationToken, IReadOnlyList<string>? leading = null)
    {
        if (_dialect.RunsStatementBatches)
        {
            var statements = VersionChanges(before, after);
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
            held = await _dialect.AcquireLockAsync(_connection.DbConnection, _versionTable.Name, _options.LockWait, _log, cancellationToken);
            if (!await _dialect.TableExistsAsync(_connection.DbConnection, _versionTable.Name, cancellationToken))
            {
                foreach (var command in _versionTable.CreateCommands())
                {
                    await ExecuteCommandAsync(command, cancellationToken);
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

    private static bool IsConnectionFailure(Exception e)
        => e is DbException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException;

    private static MigrationKitException CannotConnect(DbConnection connection, Exception e)
        => new($"Cannot connect to {Describe(connection)}: {OneLine(e.Message)}", null, e);

    /// <summary>
    /// The version table's rows over a plain connection of the provider, opened and closed here:
    /// `current` without EF Core's services, whose set-up costs more than the query. Only for the
    /// providers whose dialect knows their connection (<see cref="DatabaseDialect.ConnectionType"/>).
    /// </summary>
    internal static async Task<IReadOnlyList<string>> ReadCurrentHeadsAsync(
        DbConnection connection, string providerName, string versionTable, CancellationToken cancellationToken)
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
            return await ReadHeadsAsync(dialect, connection, versionTable, select, connection.CreateCommand, tableExists: false, cancellationToken);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <param name="tableExists">True inside a session, which has made sure of the table already.</param>
    private Task<IReadOnlyList<string>> ReadHeadsAsync(bool tableExists, CancellationToken cancellationToken)
        => ReadHeadsAsync(_dialect, _connection.DbConnection, _versionTable.Name, _versionTable.SelectSql,
            () => CreateCommand(""), tableExists, cancellationToken);

    private static async Task<IReadOnlyList<string>> ReadHeadsAsync(
        DatabaseDialect dialect, DbConnection connection, string table, string select, Func<DbCommand> createCommand, bool tableExists,
        CancellationToken cancellationToken)
    {
        if (!tableExists && !await dialect.TableExistsAsync(connection, table, cancellationToken))
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

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private sealed class Session(RevisionRunner runner, IAsyncDisposable heldLock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await heldLock.DisposeAsync();
            await runner._connection.CloseAsync();
        }
    }
}
