using System.Data.Common;

namespace MigrationKit.Runner.Database;

/// <summary>Any other relational provider: standard SQL where it exists, no lock where none is known.</summary>
internal sealed class GenericDialect : DatabaseDialect
{
    // Unknown: assume the worst so nobody is promised an all-or-nothing revision the database cannot give.
    public override bool HasTransactionalDdl => false;

    public override async Task<bool> TableExistsAsync(DbConnection connection, string? schema, string table, CancellationToken cancellationToken)
        => Convert.ToInt64(
            await ScalarAsync(connection, "SELECT " + TableExistsSql(schema, table), cancellationToken),
            System.Globalization.CultureInfo.InvariantCulture) > 0;

    public override Task<IAsyncDisposable> AcquireLockAsync(
        DbConnection connection, string versionTable, TimeSpan wait, Serilog.ILogger log, CancellationToken cancellationToken, string? schema = null)
    {
        log.Warning("No migration lock is known for this database provider; do not run two upgrades at once");
        return Task.FromResult<IAsyncDisposable>(new Release(() => ValueTask.CompletedTask));
    }
}
