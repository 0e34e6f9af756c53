using System.Data;
using System.Data.Common;
using MigrationKit.Core;
using MigrationKit.Runner.Fleet.Targets;

namespace MigrationKit.Runner.Fleet;

/// <summary>
/// Where a fleet's targets come from: a file, a query on a catalog database, the databases of a
/// server, the schemas of a database. Each gives the targets in a stable order with unique names,
/// or one line saying what is wrong (never a password).
/// </summary>
public static class FleetTargets
{
    private const string NpgsqlConnectionType = "Npgsql.NpgsqlConnection";
    private const string SqliteConnectionType = "Microsoft.Data.Sqlite.SqliteConnection";

    /// <summary>
    /// A targets file: one connection string a line (blank lines and <c>#</c> comments skipped),
    /// or a JSON list of connection strings or of <c>{"name", "connection", "schema"}</c> objects.
    /// </summary>
    /// <param name="projectDirectory">Where a relative SQLite file points; null: the current folder.</param>
    /// <param name="provider">When given, each connection string is parsed by its builder too, so a bad keyword is named with its line.</param>
    public static IReadOnlyList<FleetTarget> ReadFile(string path, string? projectDirectory = null, DbProviderFactory? provider = null)
        => TargetsFile.Read(path, projectDirectory, provider);

    /// <summary>
    /// The rows of <paramref name="sql"/> on a catalog database: (name, connection string[, schema]).
    /// A row that cannot be a target is refused by its name.
    /// </summary>
    public static async Task<IReadOnlyList<FleetTarget>> FromQueryAsync(
        DbConnection catalog, string sql, CancellationToken cancellationToken, string? projectDirectory = null)
    {
        var targets = new List<FleetTarget>();
        await QueryAsync(catalog, sql, "The targets query", reader =>
        {
            if (reader.FieldCount < 2)
            {
                throw new MigrationKitException(
                    $"The targets query returns {reader.FieldCount} column{(reader.FieldCount == 1 ? "" : "s")}; it must return name, connection string and, optionally, schema.",
                    "For example: SELECT name, connection FROM tenants");
            }

            var name = Text(reader, 0);
            var label = name is null ? $"row {targets.Count + 1}" : $"row '{name}'";
            if (name is null)
            {
                throw new MigrationKitException($"The targets query's {label} has no name (its first column).");
            }

            var connection = Text(reader, 1)
                             ?? throw new MigrationKitException($"The targets query's {label} has no connection string (its second column).");
            targets.Add(TargetConnections.Create(name, connection, reader.FieldCount > 2 ? Text(reader, 2) : null, projectDirectory, null, out var problem)
                        ?? throw new MigrationKitException($"The targets query's {label}: {problem}"));
        }, cancellationToken);
        return TargetConnections.Unique(targets, "the targets query's rows");
    }

    /// <summary>Where a connection string of <see cref="EachDatabaseAsync"/> takes each database's name.</summary>
    public const string NamePlaceholder = "{name}";

    /// <summary>
    /// The databases that <paramref name="pattern"/> matches (<c>*</c> and <c>?</c> wildcards), each
    /// reached with <paramref name="server"/>'s connection string with its database replaced, named by
    /// the database. PostgreSQL: the server's databases that accept connections, templates left out.
    /// SQLite: the files the pattern matches (wildcards in the file name), relative to <paramref name="projectDirectory"/>.
    /// </summary>
    /// <param name="server">
    /// A closed connection: its connection string is every target's template (an open one may have
    /// dropped its password). PostgreSQL: where it holds <c>{name}</c> (<c>Database={name}</c>, or a
    /// name in a longer string), each database's name goes there instead of replacing the database.
    /// </param>
    public static async Task<IReadOnlyList<FleetTarget>> EachDatabaseAsync(
        DbConnection server, string pattern, CancellationToken cancellationToken, string? projectDirectory = null)
    {
        var template = server.ConnectionString;
        switch (server.GetType().FullName)
        {
            case SqliteConnectionType:
                return SqliteFiles(template, pattern, projectDirectory ?? Directory.GetCurrentDirectory());
            case NpgsqlConnectionType:
                if (template.Contains(NamePlaceholder, StringComparison.Ordinal))
                {
                    // `Database={name}` names no database to list the others from: the maintenance one serves.
                    server.ConnectionString = template.Replace(NamePlaceholder, "postgres", StringComparison.Ordinal);
                }

                var match = TargetConnections.Wildcard(pattern);
                var targets = new List<FleetTarget>();
                await QueryAsync(server, "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname",
                    "Listing the server's databases", reader =>
                    {
                        var name = reader.GetString(0);
                        if (match.IsMatch(name))
                        {
                            targets.Add(new FleetTarget(name, template.Contains(NamePlaceholder, StringComparison.Ordinal)
                                ? template.Replace(NamePlaceholder, name, StringComparison.Ordinal)
                                : TargetConnections.WithDatabase(template, name, file: false)));
                        }
                    }, cancellationToken);
                return targets;
            default:
                throw new MigrationKitException(
                    $"Each database of a server is found on PostgreSQL and SQLite only, not over {server.GetType().Name}.",
                    "List the databases in a targets file instead.");
        }
    }

