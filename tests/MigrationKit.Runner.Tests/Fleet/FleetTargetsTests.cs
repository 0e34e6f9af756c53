using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>Where a fleet's targets come from: files (real files), a catalog query, a server's databases and a database's schemas (real PostgreSQL).</summary>
public sealed class FleetTargetsTests
{
    private const string Password = "s3cret-Tenant-pw";

    [Fact]
    public void A_file_of_lines_gives_one_target_a_line_named_host_and_database_or_file_skipping_blanks_and_comments()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("targets.txt"), $"""
            # tenants of the EU cluster
            Host=db1.example;Database=tenant_a;Username=app;Password={Password}

              Host=db1.example;Database=tenant_b;Password={Password}
            Data Source=tenants/c.db
            """);

        var targets = FleetTargets.ReadFile(folder.File("targets.txt"), projectDirectory: "/srv/app");

        Assert.Equal(["db1.example/tenant_a", "db1.example/tenant_b", "c.db"], targets.Select(t => t.Name));
        Assert.Equal($"Host=db1.example;Database=tenant_b;Password={Password}", targets[1].ConnectionString);
        // A relative SQLite file is the project's, as the app's own connection string is.
        Assert.Equal("/srv/app/tenants/c.db", new SqliteConnectionStringBuilder(targets[2].ConnectionString).DataSource);
        Assert.All(targets, t => Assert.Null(t.Schema));
    }

    [Fact]
    public void A_json_file_gives_names_and_schemas_or_plain_connection_strings()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("named.json"), $$"""
            [
              {"name": "acme", "connection": "Host=h;Database=shared;Password={{Password}}", "schema": "acme"},
              {"name": "globex", "connection": "Host=h;Database=shared;Password={{Password}}", "schema": "globex"}
            ]
            """);
        File.WriteAllText(folder.File("plain.json"), """["Host=h;Database=one", "Host=h;Database=two"]""");

        var named = FleetTargets.ReadFile(folder.File("named.json"));
        var plain = FleetTargets.ReadFile(folder.File("plain.json"));

        Assert.Equal([("acme", "acme"), ("globex", "globex")], named.Select(t => (t.Name, t.Schema!)));
        Assert.Equal(["h/one", "h/two"], plain.Select(t => t.Name));
        Assert.DoesNotContain(Password, named[0].ToString());
    }

    [Theory]
    [InlineData("Host=h;Database=a;Password=" + Password + "\n\nHost=h;Database=b;Password" + Password + "\n", 3, "not a connection string")]
    [InlineData("Host=h;Database=a;Password=" + Password + "\n# again\nHost=h;Database=a;Password=" + Password + "\n", 3, "the target name 'h/a' is also the name on line 1")]
    [InlineData("Host=h;Password=" + Password + "\n", 1, "names no database")]
    [InlineData("[\n  {\"name\": \"a\", \"connection\": \"Host=h;Database=a\"},\n  {\"name\": \"b\", \"schema\": \"" + Password + "\"}\n]", 3, "has no \"connection\"")]
    [InlineData("[\n  \"Host=h;Database=a\",\n  {\"name\": \"b\", \"conection\": \"Host=h;Password=" + Password + "\"}\n]", 3, "unknown property \"conection\"")]
    [InlineData("[\n  \"Host=h;Database=a\",\n  \"Host=h;Database=b;Password=" + Password + "\n]", 3, "not valid JSON")]
    public void A_bad_line_is_refused_in_one_line_naming_the_file_and_line_and_never_the_password(string text, int line, string problem)
    {
        using var folder = new TempDirectory();
        var path = folder.File("targets.txt");
        File.WriteAllText(path, text);

        var failure = Assert.Throws<MigrationKitException>(() => FleetTargets.ReadFile(path));

        Assert.StartsWith($"{path} line {line}: ", failure.Message);
        Assert.Contains(problem, failure.Message);
        Assert.DoesNotContain(Password, failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void A_keyword_the_provider_does_not_know_is_named_with_its_line_when_the_provider_is_given()
    {
        using var folder = new TempDirectory();
        var path = folder.File("targets.txt");
        File.WriteAllText(path, $"Host=h;Database=a\nHots=h;Database=b;Password={Password}\n");

        var failure = Assert.Throws<MigrationKitException>(() => FleetTargets.ReadFile(path, provider: NpgsqlFactory.Instance));

        Assert.Equal($"{path} line 2: the connection string has an unknown keyword 'hots'.", failure.Message);
    }

    [Fact]
    public void A_missing_file_is_one_line()
    {
        var failure = Assert.Throws<MigrationKitException>(() => FleetTargets.ReadFile("/nonexistent/targets.txt"));

        Assert.StartsWith("Cannot read the targets file '/nonexistent/targets.txt'", failure.Message);
    }

    [Fact]
    public async Task A_catalog_query_gives_its_rows_as_targets_and_refuses_a_bad_row_by_its_name()
    {
        var catalog = await PostgresServer.CreateDatabaseAsync();
        await ExecuteAsync(catalog, $"""
            CREATE TABLE tenants (name text, connection text, schema_name text);
            INSERT INTO tenants VALUES ('acme', 'Host=h;Database=acme;Password={Password}', NULL), ('globex', 'Host=h;Database=shared', 'globex');
            """);

        await using var connection = new NpgsqlConnection(catalog);
        var targets = await FleetTargets.FromQueryAsync(connection, "SELECT name, connection, schema_name FROM tenants ORDER BY name", CancellationToken.None);

        Assert.Equal([("acme", null), ("globex", "globex")], targets.Select(t => (t.Name, t.Schema)));
        Assert.Equal($"Host=h;Database=acme;Password={Password}", targets[0].ConnectionString);
        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);

        await ExecuteAsync(catalog, $"INSERT INTO tenants VALUES ('initech', 'Host=h;Password {Password}', NULL)");
        var bad = await Assert.ThrowsAsync<MigrationKitException>(
            () => FleetTargets.FromQueryAsync(new NpgsqlConnection(catalog), "SELECT name, connection FROM tenants", CancellationToken.None));
        Assert.Equal("The targets query's row 'initech': not a connection string (keyword=value pairs separated by ';').", bad.Message);

        await ExecuteAsync(catalog, "UPDATE tenants SET name = 'acme' WHERE name = 'initech'; UPDATE tenants SET connection = 'Host=h;Database=x' WHERE connection NOT LIKE '%=%=%'");
        var twice = await Assert.ThrowsAsync<MigrationKitException>(
            () => FleetTargets.FromQueryAsync(new NpgsqlConnection(catalog), "SELECT name, connection FROM tenants", CancellationToken.None));
        Assert.StartsWith("The target name 'acme' appears twice in the targets query's rows", twice.Message);

        var wrong = await Assert.ThrowsAsync<MigrationKitException>(
            () => FleetTargets.FromQueryAsync(new NpgsqlConnection(catalog), "SELECT nme FROM tenants", CancellationToken.None));
        Assert.StartsWith("The targets query failed: 42703: column \"nme\" does not exist", wrong.Message);
    }

    [Fact]
    public async Task Each_database_lists_the_servers_databases_that_match_the_wildcards_with_the_database_replaced()
    {
        var prefix = "fl" + Guid.NewGuid().ToString("N")[..8];
        foreach (var name in new[] { "_t01", "_t02", "_t10", "_other" })
        {
            await PostgresServer.CreateDatabaseAsync(prefix + name);
        }

        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres", ApplicationName = "fleet test" };
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        var targets = await FleetTargets.EachDatabaseAsync(connection, prefix + "_t0?", CancellationToken.None);
        var all = await FleetTargets.EachDatabaseAsync(new NpgsqlConnection(server.ConnectionString), prefix + "_*", CancellationToken.None);

        Assert.Equal([prefix + "_t01", prefix + "_t02"], targets.Select(t => t.Name));
        var first = new NpgsqlConnectionStringBuilder(targets[0].ConnectionString);
        Assert.Equal((prefix + "_t01", server.Password, "fleet test"), (first.Database, first.Password, first.ApplicationName));
        Assert.Equal([prefix + "_other", prefix + "_t01", prefix + "_t02", prefix + "_t10"], all.Select(t => t.Name));
        // The pattern's other characters are literal: '_' is no LIKE wildcard here.
        Assert.Empty(await FleetTargets.EachDatabaseAsync(new NpgsqlConnection(server.ConnectionString), prefix + "_t1", CancellationToken.None));
    }

    [Fact]
    public async Task Each_database_puts_each_name_where_the_connection_string_says_name()
    {
        var prefix = "fl" + Guid.NewGuid().ToString("N")[..8];
        foreach (var name in new[] { "_t01", "_t02" })
        {
            await PostgresServer.CreateDatabaseAsync(prefix + name);
        }

        // {name} as the database (listing the databases then goes through 'postgres'), and inside another keyword.
        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "{name}" };
        var template = server.ConnectionString + ";Application Name=migrate {name}";
        var targets = await FleetTargets.EachDatabaseAsync(new NpgsqlConnection(template), prefix + "_t*", CancellationToken.None);

        Assert.Equal([prefix + "_t01", prefix + "_t02"], targets.Select(t => t.Name));
        var second = new NpgsqlConnectionStringBuilder(targets[1].ConnectionString);
        Assert.Equal((prefix + "_t02", "migrate " + prefix + "_t02", server.Password), (second.Database, second.ApplicationName, second.Password));
        await using var connection = new NpgsqlConnection(targets[1].ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(prefix + "_t02", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Each_database_over_sqlite_is_a_file_glob_from_the_project_folder()
    {
        using var project = new TempDirectory();
        Directory.CreateDirectory(project.File("tenants"));
        foreach (var file in new[] { "a.db", "b.db", "b.db-wal", "notes.txt" })
        {
            await File.WriteAllTextAsync(project.File(Path.Combine("tenants", file)), "");
        }

        var targets = await FleetTargets.EachDatabaseAsync(new SqliteConnection("Data Source=app.db;Cache=Shared"), "tenants/*.db*", CancellationToken.None, project.Path);

        Assert.Equal(["a.db", "b.db"], targets.Select(t => t.Name));
        var b = new SqliteConnectionStringBuilder(targets[1].ConnectionString);
        Assert.Equal((project.File(Path.Combine("tenants", "b.db")), SqliteCacheMode.Shared), (b.DataSource, b.Cache));
        var wildFolder = await Assert.ThrowsAsync<MigrationKitException>(
            () => FleetTargets.EachDatabaseAsync(new SqliteConnection("Data Source=app.db"), "*/a.db", CancellationToken.None, project.Path));
        Assert.Contains("only its file name may have them", wildFolder.Message);
    }

    [Fact]
    public async Task Each_schema_lists_the_databases_schemas_that_match_without_the_systems_own()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await ExecuteAsync(database, "CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; CREATE SCHEMA audit;");

        var tenants = await FleetTargets.EachSchemaAsync(new NpgsqlConnection(database), "tenant_*", CancellationToken.None);
        var all = await FleetTargets.EachSchemaAsync(new NpgsqlConnection(database), "*", CancellationToken.None);

        Assert.Equal([("tenant_1", "tenant_1"), ("tenant_2", "tenant_2")], tenants.Select(t => (t.Name, t.Schema!)));
        Assert.All(tenants, t => Assert.Equal(database, t.ConnectionString));
        Assert.Equal(["audit", "public", "tenant_1", "tenant_2"], all.Select(t => t.Name));
        await Assert.ThrowsAsync<MigrationKitException>(() => FleetTargets.EachSchemaAsync(new SqliteConnection("Data Source=x.db"), "*", CancellationToken.None));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
