using System.Net.Sockets;
using MigrationKit.Core;
using MigrationKit.Transfer.Tables;
using Npgsql;
using Serilog;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// One end of a transfer: its connections, and what it says about itself (revision, columns,
/// foreign keys). Connection failures become one line that names the server, never the password.
/// </summary>
internal sealed class PostgresEndpoint : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresEndpoint(string role, NpgsqlDataSource dataSource, string display)
    {
        Role = role;
        _dataSource = dataSource;
        Display = display;
    }

    /// <summary>"source" or "target", as messages name it.</summary>
    public string Role { get; }

    /// <summary>host:port/database, without credentials.</summary>
    public string Display { get; }

    public static PostgresEndpoint Create(string role, string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new MigrationKitException($"The {role} connection string is not valid: {e.Message}");
        }

        // The COPY streams are long; a command timeout would cut a large table off half-way.
        builder.CommandTimeout = 0;

        // So no read waits for ever on a server that vanished (host down, network cut): the kernel
        // probes an idle socket and fails the read when nobody answers, in about two minutes. A Unix
        // socket (a path) has no keepalive, and no network to lose.
        var unixSocket = builder.Host is { } host && (host.StartsWith('/') || host.StartsWith('@'));
        if (!unixSocket && builder.TcpKeepAliveTime == 0)
        {
            builder.TcpKeepAlive = true;
            builder.TcpKeepAliveTime = 30;
            builder.TcpKeepAliveInterval = 10;
        }

        var display = $"{builder.Host}:{builder.Port}/{builder.Database}";
        return new PostgresEndpoint(role, NpgsqlDataSource.Create(builder.ConnectionString), display);
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new MigrationKitException($"Cannot connect to the {Role} database {Display}: {Reason(e)}", null, e);
        }
    }

    /// <summary>A failure's own words: the server's message, else the network's.</summary>
    public static string Reason(Exception e) => e switch
    {
        PostgresException pg => pg.MessageText,
        NpgsqlException { InnerException: { } inner } => inner.Message,
        _ => e.Message,
    };

    /// <summary>The revisions in the version table, sorted; empty when the table does not exist.</summary>
    public static async Task<IReadOnlyList<string>> ReadRevisionAsync(NpgsqlConnection connection, string versionTable, CancellationToken cancellationToken)
    {
        var quoted = PgSql.Quote(versionTable);
        if (await ScalarAsync(connection, $"SELECT to_regclass({PgSql.Literal(quoted)}) IS NOT NULL", cancellationToken) is not true)
        {
            return [];
        }

        // version_num is the column the runner's VersionTable writes.
        var revisions = await ListAsync(connection, $"SELECT version_num FROM {quoted} ORDER BY 1", r => r.GetString(0), cancellationToken);
        return revisions;
    }

    /// <summary>Every column of every table the connection's user can see, outside the system schemas.</summary>
    public static async Task<DatabaseCatalog> ReadCatalogAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var defaultSchema = (string)(await ScalarAsync(connection, "SELECT current_schema()", cancellationToken))!;
        var rows = await ListAsync(connection, """
            SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated <> ''
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
            """,
            r => (Schema: r.GetString(0), Table: r.GetString(1), Column: new CatalogColumn(r.GetString(2), r.GetString(3), r.GetBoolean(4))),
            cancellationToken);
        var tables = new Dictionary<(string, string), Dictionary<string, CatalogColumn>>();
        foreach (var (schema, table, column) in rows)
        {
            if (!tables.TryGetValue((schema, table), out var columns))
            {
                tables[(schema, table)] = columns = new Dictionary<string, CatalogColumn>(StringComparer.Ordinal);
            }

            columns[column.Name] = column;
        }

        return new DatabaseCatalog(defaultSchema, tables);
    }

    /// <summary>
    /// The database's migration lock, the one upgrade takes (the runner's own code), held until
    /// disposed: a copy never loads a target while an upgrade changes its schema, nor two copies one
    /// target. Session-level, so a killed copy's lock goes with its connection.
    /// </summary>
    public static Task<IAsyncDisposable> LockForMigrationAsync(
        NpgsqlConnection connection, string versionTable, TimeSpan wait, ILogger log, CancellationToken cancellationToken)
        => Runner.Database.DatabaseDialect.For(Runner.Database.DatabaseDialect.PostgreSqlProvider)
            .AcquireLockAsync(connection, versionTable, wait, log, cancellationToken);

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<List<T>> ListAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(read(reader));
        }

        return values;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