    /// <summary>
    /// PostgreSQL: the schemas of <paramref name="database"/> that <paramref name="pattern"/> matches
    /// (not <c>pg_*</c> nor <c>information_schema</c>), each a target named by its schema, over the same connection string.
    /// </summary>
    /// <param name="database">A closed connection, as for <see cref="EachDatabaseAsync"/>.</param>
    public static async Task<IReadOnlyList<FleetTarget>> EachSchemaAsync(DbConnection database, string pattern, CancellationToken cancellationToken)
    {
        if (database.GetType().FullName != NpgsqlConnectionType)
        {
            throw new MigrationKitException($"A schema per tenant is a PostgreSQL layout; {database.GetType().Name} has no schemas to run over.");
        }

        var template = database.ConnectionString;
        var match = TargetConnections.Wildcard(pattern);
        var targets = new List<FleetTarget>();
        await QueryAsync(database,
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
            "Listing the database's schemas", reader =>
            {
                var schema = reader.GetString(0);
                if (match.IsMatch(schema))
                {
                    targets.Add(new FleetTarget(schema, template, schema));
                }
            }, cancellationToken);
        return targets;
    }

    /// <summary>The SQLite files a glob matches (wildcards in its last part), named by file name.</summary>
    private static IReadOnlyList<FleetTarget> SqliteFiles(string template, string pattern, string projectDirectory)
    {
        var full = Path.GetFullPath(pattern, projectDirectory);
        var folder = Path.GetDirectoryName(full) ?? projectDirectory;
        if (folder.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            throw new MigrationKitException($"The file pattern '{pattern}' has wildcards in a folder; only its file name may have them.");
        }

        if (!Directory.Exists(folder))
        {
            return [];
        }

        var options = new EnumerationOptions { MatchType = MatchType.Simple, RecurseSubdirectories = false, IgnoreInaccessible = true };
        return Directory.EnumerateFiles(folder, Path.GetFileName(full), options)
            // What SQLite keeps beside a database is no database of its own.
            .Where(f => !f.EndsWith("-journal", StringComparison.Ordinal) && !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => new FleetTarget(Path.GetFileName(f), TargetConnections.WithDatabase(template, f, file: true)))
            .ToList();
    }

    /// <summary>Runs a query on <paramref name="connection"/>, opening and closing it when it came closed; a failure is one line.</summary>
    private static async Task QueryAsync(DbConnection connection, string sql, string what, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        var opened = connection.State != ConnectionState.Open;
        try
        {
            if (opened)
            {
                await connection.OpenAsync(cancellationToken);
            }
        }
        catch (Exception e) when (RevisionRunner.IsConnectionFailure(e))
        {
            throw RevisionRunner.CannotConnect(connection, e);
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                row(reader);
            }
        }
        catch (DbException e)
        {
            throw new MigrationKitException($"{what} failed: {RevisionRunner.OneLine(e.Message)}", null, e);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    private static string? Text(DbDataReader reader, int column)
        => reader.IsDBNull(column) ? null : Convert.ToString(reader.GetValue(column), System.Globalization.CultureInfo.InvariantCulture) is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text) ? text : null;
}
