using System.Data.Common;
using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

/// <summary>
/// The few things EF Core's provider services do not give us: how to ask whether a table exists
/// and how to hold a migration lock. Everything else (DDL, quoting) comes from the provider itself.
/// </summary>
internal abstract class DatabaseDialect
{
    public const string PostgreSqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";
    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";

    /// <summary>Whether DDL can be rolled back, so that one transaction per revision makes it all-or-nothing.</summary>
    public abstract bool HasTransactionalDdl { get; }

    /// <summary>
    /// Whether one command may carry several statements, so a revision costs one round trip
    /// instead of one per statement.
    /// </summary>
    public virtual bool RunsStatementBatches => HasTransactionalDdl;

    /// <summary>
    /// Whether a batch's affected-row count comes from INSERT/UPDATE/DELETE alone (DDL counts
    /// nothing), so a revision's DDL and its version-row change can share one round trip and the
    /// count still tells whether the version table agreed.
    /// </summary>
    public virtual bool CountsRowsOfDataChangesOnly => false;

    /// <summary>
    /// The provider's ADO.NET connection type ("Type, Assembly"), when the version table can be
    /// read over a plain connection of it, quoted by <see cref="DelimitIdentifier"/> instead of
    /// the provider's EF Core services; null when only EF Core knows the way.
    /// </summary>
    public virtual string? ConnectionType => null;

    /// <summary>A quoted identifier, for the dialects that read without EF Core.</summary>
    public virtual string DelimitIdentifier(string name)
        => throw new NotSupportedException("Identifiers of this provider are quoted by its EF Core services.");

    /// <summary>The SQL standard's quoting, which PostgreSQL and SQLite share.</summary>
    protected static string DoubleQuoted(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static DatabaseDialect For(string? providerName) => providerName switch
    {
        PostgreSqlProvider => new PostgreSqlDialect(),
        SqliteProvider => new SqliteDialect(),
        _ => new GenericDialect(),
    };

    /// <summary>
    /// A revision's commands cut into parts (<see cref="RevisionPart"/>): each run of transactional
    /// statements is one transaction, each statement that refuses a transaction
    /// (<see cref="MigrationCommand.TransactionSuppressed"/>) a part of its own. Used alike by the
    /// live run and by <c>--sql</c> scripts, so a script does what a run does.
    /// </summary>
    public virtual TransactionLayout Arrange(IReadOnlyList<MigrationCommand> commands) => new([], Parts(commands), []);

    /// <summary>One transactional part even when there are no commands: the version-table change needs one.</summary>
    protected static IReadOnlyList<RevisionPart> Parts(IReadOnlyList<MigrationCommand> commands)
    {
        var parts = new List<RevisionPart>();
        var run = new List<MigrationCommand>();
        foreach (var command in commands)
        {
            if (!command.TransactionSuppressed)
            {
                run.Add(command);
                continue;
            }

            if (run.Count > 0)
            {
                parts.Add(new RevisionPart(run));
                run = [];
            }

            parts.Add(new RevisionPart([command]));
        }

        if (run.Count > 0 || parts.Count == 0)
        {
            parts.Add(new RevisionPart(run));
        }

        return parts;
    }

    /// <summary>Whether a CREATE TABLE may say IF NOT EXISTS, so a script can create the step journal wherever it runs.</summary>
    public virtual bool CreatesTablesIfNotExists => false;

    /// <summary>The history's database user: an expression the database evaluates as the row is written ("NULL" where it has no users).</summary>
    public virtual string DatabaseUserSql => "CURRENT_USER";

    /// <summary>The time now by the database's clock, in the form the history's timestamps take (for a script's rows).</summary>
    public virtual string ClockSql => "CURRENT_TIMESTAMP";

    /// <summary>Milliseconds from <paramref name="column"/> to <see cref="ClockSql"/> (a script's duration); "NULL" where unknown.</summary>
    public virtual string MillisecondsSinceSql(string column) => "NULL";

    /// <summary>
    /// Whether a suppressed statement that a run was interrupted in (or that failed) completed,
    /// as far as the database shows: true done, false not done and ready to run again (what a
    /// failed attempt left is cleared), null when the database cannot tell.
    /// </summary>
    public virtual Task<bool?> CheckInterruptedAsync(DbConnection connection, MigrationCommand command, Serilog.ILogger log, CancellationToken cancellationToken)
        => Task.FromResult<bool?>(null);

    /// <summary>
    /// A query listing the rows whose foreign key finds no parent (first column the table), run
    /// before COMMIT when <see cref="TransactionLayout.ChecksForeignKeys"/>.
    /// </summary>
    public virtual string ForeignKeyViolationsQuery => throw new NotSupportedException();

    /// <summary>The same check as a script statement that fails, and rolls the transaction back, on a violation.</summary>
    public virtual string ScriptedForeignKeyCheck => throw new NotSupportedException();

    /// <summary>
    /// The database's path when opening would create it (a SQLite file that does not exist), so
    /// that a command that only reads can refuse instead; null when it exists or only the server knows.
    /// </summary>
    public virtual string? MissingDatabase(DbConnection connection) => null;

    /// <summary>
    /// A query counting the columns of table <c>@table</c> in schema <c>@schema</c> (null: the
    /// default one), or only the one named <c>@column</c> when that is not null; zero when the table
    /// does not exist. The data-loss counts ask it first: a query on a missing table would fail
    /// (and abort a PostgreSQL transaction).
    /// </summary>
    public virtual string CountColumnsSql
        => "SELECT count(*) FROM information_schema.columns WHERE table_name = @table"
           + " AND (@schema IS NULL OR table_schema = @schema) AND (@column IS NULL OR column_name = @column)";

    /// <summary>Whether the table exists, without creating anything and without failing a transaction.</summary>
    /// <param name="schema">Look in this schema only; null: wherever an unqualified name finds the table.</param>
    public abstract Task<bool> TableExistsAsync(DbConnection connection, string? schema, string table, CancellationToken cancellationToken);

    /// <summary>
    /// Makes sure the schema of a tenant exists (creating it, as a run creates a missing database)
    /// and comes first on the connection's <c>search_path</c>, where the revisions' unqualified SQL
    /// and the version table go. PostgreSQL only.
    /// </summary>
    public virtual Task UseSchemaAsync(DbConnection connection, string schema, Serilog.ILogger log, CancellationToken cancellationToken)
        => throw new MigrationKitException($"A schema per tenant ('{schema}') needs PostgreSQL.");

    /// <summary>
    /// A SQL expression, true or a count above 0 when the table exists (in that schema when given):
    /// for a query that reads a table and asks about another in one round trip. A scalar subquery,
    /// which standard SQL (and SQL Server, unlike a bare EXISTS) allows in a select list.
    /// </summary>
    public virtual string TableExistsSql(string? schema, string table)
        => $"(SELECT COUNT(*) FROM information_schema.tables WHERE table_name = {Literal(table)}"
           + (schema is null ? "" : $" AND table_schema = {Literal(schema)}") + ")";

    protected static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The statements that give one transaction the run's lock and statement timeouts
    /// (<c>SET LOCAL</c>, which ends with the transaction); null where the database has none.
    /// </summary>
    public virtual string? TransactionTimeoutsSql(RunnerOptions options) => null;

    /// <summary>
    /// The same timeouts for a statement that runs outside a transaction: set for the session
    /// before it, and the second statement resets them after it. Null where the database has none.
    /// </summary>
    public virtual (string Set, string Reset)? SessionTimeoutsSql(RunnerOptions options) => null;

    /// <summary>Whether a statement failed because it could not get a lock in time (worth a retry).</summary>
    public virtual bool IsLockTimeout(DbException e) => false;

    /// <summary>Whether the statement timeout ended a statement.</summary>
    public virtual bool IsStatementTimeout(DbException e) => false;

    /// <summary>
    /// What tells, while a statement of <paramref name="connection"/> waits for a lock, what it
    /// waits for and who holds it; null where the database cannot tell.
    /// </summary>
    public virtual Task<LockWaitWatch?> WatchLockWaitsAsync(DbConnection connection, CancellationToken cancellationToken)
        => Task.FromResult<LockWaitWatch?>(null);

    /// <summary>
    /// Waits, at most <paramref name="wait"/>, until no other process migrates this database (upgrade,
    /// downgrade, stamp, or a copy into it), and holds that until disposed. The runner and copy both
    /// take the lock here.
    /// </summary>
    /// <param name="schema">The tenant's schema (schema per tenant): the lock is the schema's, not the database's.</param>
    public abstract Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken, string? schema = null);

