using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using Npgsql;

namespace MigrationKit.Transfer;

/// <summary>
/// What tells a copy that its source and target are one database, whatever the spelling of their
/// connection strings: a copy onto itself would empty the tables it reads (--truncate) or wait on
/// its own locks for ever.
/// </summary>
internal static class SameDatabase
{
    /// <summary>Refuses, in one line, two ends whose identities are equal.</summary>
    public static void Refuse(string source, string target, string display)
    {
        if (source == target)
        {
            throw new MigrationKitException(
                $"The source and the target are the same database ({display}): a copy needs two.",
                "Point --from and --to (or the app's connection) at different databases.");
        }
    }

    /// <summary>
    /// The server's own word for which database the connection reached, however it was reached (host
    /// name, address, Unix socket, a pooler): the cluster's system identifier, which its physical
    /// replicas and clones restored from a base backup share, so also the postmaster's start time and
    /// port, which tell those apart; then the database. Read outside any transaction: a server that
    /// keeps pg_control_system() from the user fails nothing.
    /// </summary>
    public static async Task<string> OfPostgresAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var system = await PostgresEndpoint.ScalarAsync(connection, "SELECT has_function_privilege('pg_control_system()', 'EXECUTE')", cancellationToken) is true
            ? await PostgresEndpoint.ScalarAsync(connection, "SELECT system_identifier::text FROM pg_control_system()", cancellationToken)
            : null;
        var server = await PostgresEndpoint.ScalarAsync(connection, "SELECT concat_ws('/', pg_postmaster_start_time(), current_setting('port'), current_database())", cancellationToken);
        return $"postgresql/{system}/{server}";
    }

    /// <summary>A SQLite file's path with every symbolic link on the way resolved, so two spellings of one file are equal.</summary>
    public static string OfSqliteFile(string path)
    {
        var full = Path.GetFullPath(path);
        for (var hops = 0; hops < 40; hops++)
        {
            var resolved = ResolveOnce(full);
            if (resolved == full)
            {
                return "sqlite/" + full;
            }

            full = resolved;
        }

        return "sqlite/" + full;
    }

    /// <summary>The path with its first symbolic link (from the root down) replaced by the link's target.</summary>
    private static string ResolveOnce(string full)
    {
        var root = Path.GetPathRoot(full)!;
        var path = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            path = Path.Combine(path, parts[i]);
            var target = new FileInfo(path).LinkTarget;
            if (target is not null)
            {
                var rest = parts.Skip(i + 1).Prepend(Path.GetFullPath(target, Path.GetDirectoryName(path)!)).ToArray();
                return Path.GetFullPath(Path.Combine(rest));
            }
        }

        return full;
    }
}
