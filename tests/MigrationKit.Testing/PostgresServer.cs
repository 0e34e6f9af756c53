using Npgsql;

namespace MigrationKit.Testing;

/// <summary>
/// The PostgreSQL server of this test run, started by scripts/test.sh (which exports
/// MIGRATEKIT_TEST_PG). Each test gets a database of its own. Without a server the tests that
/// need one fail, loudly: they never skip.
/// </summary>
public static class PostgresServer
{
    public const string Variable = "MIGRATEKIT_TEST_PG";

    /// <summary>The server's connection string, without a database.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so there is no PostgreSQL to test against. Run the tests with scripts/test.sh, " +
                "which starts a throwaway server from the installed PostgreSQL binaries (apt-get install postgresql-15).");

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A connection string to a database that does not exist yet (MigrationKit creates it).</summary>
    public static string NewDatabaseName(string connectionString, out string name)
    {
        name = "t_" + Guid.NewGuid().ToString("N")[..16];
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    public static async Task<List<string>> QueryColumnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.IsDBNull(0) ? "<null>" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}
