using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Runner.Database;

namespace MigrationKit.Transfer;

/// <summary>The kinds of database a transfer reads and writes.</summary>
internal enum DatabaseKind
{
    PostgreSql,
    Sqlite,
}

/// <summary>One end of a transfer: a connection string and the kind of database it opens.</summary>
internal sealed record TransferEndpoint(DatabaseKind Kind, string ConnectionString)
{
    /// <summary>
    /// A connection string given on the command line, told by its keywords: Npgsql's `Host`
    /// (or `Server`) means PostgreSQL, Microsoft.Data.Sqlite's `Data Source` (or `DataSource`,
    /// `Filename`), a file path, means SQLite. The two keyword sets do not overlap.
    /// </summary>
    public static TransferEndpoint Parse(string connectionString, string option)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException e)
        {
            throw new MigrationKitException($"The {option} connection string is not valid: {e.Message}");
        }

        var postgres = builder.ContainsKey("Host") || builder.ContainsKey("Server");
        var sqlite = builder.ContainsKey("Data Source") || builder.ContainsKey("DataSource") || builder.ContainsKey("Filename");
        return (postgres, sqlite) switch
        {
            (true, false) => new TransferEndpoint(DatabaseKind.PostgreSql, connectionString),
            (false, true) => new TransferEndpoint(DatabaseKind.Sqlite, connectionString),
            _ => throw new MigrationKitException(
                $"The {option} connection string names neither a PostgreSQL server nor a SQLite file.",
                "Give Host=...;Database=... for PostgreSQL, or Data Source=PATH for a SQLite file."),
        };
    }

    /// <summary>The app's own database, told by its DbContext's provider.</summary>
    public static TransferEndpoint OfApp(DbContext app, string command, string option)
    {
        var kind = app.Database.ProviderName switch
        {
            DatabaseDialect.PostgreSqlProvider => DatabaseKind.PostgreSql,
            DatabaseDialect.SqliteProvider => DatabaseKind.Sqlite,
            var other => throw new MigrationKitException(
                $"{command} works on PostgreSQL and SQLite databases, and the app's database is {other}.",
                $"Pass {option} with a PostgreSQL or SQLite connection string."),
        };
        var connection = app.Database.GetConnectionString()
            ?? throw new MigrationKitException($"The app's DbContext has no connection string for {command}.", $"Pass {option} or --connection.");
        return new TransferEndpoint(kind, connection);
    }
}
