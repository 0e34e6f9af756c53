using System.Data.Common;
using System.Globalization;
using MigrationKit.Core;
using MigrationKit.Runner.Database;

namespace MigrationKit.Runner.Backup;

/// <summary>
/// A copy of the database taken under the migration lock before a run's first step, so that a
/// failed or regretted upgrade can be undone by restoring it. Written to a ".partial" file first
/// and renamed when complete: a failed or killed backup never leaves a file that looks whole.
/// </summary>
internal abstract class DatabaseBackup(BackupOptions options)
{
    /// <summary>
    /// The backup for the provider, refusing (before anything connects) a provider it cannot back
    /// up or a missing tool. <paramref name="connectionString"/> is read before the connection
    /// opens: some providers drop the password from it once open.
    /// </summary>
    public static DatabaseBackup For(string? provider, string connectionString, BackupOptions options, TimeSpan lockWait)
        => provider switch
        {
            DatabaseDialect.PostgreSqlProvider => new PostgresDump(connectionString, options, lockWait),
            DatabaseDialect.SqliteProvider => new SqliteBackup(options),
            _ => throw new MigrationKitException(
                $"--backup can back up PostgreSQL and SQLite databases, not one of {provider ?? "an unknown provider"}; nothing was run.",
                "Back the database up with its own tools, then run without --backup."),
        };

    /// <summary>Refuses, once connected and before the plan runs, what would make the backup fail (an old pg_dump).</summary>
    public virtual Task CheckAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the backup; a failure is one line saying nothing ran.</summary>
    public async Task<TakenBackup> TakeAsync(DbConnection connection, DateTime utcNow, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.GetFullPath(options.Path
            ?? System.IO.Path.Combine(options.Directory ?? DefaultDirectory(connection), DefaultFileName(connection, utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture))));
        var partial = path + ".partial";
        try
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.Delete(partial);
            await WriteAsync(connection, partial, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DbException or MigrationKitException
                                  || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            TryDelete(partial);
            var reason = e is MigrationKitException known ? known.Message : RevisionRunner.OneLine(e.Message);
            throw new MigrationKitException(
                e is OperationCanceledException
                    ? $"Interrupted while backing up {RevisionRunner.Describe(connection)}; nothing was run"
                    : $"Backing up {RevisionRunner.Describe(connection)} to {path} failed: {reason}; nothing was run",
                "Fix the cause (room on the disk, the backup folder, the tool's error) and run again; or run without --backup.",
                e);
        }

        return new TakenBackup(path, new FileInfo(path).Length, RestoreCommand(connection, path));
    }

    /// <summary>Writes a complete backup to <paramref name="path"/>.</summary>
    protected abstract Task WriteAsync(DbConnection connection, string path, CancellationToken cancellationToken);

    /// <summary>The folder of a timestamped backup when none is given.</summary>
    protected abstract string DefaultDirectory(DbConnection connection);

    /// <summary>A file name that says which database, and when (UTC, sortable).</summary>
    protected abstract string DefaultFileName(DbConnection connection, string timestamp);

    /// <summary>What a user types to put the backup back; never a secret.</summary>
    protected abstract string RestoreCommand(DbConnection connection, string path);

    /// <summary>A word as a POSIX shell reads it: as it is when plain, else in single quotes.</summary>
    protected static string ShellWord(string word)
        => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+,@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the user: the error names the backup's path, and the file ends in .partial.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A backup written: where, how big, and how to restore it.</summary>
internal sealed record TakenBackup(string Path, long Bytes, string Restore)
{
    /// <summary>The one line printed after the backup, and again when the run fails.</summary>
    public string Line => $"Backup: {Path} ({Size}); to restore it: {Restore}";

    private string Size => Bytes switch
    {
        < 1024 => $"{Bytes} bytes",
        < 1024 * 1024 => (Bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => (Bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
    };
}
