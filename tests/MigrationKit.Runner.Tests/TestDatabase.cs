using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests;

/// <summary>A fresh database on a real server (PostgreSQL) or in a real file (SQLite), for one test.</summary>
public sealed class TestDatabase : IDisposable
{
    public const string Postgres = "postgres";
    public const string Sqlite = "sqlite";

    private readonly TempDirectory? _folder;

    private TestDatabase(string provider, string connectionString, TempDirectory? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public static TheoryData<string> Providers => new() { Postgres, Sqlite };

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == Postgres)
        {
            return new TestDatabase(provider, await PostgresServer.CreateDatabaseAsync(), null);
        }

        var folder = new TempDirectory("migratekit-sqlite");
        return new TestDatabase(provider, $"Data Source={folder.File("test.db")};Pooling=False", folder);
    }

    public DbContext NewContext()
    {
        var options = new DbContextOptionsBuilder<TestContext>();
        if (Provider == Postgres)
        {
            options.UseNpgsql(ConnectionString);
        }
        else
        {
            options.UseSqlite(ConnectionString);
        }

        return new TestContext(options.Options);
    }

    public RevisionRunner Runner(Type[] revisions, RunnerOptions? options = null)
        => new(NewContext(), RevisionCatalog.FromTypes(revisions), options);

    /// <summary>User tables, sorted, without the version table.</summary>
    public Task<List<string>> TablesAsync() => QueryAsync(Provider == Postgres
        ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migratekit_version' ORDER BY 1"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'migratekit_version' ORDER BY 1");

    public Task<List<string>> VersionRowsAsync() => QueryAsync("SELECT version_num FROM migratekit_version ORDER BY 1");

    public async Task<List<string>> QueryAsync(string sql)
    {
        using var context = NewContext();
        var connection = context.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    public void Dispose() => _folder?.Dispose();

    private sealed class TestContext(DbContextOptions<TestContext> options) : DbContext(options);
}