    /// <summary>
    /// Tries <paramref name="tryTake"/> until it gives the lock or <paramref name="wait"/> is over;
    /// says once that it waits, and when it gives up, what it waited for and who holds it.
    /// </summary>
    /// <param name="holder">Who holds the lock, as far as the database can tell.</param>
    protected static async Task<IAsyncDisposable> WaitForLockAsync(
        Func<Task<IAsyncDisposable?>> tryTake, string database, Func<Task<string>> holder, TimeSpan wait, Serilog.ILogger log,
        CancellationToken cancellationToken)
    {
        if (await tryTake() is { } held)
        {
            return held;
        }

        log.Information("Waiting for the migration lock of {Database:l}, held by {Holder:l} (at most {Seconds:l} s)",
            database, await holder(), Seconds(wait));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < wait)
        {
            var left = wait - clock.Elapsed;
            await Task.Delay(left < PollInterval ? left : PollInterval, cancellationToken);
            if (await tryTake() is { } taken)
            {
                return taken;
            }
        }

        throw new MigrationKitException(
            $"Gave up after {Seconds(wait)} s waiting for the migration lock of {database}: it is held by {await holder()}.",
            "Run again once that process is done, or wait longer with --lock-wait SECONDS.");
    }

    // Polling (not a blocking wait) keeps every wait bounded without touching session settings.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    internal static string Seconds(TimeSpan wait) => wait.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    protected static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteScalarAsync(cancellationToken);
    }

    protected sealed class Release(Func<ValueTask> release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => release();
    }
}

/// <summary>A revision's commands: session settings before its first part, its parts, settings after its last.</summary>
/// <param name="ChecksForeignKeys">Foreign keys are off during the parts, so each transaction checks them before COMMIT.</param>
internal sealed record TransactionLayout(
    IReadOnlyList<MigrationCommand> Before,
    IReadOnlyList<RevisionPart> Parts,
    IReadOnlyList<MigrationCommand> After,
    bool ChecksForeignKeys = false)
{
    /// <summary>
    /// Whether the revision runs in more than one transaction, so the step journal records its
    /// progress; a revision of one transactional part runs as one transaction, without a journal.
    /// </summary>
    public bool IsJournaled => Parts.Count > 1 || !Parts[0].IsTransactional;
}

/// <summary>Statements that run in one transaction, or one statement that runs outside any.</summary>
internal sealed record RevisionPart(IReadOnlyList<MigrationCommand> Commands)
{
    public bool IsTransactional => Commands.Count != 1 || !Commands[0].TransactionSuppressed;
}
