using System.Security.Cryptography;
using System.Text;

namespace MigrationKit.Core;

/// <summary>
/// The key of the PostgreSQL advisory lock that the runner takes before it changes a database
/// (upgrade, downgrade, stamp) and copy takes on its target, so that none of them runs while another
/// does. One definition, because a lock works only if every taker derives the same key.
/// </summary>
internal static class MigrationLockKey
{
    /// <summary>
    /// Derived from the database and version table so that two apps sharing a server (or two
    /// version tables in one database) do not wait for each other, and stable across processes.
    /// With a schema per tenant, from the schema too: each schema has its own version table, and
    /// the tenants of one database migrate in parallel.
    /// </summary>
    public static long ForPostgres(string database, string versionTable, string? schema = null)
    {
        var table = schema is null ? versionTable : schema + "." + versionTable;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("migratekit:" + database + ":" + table));
        return BitConverter.ToInt64(hash, 0);
    }
}
