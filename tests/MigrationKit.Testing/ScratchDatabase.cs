using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MigrationKit.Testing;

/// <summary>
/// One test's database on a real server (PostgreSQL) or in a real file (SQLite), read back through
/// the catalog with plain connections, never through MigrationKit.
/// </summary>
public class ScratchDatabase : IDisposable
{
    public const string Postgres = "postgres";
    public const string Sqlite = "sqlite";
    public const string VersionTable = "migratekit_version";
    public const string HistoryTable = "migratekit_history";

    private readonly TempDirectory? _folder;

    protected ScratchDatabase(string provider, string connectionString, TempDirectory? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    /// <summary>An empty database: on the run's PostgreSQL server, or a SQLite file not created yet.</summary>
    protected static async Task<(string ConnectionString, TempDirectory? Folder)> CreateEmptyAsync(
        string provider, string sqliteFile, string sqliteOptions = "")
    {
        if (provider == Postgres)
        {
            return (await PostgresServer.CreateDatabaseAsync(), null);
        }

        var folder = new TempDirectory("migratekit-db");
        return ($"Data Source={folder.File(sqliteFile)}{sqliteOptions}", folder);
    }

    /// <summary>User tables, sorted, without the version table and the history (which every run creates).</summary>
    public Task<List<string>> TablesAsync() => QueryAsync(Provider == Postgres
        ? $"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('{VersionTable}', '{HistoryTable}') ORDER BY 1"
        : $"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('{VersionTable}', '{HistoryTable}') ORDER BY 1");

    /// <summary>The version table's rows, sorted; empty when the table does not exist.</summary>
    public async Task<List<string>> VersionRowsAsync()
    {
        var exists = await QueryAsync(Provider == Postgres
            ? $"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{VersionTable}'"
            : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{VersionTable}'");
        return exists.Single() == "0" ? [] : await QueryAsync($"SELECT version_num FROM {VersionTable} ORDER BY 1");
    }

    /// <summary>The first column of every row, as invariant text.</summary>
    public async Task<List<string>> QueryAsync(string sql)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    /// <summary>Runs SQL the way psql or sqlite3 would run a script file: every statement, in order.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Waits until no other client is connected to this PostgreSQL database. A killed client's session
    /// lives on until the server next reads from it (after the statement in flight), and until then it
    /// can still commit a COMMIT the client sent just before it died: reading earlier would race with it.
    /// </summary>
    public async Task WaitForOtherSessionsToEndAsync()
    {
        if (Provider != Postgres)
        {
            return;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await QueryAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).Single() != "0")
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Another session is still connected to the database 30 s after its client ended.");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _folder?.Dispose();
        GC.SuppressFinalize(this);
    }

    // No pooling: a pooled connection would keep a SQLite file open, or a PostgreSQL session alive, after the check.
    private DbConnection Open() => Provider == Postgres
        ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString)
        : new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
}
