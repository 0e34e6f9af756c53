using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

internal sealed partial class PostgreSqlDialect : DatabaseDialect
{
    public override bool HasTransactionalDdl => true;

    /// <remarks>
    /// Npgsql's generator reads the model for a column without a store type, a full-text search
    /// (tsvector) column or index, seeding (InsertData), AlterColumn and AlterDatabase; EF's for a
    /// column without a store type and the data operations.
    /// </remarks>
    public override bool GeneratesWithoutModel(MigrationOperation operation) => operation switch
    {
        CreateTableOperation table => table.Columns.All(ColumnWithoutModel),
        AddColumnOperation column => ColumnWithoutModel(column),
        CreateIndexOperation index => index.FindAnnotation(TsVectorConfig) is null,
        DropColumnOperation or DropTableOperation or DropIndexOperation or RenameColumnOperation or RenameTableOperation
            or RenameIndexOperation or AddForeignKeyOperation or DropForeignKeyOperation or AddPrimaryKeyOperation
            or DropPrimaryKeyOperation or AddUniqueConstraintOperation or DropUniqueConstraintOperation
            or AddCheckConstraintOperation or DropCheckConstraintOperation or EnsureSchemaOperation or DropSchemaOperation
            or CreateSequenceOperation or AlterSequenceOperation or RenameSequenceOperation or RestartSequenceOperation
            or DropSequenceOperation or SqlOperation => true,
        _ => false,
    };

    private const string TsVectorConfig = "Npgsql:TsVectorConfig";

    private static bool ColumnWithoutModel(ColumnOperation column) => column.ColumnType is not null && column.FindAnnotation(TsVectorConfig) is null;

    public override string ConnectionType => "Npgsql.NpgsqlConnection, Npgsql";

    public override string DelimitIdentifier(string name) => DoubleQuoted(name);

    // The server counts rows only for statements that read or change rows (SELECT, INSERT, ...),
    // none of which EF Core's schema operations emit.
    public override bool CountsRowsOfDataChangesOnly => true;

    public override async Task<bool> TableExistsAsync(DbConnection connection, string? schema, string table, CancellationToken cancellationToken)
        => await ScalarAsync(connection, "SELECT to_regclass(@name) IS NOT NULL", cancellationToken, ("name", QuoteForRegclass(schema, table))) is true;

    public override string TableExistsSql(string? schema, string table) => $"(to_regclass({Literal(QuoteForRegclass(schema, table))}) IS NOT NULL)";

