using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Runner;
using MigrationKit.Runner.Database;
using Serilog;

namespace MigrationKit.Design.Proof;

/// <summary>
/// The scratch database `test` runs on, made for the run and removed after it: on PostgreSQL a
/// uniquely named database created on the server the DbContext's connection string points at
/// (that database is only where the tool connects to create it); on SQLite a new file in the
/// temporary folder. The DbContext is pointed at it. Disposing drops it, also after a failure
/// or an interrupt; a kill -9 leaves it behind, and its name (<see cref="NamePrefix"/>) says what it was.
/// </summary>
internal sealed class ProofDatabase : IAsyncDisposable
{
    /// <summary>How every scratch database's name (or file name) starts, so that one a killed run left is easy to find.</summary>
    public const string NamePrefix = "migratekit_test_";

    // A drop must end even when the server stops answering.
    private static readonly TimeSpan DropTimeout = TimeSpan.FromSeconds(30);

    private readonly DbConnection? _server;
    private readonly string? _file;

    private ProofDatabase(string name, DbConnection? server, string? file)
    {
        Name = name;
        _server = server;
        _file = file;
    }

    /// <summary>The database's name on PostgreSQL, the file's path on SQLite.</summary>
    public string Name { get; }

    /// <summary>Creates the scratch database and points <paramref name="context"/> at it.</summary>
    public static async Task<ProofDatabase> CreateAsync(DbContext context, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var factory = DbProviderFactories.GetFactory(connection)
                      ?? throw new MigrationKitException($"Cannot make a scratch database for {context.Database.ProviderName}.");
        var builder = factory.CreateConnectionStringBuilder()!;
        builder.ConnectionString = context.Database.GetConnectionString() ?? "";
        var name = NamePrefix + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture)
                   + "_" + Guid.NewGuid().ToString("N")[..8];
        switch (context.Database.ProviderName)
        {
            case DatabaseDialect.SqliteProvider:
            {
                var file = Path.Combine(Path.GetTempPath(), name + ".db");
                // An empty file is an empty SQLite database; the runner refuses a missing one.
                await File.WriteAllBytesAsync(file, [], cancellationToken);
                builder["Data Source"] = file;
                builder["Pooling"] = false;
                context.Database.SetConnectionString(builder.ConnectionString);
                return new ProofDatabase(file, null, file);
            }

            case DatabaseDialect.PostgreSqlProvider:
            {
                var server = factory.CreateConnection()!;
                server.ConnectionString = builder.ConnectionString;
                try
                {
                    await ExecuteAsync(server, $"CREATE DATABASE \"{name}\"", cancellationToken);
                }
                catch (DbException e)
                {
                    await server.DisposeAsync();
                    throw new MigrationKitException(
                        $"Cannot create the scratch database {name} on {RevisionRunner.Describe(server)}: {RevisionRunner.OneLine(e.Message)}",
                        "`test` needs a server where it may create and drop a database: give one with --connection.", e);
                }

                // Pooled (a proof opens a connection for every step and every reading); the drop ends those sessions.
                builder["Database"] = name;
                context.Database.SetConnectionString(builder.ConnectionString);
                return new ProofDatabase(name, server, null);
            }

            default:
                throw new MigrationKitException(
                    $"`test` runs on PostgreSQL and SQLite, not on {context.Database.ProviderName}.");
        }
    }

    /// <summary>Drops the database (PostgreSQL: ending any session still on it) or deletes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            // The file and what SQLite and the runner keep beside it (journal, WAL, the migration lock file).
            foreach (var path in Directory.GetFiles(Path.GetDirectoryName(_file)!, Path.GetFileName(_file) + "*"))
            {
                File.Delete(path);
            }

            return;
        }

        using var timeout = new CancellationTokenSource(DropTimeout);
        try
        {
            // Apart: DROP DATABASE refuses to run in the implicit transaction of a batch.
            await ExecuteAsync(_server!, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Name}' AND pid <> pg_backend_pid()", timeout.Token);
            await ExecuteAsync(_server!, $"DROP DATABASE IF EXISTS \"{Name}\"", timeout.Token);
        }
        catch (Exception e) when (e is DbException or OperationCanceledException)
        {
            Log.Warning("Could not drop the scratch database {Name:l}: {Error:l}; drop it by hand", Name, RevisionRunner.OneLine(e.Message));
        }
        finally
        {
            await _server!.DisposeAsync();
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
