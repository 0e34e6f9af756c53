using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>
/// Tenants on the test server, reached as a real role without superuser rights (as a SaaS's
/// migrating role is): databases made fast from template databases at a revision, or schemas of
/// one database. Everything it made is dropped on dispose.
/// </summary>
public sealed class PostgresFleet : IAsyncDisposable
{
    private readonly List<string> _databases = [];

    private PostgresFleet(string prefix, string role, string password)
    {
        Prefix = prefix;
        Role = role;
        Password = password;
    }

    /// <summary>Starts every name this fleet gives a database: <c>{Prefix}_007</c>.</summary>
    public string Prefix { get; }

    public string Role { get; }

    public string Password { get; }

    public static async Task<PostgresFleet> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var fleet = new PostgresFleet("fl" + id, "fleet_role_" + id, "pw-" + Guid.NewGuid().ToString("N"));
        await AdminAsync("postgres", $"CREATE ROLE {fleet.Role} LOGIN NOSUPERUSER PASSWORD '{fleet.Password}'");
        return fleet;
    }

    /// <summary>The role's connection string to a database.</summary>
    public string ConnectionTo(string database) => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
    {
        Database = database,
        Username = Role,
        Password = Password,
    }.ConnectionString;

    public FleetTarget Target(string database, string? schema = null) => new(schema ?? database, ConnectionTo(database), schema);

    /// <summary>A database owned by the role (so its public schema is the role's to create in), empty.</summary>
    public async Task<string> CreateDatabaseAsync(string name, string? template = null)
    {
        lock (_databases)
        {
            _databases.Add(name);
        }

        await AdminAsync("postgres", $"CREATE DATABASE \"{name}\" OWNER {Role}" + (template is null ? "" : $" TEMPLATE \"{template}\""));
        return name;
    }

    /// <summary>
    /// <paramref name="count"/> databases named <c>{Prefix}_000</c>..., each a copy of the template
    /// <paramref name="templateOf"/> names for it (four created at once: the server copies files).
    /// </summary>
    public async Task<List<string>> CreateDatabasesAsync(int count, Func<int, string> templateOf)
    {
        var names = Enumerable.Range(0, count).Select(i => $"{Prefix}_{i:000}").ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, _) => await CreateDatabaseAsync(names[i], templateOf(i)));
        return names;
    }

    /// <summary>Runs SQL as the server's superuser in a database.</summary>
    public static async Task AdminAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Admin(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of each row, read as the superuser.</summary>
    public static Task<List<string>> QueryAsync(string database, string sql) => PostgresServer.QueryColumnAsync(Admin(database), sql);

    /// <summary>The client sessions open on the server's databases whose names start with the prefix, or on one database.</summary>
    public async Task<int> SessionsAsync(string? database = null)
        => int.Parse((await QueryAsync("postgres", database is null
            ? $"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname LIKE '{Prefix}%'"
            : $"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = '{database}' AND usename = '{Role}'"))[0],
            System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_databases, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (name, _) => await AdminAsync("postgres", $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        await AdminAsync("postgres", $"DROP ROLE IF EXISTS {Role}");
    }

    private static string Admin(string database)
        => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = database, Pooling = false }.ConnectionString;
}
