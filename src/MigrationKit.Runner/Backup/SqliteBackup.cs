using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MigrationKit.Runner.Backup;

/// <summary>
/// SQLite's online backup API (<see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>),
/// from the run's own connection: a consistent copy of every page, even while the app writes
/// (a plain file copy could catch a write half done, or miss what the -wal file holds).
/// </summary>
internal sealed class SqliteBackup(BackupOptions options) : DatabaseBackup(options)
{
    protected override Task WriteAsync(DbConnection connection, string path, CancellationToken cancellationToken)
    {
        Copy(connection, path);
        return Task.CompletedTask;
    }

    /// <summary>Copies the database open on <paramref name="source"/> to the file <paramref name="path"/> (also the copy a rehearsal runs on).</summary>
    internal static void Copy(DbConnection source, string path)
    {
        // Unpooled, so that the file is closed, and can be renamed or deleted, once the copy is done.
        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        ((SqliteConnection)source).BackupDatabase(destination);
    }

    protected override string DefaultDirectory(DbConnection connection) => Path.GetDirectoryName(DatabaseFile(connection))!;

    protected override string DefaultFileName(DbConnection connection, string timestamp)
    {
        var file = DatabaseFile(connection);
        var extension = Path.GetExtension(file);
        return $"{Path.GetFileNameWithoutExtension(file)}-{timestamp}{(extension.Length > 0 ? extension : ".db")}";
    }

    /// <summary>
    /// Copying the file back is the restore; the -wal and -shm files go too, or SQLite would replay
    /// a stale write-ahead log over the restored pages. Only with the app stopped.
    /// </summary>
    protected override string RestoreCommand(DbConnection connection, string path)
    {
        var file = DatabaseFile(connection);
        return OperatingSystem.IsWindows()
            ? $"with the app stopped, Copy-Item -Force '{path}' '{file}'; Remove-Item -ErrorAction Ignore '{file}-wal','{file}-shm'"
            : $"with the app stopped, cp {ShellWord(path)} {ShellWord(file)} && rm -f {ShellWord(file + "-wal")} {ShellWord(file + "-shm")}";
    }

    /// <summary>The database's file: an in-memory database has none to back up.</summary>
    private static string DatabaseFile(DbConnection connection)
        => connection.DataSource is { Length: > 0 } file && file != ":memory:"
            ? Path.GetFullPath(file)
            : throw new Core.MigrationKitException("--backup needs a SQLite database in a file, not an in-memory one; nothing was run.");
}
