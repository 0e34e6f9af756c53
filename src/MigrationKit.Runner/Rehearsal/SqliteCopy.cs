using System.Data.Common;
using MigrationKit.Core;

namespace MigrationKit.Runner.Rehearsal;

/// <summary>
/// A temporary copy of a SQLite database, made with SQLite's online backup API (a consistent copy
/// even while the app writes to the file), and deleted when disposed. The file lives in the
/// temporary folder (<c>TMPDIR</c>) as <c>migratekit-rehearsal-*.db</c>.
/// </summary>
internal sealed class SqliteCopy : IAsyncDisposable
{
    private SqliteCopy(string path, string connectionString)
    {
        Path = path;
        ConnectionString = connectionString;
    }

    public string Path { get; }

    /// <summary>The source's connection string, pointing at the copy, unpooled so that nothing holds the file once closed.</summary>
    public string ConnectionString { get; }

    /// <param name="source">An open Microsoft.Data.Sqlite connection.</param>
    public static async Task<SqliteCopy> CreateAsync(DbConnection source)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"migratekit-rehearsal-{Guid.NewGuid():N}.db");
        var builder = new DbConnectionStringBuilder { ConnectionString = source.ConnectionString };
        foreach (var key in new[] { "Data Source", "DataSource", "Filename", "Mode", "Pooling" })
        {
            builder.Remove(key);
        }

        builder["Data Source"] = path;
        builder["Pooling"] = "False";
        var copy = new SqliteCopy(path, builder.ConnectionString);
        try
        {
            Backup.SqliteBackup.Copy(source, path);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            await copy.DisposeAsync();
            throw new MigrationKitException($"Cannot copy the database to '{path}' for the rehearsal: {RevisionRunner.OneLine(e.Message)}",
                "The copy goes to the temporary folder (TMPDIR): it needs room for the whole database.", e);
        }

        return copy;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var suffix in new[] { "", "-journal", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }

        return ValueTask.CompletedTask;
    }
}
