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

    /// <summary>
    /// A session-level advisory lock: the server frees it when the connection ends, so a process
    /// killed with -9 never leaves a lock behind (EF Core's lock row can be abandoned).
    /// </summary>
    public override async Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string versionTable, CancellationToken cancellationToken)
    {
        var key = MigrationLockKey.ForPostgres(connection.Database, versionTable);
        await ScalarAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", key));
        return new Release(async () =>
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ScalarAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", key));
            }
        });
    }

    private static string QuoteForRegclass(string table) => "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
