using System.Data.Common;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;
using Serilog;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// One end of a copy that moves values rather than raw COPY bytes (a copy with SQLite at either
/// end): what it says about itself, how it reads a table and how it loads one. Each end is one
/// connection; units run one after another in their own transaction, begun and ended in SQL (so
/// every command joins it, which Microsoft.Data.Sqlite otherwise asks of each command).
/// </summary>
internal abstract class RowDatabase(string role) : IAsyncDisposable
{
    /// <summary>"source" or "target", as messages name it.</summary>
    public string Role { get; } = role;

    /// <summary>Where the database is, without credentials.</summary>
    public abstract string Display { get; }

    public abstract DbConnection Connection { get; }

    /// <summary>The engine, which --where is rendered for.</summary>
    public abstract DatabaseKind Kind { get; }

    public static async Task<RowDatabase> OpenAsync(TransferEndpoint endpoint, string role, CancellationToken cancellationToken)
        => endpoint.Kind == DatabaseKind.Sqlite
            ? SqliteRows.Open(endpoint.ConnectionString, role)
            : await PostgresRows.OpenAsync(endpoint.ConnectionString, role, cancellationToken);

    /// <summary>Which database this is, the same for every spelling of its connection string (see <see cref="SameDatabase"/>).</summary>
    public abstract Task<string> IdentityAsync(CancellationToken cancellationToken);

    public abstract Task<IReadOnlyList<string>> ReadRevisionAsync(string versionTable, CancellationToken cancellationToken);

    public abstract Task<DatabaseCatalog> ReadCatalogAsync(CancellationToken cancellationToken);

    /// <summary>Why the column cannot hold the model's values, or null when it can.</summary>
    public abstract string? CannotHold(ColumnValue value, CatalogColumn column);

    public abstract string Table(TransferTable table);

    /// <summary>As a source: one read-only transaction that every later read shares.</summary>
    public abstract Task BeginSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>The plan's columns, in its order, of the rows its filter keeps.</summary>
    public async Task<DbDataReader> ReadAsync(TablePlan plan, CancellationToken cancellationToken)
    {
        var where = plan.Where is null ? "" : $" WHERE {plan.Where.Sql(Kind)}";
        var command = Command($"SELECT {PgSql.Columns(plan.Columns)} FROM {Table(plan.Table)}{where}");
        try
        {
            return await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        }
        catch (DbException e)
        {
            await command.DisposeAsync();
            throw new MigrationKitException($"Reading {plan.Table} from the {Role} failed: {Reason(e)}", plan.Where is null ? null : "Check its --where predicate.", e);
        }
    }

    /// <summary>As a target: the foreign keys checked at once, which order a cycle's tables; null when none is.</summary>
    public abstract Task<IReadOnlySet<string>?> NonDeferrableForeignKeysAsync(bool disableTriggers, CancellationToken cancellationToken);

    /// <summary>As a target: the migration lock that upgrade takes, held until disposed, so a copy never loads a database an upgrade is changing.</summary>
    public abstract Task<IAsyncDisposable> LockForMigrationAsync(string versionTable, TimeSpan wait, ILogger log, CancellationToken cancellationToken);

    /// <summary>Begins the unit's transaction; with <paramref name="truncate"/>, empties its tables inside it.</summary>
    protected abstract Task BeginUnitAsync(LoadUnit unit, bool disableTriggers, bool truncate, CancellationToken cancellationToken);

    /// <summary>What a unit's transaction must still do before its commit (a target may have set something aside in <see cref="BeginUnitAsync"/>).</summary>
    protected virtual Task FinishUnitAsync(LoadUnit unit, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Empties the unit's tables when asked (--truncate), runs <paramref name="load"/> and commits, all
    /// in the unit's own transaction; any failure rolls it back, so the unit's tables are as they were
    /// or complete.
    /// </summary>
    public async Task LoadUnitAsync(LoadUnit unit, bool disableTriggers, bool truncate, Func<Task> load, CancellationToken cancellationToken)
    {
        try
        {
            await BeginUnitAsync(unit, disableTriggers, truncate, cancellationToken);
            await load();
            await FinishUnitAsync(unit, cancellationToken);
            await CommitAsync(cancellationToken);
        }
        catch (DbException e)
        {
            await RollbackAsync();
            throw Failed(string.Join(", ", unit.Tables.Select(t => t.DisplayName)), e);
        }
        catch
        {
            await RollbackAsync();
            throw;
        }
    }

    public Task CommitAsync(CancellationToken cancellationToken) => ExecuteAsync("COMMIT", cancellationToken);

    /// <summary>After a failure: whatever the unit wrote is dropped; a connection already gone has dropped it.</summary>
    public async Task RollbackAsync()
    {
        try
        {
            await ExecuteAsync("ROLLBACK", CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // No transaction left to roll back, or no connection: nothing was kept.
        }
    }

    /// <summary>Starts loading one table inside the unit's transaction.</summary>
    public abstract Task<ITableLoad> BeginTableAsync(TablePlan plan, int index, ConflictMode mode, CancellationToken cancellationToken);

    /// <summary>A load's failure as one line; the unit's transaction is rolled back, so the target keeps the tables as they were.</summary>
    /// <param name="advice">What the hint may advise; <see cref="LoadAdvice.Copy"/> by default.</param>
    public abstract MigrationKitException Failed(string tables, DbException e, LoadAdvice? advice = null);

    public abstract string Reason(DbException e);

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected DbCommand Command(string sql)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return command;
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>One table's load: a row is started, its values written through <see cref="IRowSink"/>, and ended.</summary>
internal interface ITableLoad : IRowSink, IAsyncDisposable
{
    ValueTask StartRowAsync(CancellationToken cancellationToken);

    ValueTask EndRowAsync(CancellationToken cancellationToken);

    /// <summary>Every row written: the table's rows are final (upserted, sequences set) but not committed.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
}
