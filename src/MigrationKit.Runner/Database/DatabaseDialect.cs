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
    /// Where a revision's commands run around its transaction: those that refuse a transaction
    /// (<see cref="MigrationCommand.TransactionSuppressed"/>) before BEGIN or after COMMIT when they
    /// lead or trail it, so the revision and its version row still commit together. Used alike by
    /// the live run and by <c>--sql</c> scripts, so a script does what a run does.
    /// </summary>
    public virtual TransactionLayout Arrange(IReadOnlyList<MigrationCommand> commands)
    {
        var first = 0;
        while (first < commands.Count && commands[first].TransactionSuppressed)
        {
            first++;
        }

        var last = commands.Count - 1;
        while (last >= first && commands[last].TransactionSuppressed)
        {
            last--;
        }

        return new TransactionLayout(commands.Take(first).ToList(), commands.Skip(first).Take(last - first + 1).ToList(), commands.Skip(last + 1).ToList());
    }

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
    public abstract Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken);

    /// <summary>
    /// Waits, at most <paramref name="wait"/>, until no other process migrates this database (upgrade,
    /// downgrade, stamp, or a copy into it), and holds that until disposed. The runner and copy both
    /// take the lock here.
    /// </summary>
    public abstract Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken);

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

    private static string Seconds(TimeSpan wait) => wait.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

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

/// <summary>A revision's commands: before BEGIN, inside the transaction, after COMMIT.</summary>
/// <param name="ChecksForeignKeys">Foreign keys are off during the transaction, so they are checked before COMMIT.</param>
internal sealed record TransactionLayout(
    IReadOnlyList<MigrationCommand> Before,
    IReadOnlyList<MigrationCommand> Inside,
    IReadOnlyList<MigrationCommand> After,
    bool ChecksForeignKeys = false);
