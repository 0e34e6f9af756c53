using System.Data.Common;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

internal sealed class SqliteDialect : DatabaseDialect
{
    public override bool HasTransactionalDdl => true;

    public override string ConnectionType => "Microsoft.Data.Sqlite.SqliteConnection, Microsoft.Data.Sqlite";

    /// <remarks>
    /// Only what SQLite does in place: the operations its generator rebuilds a table for (most
    /// changes to an existing table) need the model, which is the rebuilt table's definition.
    /// </remarks>
    public override bool GeneratesWithoutModel(MigrationOperation operation) => operation switch
    {
        CreateTableOperation table => table.Columns.All(c => c is { ColumnType: not null, ComputedColumnSql: null }),
        AddColumnOperation column => column is { ColumnType: not null, ComputedColumnSql: null },
        CreateIndexOperation or DropIndexOperation or DropTableOperation or SqlOperation => true,
        _ => false,
    };

    public override string DelimitIdentifier(string name) => DoubleQuoted(name);

    // SQLite has no schemas: a fleet refuses schemas per tenant on it before any runner starts.
    public override async Task<bool> TableExistsAsync(DbConnection connection, string? schema, string table, CancellationToken cancellationToken)
        => Convert.ToInt64(
            await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name", cancellationToken, ("@name", table)),
            System.Globalization.CultureInfo.InvariantCulture) > 0;

    public override string TableExistsSql(string? schema, string table)
        => $"EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = {Literal(table)})";

    // SQLite has no schemas (EF Core's provider drops them from every name).
    public override string CountColumnsSql => "SELECT count(*) FROM pragma_table_info(@table) WHERE @column IS NULL OR name = @column";

    public override string? MissingDatabase(DbConnection connection)
        => FilePath(connection.DataSource, connection.ConnectionString) is { } path && !File.Exists(path) ? path : null;

    /// <summary>
    /// The connection string with a relative file name made absolute against <paramref name="folder"/>;
    /// null when it names no file by a relative path (in memory, a URI, |DataDirectory|, absolute).
    /// </summary>
    public static string? AnchoredAt(string connectionString, string folder)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (var key in new[] { "Data Source", "DataSource", "Filename" })
        {
            if (builder.TryGetValue(key, out var value) && value is string path)
            {
                if (FilePath(path, connectionString) is null || Path.IsPathRooted(path))
                {
                    return null;
                }

                builder[key] = Path.GetFullPath(path, folder);
                return builder.ConnectionString;
            }
        }

