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
    /// </summary>
    public static long ForPostgres(string database, string versionTable)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("migratekit:" + database + ":" + versionTable));
        return BitConverter.ToInt64(hash, 0);
    }
}
