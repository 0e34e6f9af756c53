using System.Data.Common;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

internal sealed class PostgreSqlDialect : DatabaseDialect
{
    public override bool HasTransactionalDdl => true;

    public override string ConnectionType => "Npgsql.NpgsqlConnection, Npgsql";

    public override string DelimitIdentifier(string name) => DoubleQuoted(name);

    // The server counts rows only for statements that read or change rows (SELECT, INSERT, ...),
    // none of which EF Core's schema operations emit.
    public override bool CountsRowsOfDataChangesOnly => true;

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
        => await ScalarAsync(connection, "SELECT to_regclass(@name) IS NOT NULL", cancellationToken, ("name", QuoteForRegclass(table))) is true;

    // Typed parameters: PostgreSQL cannot infer the type of a NULL compared only with IS NULL.
    public override string CountColumnsSql
        => "SELECT count(*) FROM information_schema.columns WHERE table_name = @table"
           + " AND table_schema = COALESCE(CAST(@schema AS text), current_schema()) AND (CAST(@column AS text) IS NULL OR column_name = @column)";

    /// <summary>
    /// A session-level advisory lock: the server frees it when the connection ends, so a process
    /// killed with -9 never leaves a lock behind (EF Core's lock row can be abandoned).
    /// </summary>
    public override Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var key = MigrationLockKey.ForPostgres(connection.Database, versionTable);
        return WaitForLockAsync(
            async () => await ScalarAsync(connection, "SELECT pg_try_advisory_lock(@key)", cancellationToken, ("key", key)) is true
                ? new Release(async () =>
                {
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await ScalarAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", key));
                    }
                })
                : null,
            RevisionRunner.Describe(connection),
            () => HolderAsync(connection, key, cancellationToken),
            wait,
            log,
            cancellationToken);
    }

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

    private static string QuoteForRegclass(string table) => "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