        return null;
    }

    /// <summary>The file a connection opens, as SQLite resolves it (from the current directory); null for memory, URIs and |DataDirectory|.</summary>
    private static string? FilePath(string? dataSource, string connectionString)
        => string.IsNullOrEmpty(dataSource) || dataSource == ":memory:"
           || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
           || dataSource.StartsWith("|DataDirectory|", StringComparison.OrdinalIgnoreCase)
           || connectionString.Contains("Mode=Memory", StringComparison.OrdinalIgnoreCase)
            ? null
            : Path.GetFullPath(dataSource);

    /// <summary>
    /// A table rebuild (EF Core's, or a revision's own) turns foreign keys off around its DROP TABLE
    /// with <c>PRAGMA foreign_keys</c>, which SQLite ignores inside a transaction: with foreign
    /// keys on, the DROP would then cascade into the children. So the PRAGMA that turns them off
    /// runs before BEGIN and the one that turns them back on after COMMIT, and foreign keys are
    /// checked before each COMMIT instead, as SQLite's own procedure for altering a table does
    /// (https://www.sqlite.org/lang_altertable.html#otheralter). The pragmas are settings of the
    /// session, not parts of the revision: a resumed run sets them again.
    /// </summary>
    public override TransactionLayout Arrange(IReadOnlyList<MigrationCommand> commands)
    {
        var off = commands.FirstOrDefault(c => ForeignKeysPragma(c) == false);
        if (off is null)
        {
            return base.Arrange(commands);
        }

        var on = commands.LastOrDefault(c => ForeignKeysPragma(c) == true);
        return new TransactionLayout(
            [off], Parts(commands.Where(c => ForeignKeysPragma(c) is null).ToList()), on is null ? [] : [on], ChecksForeignKeys: true);
    }

    public override bool CreatesTablesIfNotExists => true;

    public override string DatabaseUserSql => "NULL";

    // The text form EF Core's SQLite provider writes a DateTime in, to the millisecond.
    public override string ClockSql => "strftime('%Y-%m-%d %H:%M:%f', 'now')";

    public override string MillisecondsSinceSql(string column) => $"CAST(ROUND((julianday('now') - julianday({column})) * 86400000) AS INTEGER)";

    public override string ForeignKeyViolationsQuery => "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check";

    // A failed statement does not end a script's transaction; a CHECK with OR ROLLBACK does, so the
    // COMMIT after it finds nothing to commit (the constraint's name is sqlite3's error message).
    public override string ScriptedForeignKeyCheck =>
        "CREATE TEMP TABLE IF NOT EXISTS migratekit_foreign_key_check (violations INTEGER"
        + " CONSTRAINT \"a foreign key finds no parent row: the revision was rolled back\" CHECK (violations = 0));\n"
        + "INSERT OR ROLLBACK INTO migratekit_foreign_key_check SELECT count(*) FROM pragma_foreign_key_check;";

    /// <summary>True for <c>PRAGMA foreign_keys = 1</c>, false for <c>= 0</c>, null for any other command.</summary>
    private static bool? ForeignKeysPragma(MigrationCommand command)
    {
        if (!command.TransactionSuppressed)
        {
            return null;
        }

        var words = command.CommandText.Trim().TrimEnd(';').Split([' ', '=', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (words is not [var pragma, var name, var value]
            || !pragma.Equals("PRAGMA", StringComparison.OrdinalIgnoreCase)
            || !name.Equals("foreign_keys", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return value.ToUpperInvariant() switch
        {
            "0" or "OFF" or "FALSE" or "NO" => false,
            "1" or "ON" or "TRUE" or "YES" => true,
            _ => null,
        };
    }

    /// <summary>
    /// An exclusive OS lock on a file beside the database. The kernel drops it when the process
    /// dies, so unlike a lock row it can never be abandoned; SQLite's own locks cannot span the
    /// several transactions of a run.
    /// </summary>
    public override async Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken, string? schema = null)
    {
        if (FilePath(connection.DataSource, connection.ConnectionString) is not { } path)
        {
            // Nothing outside this process can see an in-memory database.
            return new Release(() => ValueTask.CompletedTask);
        }

        var lockPath = path + ".migratekit-lock";
        return await WaitForLockAsync(
            () => Task.FromResult(TryLock(lockPath)),
            RevisionRunner.Describe(connection),
            () => Task.FromResult($"another upgrade, downgrade, stamp or copy (the lock file '{lockPath}')"),
            wait,
            log,
            cancellationToken);
    }

    /// <summary>The lock, or null while another holds it; any other failure (read-only storage, no permission) at once.</summary>
    private static IAsyncDisposable? TryLock(string lockPath)
    {
        try
        {
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return new Release(() =>
            {
                stream.Dispose();
                return ValueTask.CompletedTask;
            });
        }
        catch (IOException e) when (HeldByAnother(e))
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MigrationKitException(
                $"Cannot create or open the migration lock file '{lockPath}': {RevisionRunner.OneLine(e.Message)}",
                "Changing the database needs a folder this user can write to (the lock file sits beside the database).",
                e);
        }
    }

    /// <summary>
    /// Whether opening failed only because another holder has the file: .NET gives a sharing
    /// violation the errno of flock's EWOULDBLOCK on Unix (EAGAIN: 11 on Linux, 35 on macOS) and
    /// ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION on Windows. Everything else (EROFS, EACCES, ...)
    /// will not pass by waiting.
    /// </summary>
    private static bool HeldByAnother(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult is unchecked((int)0x80070020) or unchecked((int)0x80070021)
        : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
}
