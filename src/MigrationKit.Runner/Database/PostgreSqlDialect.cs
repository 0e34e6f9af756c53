using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

internal sealed partial class PostgreSqlDialect : DatabaseDialect
{
    public override bool HasTransactionalDdl => true;

    public override string ConnectionType => "Npgsql.NpgsqlConnection, Npgsql";

    public override string DelimitIdentifier(string name) => DoubleQuoted(name);

    // The server counts rows only for statements that read or change rows (SELECT, INSERT, ...),
    // none of which EF Core's schema operations emit.
    public override bool CountsRowsOfDataChangesOnly => true;

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
        => await ScalarAsync(connection, "SELECT to_regclass(@name) IS NOT NULL", cancellationToken, ("name", QuoteForRegclass(table))) is true;

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

    public override bool CreatesTablesIfNotExists => true;

    /// <summary>
    /// A <c>CREATE INDEX CONCURRENTLY</c> that failed or was killed leaves an INVALID index, which
    /// blocks running it again; a VALID one of that name on that table means it completed. Any other
    /// statement the server cannot vouch for.
    /// </summary>
    public override async Task<bool?> CheckInterruptedAsync(
        DbConnection connection, MigrationCommand command, Serilog.ILogger log, CancellationToken cancellationToken)
    {
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

    private static string Unquoted(string identifier) => identifier.StartsWith('"')
        ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
        : identifier.ToLowerInvariant();

    private static string QuoteForRegclass(string table) => "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
