using System.Data.Common;
using Microsoft.Data.Sqlite;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>
/// One test's database, read back through the catalog (never through MigrationKit), and the
/// environment that points a throwaway app at it.
/// </summary>
public sealed class AppDatabase : IDisposable
{
    public const string Postgres = "postgres";
    public const string Sqlite = "sqlite";
    public const string VersionTable = "migratekit_version";

    private readonly TempDirectory? _folder;

    private AppDatabase(string provider, string connectionString, TempDirectory? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public static TheoryData<string> Providers => new() { Postgres, Sqlite };

    /// <summary>What the apps of <see cref="ThrowawayApp.Create"/> read: the provider, and the connection the tool uses.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        [ThrowawayApp.ProviderVariable] = Provider,
        ["MIGRATEKIT_CONNECTION"] = ConnectionString,
    };

    /// <summary>An empty database: on the run's PostgreSQL server, or a SQLite file not created yet.</summary>
    public static async Task<AppDatabase> CreateAsync(string provider)
    {
        if (provider == Postgres)
        {
            return new AppDatabase(provider, await PostgresServer.CreateDatabaseAsync(), null);
        }

        var folder = new TempDirectory("migratekit-e2e-db");
        return new AppDatabase(provider, $"Data Source={folder.File("app.db")}", folder);
    }

    /// <summary>A PostgreSQL database that does not exist yet.</summary>
    public static AppDatabase PostgresNotCreated(out string name)
        => new(Postgres, PostgresServer.NewDatabaseName(PostgresServer.ConnectionString, out name), null);

    public static AppDatabase SqliteFile(string path) => new(Sqlite, $"Data Source={path}", null);

    public static async Task<bool> PostgresDatabaseExistsAsync(string name)
        => (await PostgresServer.QueryColumnAsync(
            new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString,
            $"SELECT count(*) FROM pg_database WHERE datname = '{name}'")).Single() == "1";

    /// <summary>User tables, sorted, without the version table.</summary>
    public Task<List<string>> TablesAsync() => QueryAsync(Provider == Postgres
        ? $"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '{VersionTable}' ORDER BY 1"
        : $"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '{VersionTable}' ORDER BY 1");

    /// <summary>The version table's rows, sorted; empty when the table does not exist.</summary>
    public async Task<List<string>> VersionRowsAsync()
    {
        var exists = await QueryAsync(Provider == Postgres
            ? $"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{VersionTable}'"
            : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{VersionTable}'");
        return exists.Single() == "0" ? [] : await QueryAsync($"SELECT version_num FROM {VersionTable} ORDER BY 1");
    }

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

    public void Dispose() => _folder?.Dispose();

    // No pooling: a pooled connection would keep a SQLite file open, or a PostgreSQL session alive, after the check.
    private DbConnection Open() => Provider == Postgres
        ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString)
        : new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
}
