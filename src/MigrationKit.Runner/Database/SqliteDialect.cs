using System.Data.Common;

namespace MigrationKit.Runner.Database;

internal sealed class SqliteDialect : DatabaseDialect
{
    public override bool HasTransactionalDdl => true;

    public override string ConnectionType => "Microsoft.Data.Sqlite.SqliteConnection, Microsoft.Data.Sqlite";

    public override string DelimitIdentifier(string name) => DoubleQuoted(name);

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
        => Convert.ToInt64(
            await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name", cancellationToken, ("@name", table)),
            System.Globalization.CultureInfo.InvariantCulture) > 0;

    /// <summary>
    /// An exclusive OS lock on a file beside the database. The kernel drops it when the process
    /// dies, so unlike a lock row it can never be abandoned; SQLite's own locks cannot span the
    /// several transactions of a run.
    /// </summary>
    public override async Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string versionTable, CancellationToken cancellationToken)
    {
        var path = connection.DataSource;
        if (string.IsNullOrEmpty(path) || path == ":memory:"
            || connection.ConnectionString.Contains("Mode=Memory", StringComparison.OrdinalIgnoreCase))
        {
            // Nothing outside this process can see an in-memory database.
            return new Release(() => ValueTask.CompletedTask);
        }

        var lockPath = Path.GetFullPath(path) + ".migratekit-lock";
        while (true)
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
            catch (IOException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
