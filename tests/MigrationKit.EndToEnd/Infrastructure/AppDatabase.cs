using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>One test's database, and the environment that points a throwaway app at it.</summary>
public sealed class AppDatabase : ScratchDatabase
{
    private AppDatabase(string provider, string connectionString, TempDirectory? folder)
        : base(provider, connectionString, folder)
    {
    }

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
        var (connectionString, folder) = await CreateEmptyAsync(provider, "app.db");
        return new AppDatabase(provider, connectionString, folder);
    }

    /// <summary>A PostgreSQL database that does not exist yet.</summary>
    public static AppDatabase PostgresNotCreated(out string name)
        => new(Postgres, PostgresServer.NewDatabaseName(PostgresServer.ConnectionString, out name), null);

    /// <summary>A PostgreSQL database that exists already (a fleet's target).</summary>
    public static AppDatabase PostgresAt(string connectionString) => new(Postgres, connectionString, null);

    public static AppDatabase SqliteFile(string path) => new(Sqlite, $"Data Source={path}", null);

    public static async Task<bool> PostgresDatabaseExistsAsync(string name)
        => (await PostgresServer.QueryColumnAsync(
            new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString,
            $"SELECT count(*) FROM pg_database WHERE datname = '{name}'")).Single() == "1";
}
