namespace MigrationKit.Runner;

/// <summary>
/// A backup taken before a run's first step (<see cref="RunnerOptions.Backup"/>): <c>pg_dump -Fc</c>
/// on PostgreSQL, SQLite's online backup API on SQLite. Only when the plan has steps to run.
/// </summary>
public sealed class BackupOptions
{
    /// <summary>The file to write (replaced when it exists); null: a timestamped file in <see cref="Directory"/>.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// Where timestamped backups go when <see cref="Path"/> is null; null: beside the SQLite
    /// database's file, or <c>backups</c> under the current directory for PostgreSQL.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>PostgreSQL: the pg_dump to run; null: the first one on PATH.</summary>
    public string? PgDump { get; init; }
}