    /// <summary>
    /// The schema is first on <c>search_path</c> (the connection string says so) once it exists:
    /// until then PostgreSQL skips it, and the revisions' tables would land in the next schema.
    /// </summary>
    public override async Task UseSchemaAsync(DbConnection connection, string schema, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, "SELECT current_schema()", cancellationToken) as string == schema)
        {
            return;
        }

        log.Information("Creating schema {Schema:l}", schema);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE SCHEMA IF NOT EXISTS " + DoubleQuoted(schema);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        if (await ScalarAsync(connection, "SELECT current_schema()", cancellationToken) as string != schema)
        {
            throw new MigrationKitException(
                $"The schema '{schema}' of {RevisionRunner.Describe(connection)} is not the first on search_path: the role may not use it.",
                "GRANT USAGE, CREATE ON SCHEMA to the role that migrates.");
        }
    }

    // Typed parameters: PostgreSQL cannot infer the type of a NULL compared only with IS NULL.
    public override string CountColumnsSql
        => "SELECT count(*) FROM information_schema.columns WHERE table_name = @table"
           + " AND table_schema = COALESCE(CAST(@schema AS text), current_schema()) AND (CAST(@column AS text) IS NULL OR column_name = @column)";

    /// <summary>
    /// A session-level advisory lock: the server frees it when the connection ends, so a process
    /// killed with -9 never leaves a lock behind (EF Core's lock row can be abandoned). Behind a
    /// pooler in transaction mode such a lock does not hold, so that is refused first.
    /// </summary>
    public override async Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken, string? schema = null)
    {
        var backend = await RefuseTransactionPoolerAsync(connection, cancellationToken);
        var key = MigrationLockKey.ForPostgres(connection.Database, versionTable, schema);
        return await WaitForLockAsync(
            async () => await TryLockAsync(connection, key, backend, cancellationToken)
                ? new Release(async () =>
                {
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await ScalarAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", key));
                    }
                })
                : null,
            RevisionRunner.Describe(connection) + (schema is null ? "" : $" (schema {schema})"),
            () => HolderAsync(connection, key, cancellationToken),
            wait,
            log,
            cancellationToken);
    }

    /// <summary>
    /// Takes the lock only on the server session seen before: a session that changed between two
    /// transactions is a pooler's doing, and a lock taken there would stay with the pooler's
    /// server connection, for whichever client gets it next.
    /// </summary>
    private static async Task<bool> TryLockAsync(DbConnection connection, long key, int backend, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CASE WHEN pg_backend_pid() = @backend THEN pg_try_advisory_lock(@key) END";
        foreach (var (name, value) in new (string, object)[] { ("backend", backend), ("key", key) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            bool taken => taken,
            _ => throw TransactionPooler(connection),
        };
    }

    /// <summary>
    /// A pooler in transaction mode (PgBouncer's pool_mode = transaction) lends a server session
    /// for one transaction at a time. On a direct connection the process id the server announced
    /// when the connection opened (Npgsql's ProcessID) is the session's own, so nothing more is
    /// asked. A pooler announces one of its own making; then two tells: a second client that gets
    /// the very session this connection just used (what a quiet pooler does, as PgBouncer reuses
    /// the last-released session first), and <see cref="TryLockAsync"/>'s check that the next
    /// transaction still runs on it (what a busy one does). A pooler in session mode passes both.
    /// Returns this connection's server process id.
    /// </summary>
    private static async Task<int> RefuseTransactionPoolerAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var backend = Convert.ToInt32(await ScalarAsync(connection, "SELECT pg_backend_pid()", cancellationToken), CultureInfo.InvariantCulture);
        if (AnnouncedProcessId(connection) == backend)
        {
            return backend;
        }

        int other;
        try
        {
            await using var second = SecondConnection(connection);
            await second.OpenAsync(cancellationToken);
            other = Convert.ToInt32(await ScalarAsync(second, "SELECT pg_backend_pid()", cancellationToken), CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            // No second connection to be had (max_connections reached): the lock's own check remains.
            return backend;
        }

        return other == backend ? throw TransactionPooler(connection) : backend;
    }

    /// <summary>The process id the server (or a pooler) announced when the connection opened; null when the driver does not say.</summary>
    private static int? AnnouncedProcessId(DbConnection connection)
        => connection.GetType().GetProperty("ProcessID")?.GetValue(connection) as int?;

    /// <param name="declared">The user said so (<see cref="RunnerOptions.TransactionPooler"/>), rather than the server's sessions.</param>
    /// <summary>
    /// A connection of its own to the same database, with the same credentials (Npgsql's CloneWith
    /// keeps the password that the connection string no longer shows once open), outside the app's
    /// pool: a pool with no room left while the run holds one of its connections would make it wait.
    /// </summary>
    public static DbConnection SecondConnection(DbConnection connection)
    {
        var unpooled = new DbConnectionStringBuilder { ConnectionString = connection.ConnectionString };
        unpooled["Pooling"] = "false";
        return connection.GetType().GetMethod("CloneWith", [typeof(string)])?.Invoke(connection, [unpooled.ConnectionString]) as DbConnection
               ?? (DbConnection)((ICloneable)connection).Clone();
    }

    public static MigrationKitException TransactionPooler(DbConnection connection, bool declared = false)
        => new(
            $"The connection to {RevisionRunner.Describe(connection)} goes through a pooler in transaction mode"
            + (declared ? " (as the settings declare)" : " (its server session changed hands between two transactions)")
            + ", where the migration lock cannot hold.",
            "Connect to the PostgreSQL server directly (its own port, usually 5432), not through the pooler.");

    // SET LOCAL, not SET: it ends with the transaction, also behind a pooler, and never leaks
    // into the app's pooled connection afterwards.
    public override string TransactionTimeoutsSql(RunnerOptions options) => TimeoutsSql(options, "SET LOCAL");

    public override (string Set, string Reset)? SessionTimeoutsSql(RunnerOptions options)
        => (TimeoutsSql(options, "SET"), "RESET lock_timeout" + (options.StatementTimeout is null ? "" : "; RESET statement_timeout"));

    private static string TimeoutsSql(RunnerOptions options, string set)
        => $"{set} lock_timeout = {Milliseconds(options.LockTimeout)}"
           + (options.StatementTimeout is { } statement ? $"; {set} statement_timeout = {Milliseconds(statement)}" : "");

    /// <summary>Whole milliseconds, at least 1 for anything above zero (0 means none), at most the server's maximum.</summary>
    private static long Milliseconds(TimeSpan timeout)
        => (long)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));

    // 55P03 lock_not_available: lock_timeout, or NOWAIT.
    public override bool IsLockTimeout(DbException e) => e.SqlState == "55P03";

    // 57014 query_canceled: the statement timeout, or pg_cancel_backend (an interrupt of ours
    // arrives as OperationCanceledException instead).
    public override bool IsStatementTimeout(DbException e) => e.SqlState == "57014";

    // Asked, not the announced id: behind a pooler in session mode that is the pooler's own.
    public override async Task<LockWaitWatch?> WatchLockWaitsAsync(DbConnection connection, CancellationToken cancellationToken)
        => new(connection, Convert.ToInt32(await ScalarAsync(connection, "SELECT pg_backend_pid()", cancellationToken), CultureInfo.InvariantCulture));

    /// <summary>The session holding the advisory lock, from pg_locks (a bigint key is classid:objid, objsubid 1).</summary>
    private static async Task<string> HolderAsync(DbConnection connection, long key, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT l.pid, a.application_name
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = @high AND l.objid::bigint = @low
            """;
        foreach (var (name, value) in new[] { ("high", (long)(uint)(key >> 32)), ("low", (long)(uint)key) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return "a session that has just let it go";
        }

        var application = reader.IsDBNull(1) ? "" : reader.GetString(1);
        return $"the session of pid {reader.GetInt32(0)}" + (application.Length > 0 ? $" (application '{application}')" : "");
    }

    public override bool CreatesTablesIfNotExists => true;

    // now() is the transaction's start; clock_timestamp() moves on within it.
    public override string ClockSql => "clock_timestamp()";

    public override string MillisecondsSinceSql(string column) => $"CAST(EXTRACT(EPOCH FROM clock_timestamp() - {column}) * 1000 AS bigint)";

    /// <summary>
    /// A <c>CREATE INDEX CONCURRENTLY</c> that failed or was killed leaves an INVALID index, which
    /// blocks running it again; a VALID one of that name on that table means it completed. A
    /// <c>VALIDATE CONSTRAINT</c> (the second half of a foreign key or check added NOT VALID) is
    /// done when the catalog says the constraint is validated, and safe to run again when not. Any
    /// other statement the server cannot vouch for.
    /// </summary>
    public override async Task<bool?> CheckInterruptedAsync(
        DbConnection connection, MigrationCommand command, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        if (ValidateConstraint().Match(command.CommandText) is { Success: true } validate)
        {
            var validated = await ScalarAsync(
                connection,
                "SELECT convalidated FROM pg_constraint WHERE conrelid = to_regclass(@table) AND conname = @constraint",
                cancellationToken,
                ("table", validate.Groups["table"].Value),
                ("constraint", Unquoted(validate.Groups["constraint"].Value)));
            return validated as bool?;
        }

        if (ConcurrentIndex().Match(command.CommandText) is not { Success: true } match)
        {
            return null;
        }

        var index = match.Groups["index"].Value;
        var valid = await ScalarAsync(
            connection,
            """
            SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = to_regclass(@table) AND c.relname = @index
            """,
            cancellationToken,
            ("table", match.Groups["table"].Value),
            ("index", Unquoted(index)));
        if (valid is not false)
        {
            return valid is true;
        }

        log.Information("Dropping the invalid index {Index:l} left by an earlier attempt, to build it again", index);
        var schema = await ScalarAsync(
            connection, "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(@table)",
            cancellationToken, ("table", match.Groups["table"].Value));
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"DROP INDEX CONCURRENTLY IF EXISTS {DoubleQuoted((string)schema!)}.{DoubleQuoted(Unquoted(index))}";
        await drop.ExecuteNonQueryAsync(cancellationToken);
        return false;
    }

    // The index name of CREATE INDEX is never schema-qualified (the index lives in its table's schema).
    [GeneratedRegex("""
        ^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(IF\s+NOT\s+EXISTS\s+)?(?<index>"(?:[^"]|"")+"|\w+)\s+ON\s+(ONLY\s+)?(?<table>(?:"(?:[^"]|"")+"|\w+)(?:\.(?:"(?:[^"]|"")+"|\w+))?)
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex ConcurrentIndex();

    [GeneratedRegex("""
        ^\s*ALTER\s+TABLE\s+(ONLY\s+)?(?<table>(?:"(?:[^"]|"")+"|\w+)(?:\.(?:"(?:[^"]|"")+"|\w+))?)\s+VALIDATE\s+CONSTRAINT\s+(?<constraint>"(?:[^"]|"")+"|\w+)\s*;?\s*$
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex ValidateConstraint();

    private static string Unquoted(string identifier) => identifier.StartsWith('"')
        ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
        : identifier.ToLowerInvariant();

    private static string QuoteForRegclass(string? schema, string table)
        => (schema is null ? "" : DoubleQuoted(schema) + ".") + DoubleQuoted(table);
}
