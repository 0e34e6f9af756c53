using System.Data.Common;

namespace MigrationKit.Runner.Backup;

/// <summary>
/// An Npgsql connection string as libpq's environment variables
/// (https://www.postgresql.org/docs/current/libpq-envars.html), for pg_dump. Read with the generic
/// builder (case-insensitive keys, Npgsql's synonyms), so the Runner needs no Npgsql of its own.
/// </summary>
internal sealed record LibpqSettings(
    string? Host, string? Port, string? Username, string? Password, IReadOnlyDictionary<string, string> Environment)
{
    public static LibpqSettings Parse(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Value(params string[] keys)
            => keys.Select(k => builder.TryGetValue(k, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null)
                .FirstOrDefault(v => !string.IsNullOrEmpty(v));

        var host = Value("Host", "Server");
        var port = Value("Port");
        var username = Value("Username", "User Name", "UserName", "User Id", "UserId", "User", "UID");
        var environment = new Dictionary<string, string> { ["PGAPPNAME"] = "migratekit-backup" };
        void Set(string variable, string? value)
        {
            if (value is not null)
            {
                environment[variable] = value;
            }
        }

        Set("PGHOST", host);
        Set("PGPORT", port);
        Set("PGUSER", username);
        Set("PGDATABASE", Value("Database", "DB"));
        Set("PGCONNECT_TIMEOUT", Value("Timeout"));
        Set("PGPASSFILE", Value("Passfile"));
        Set("PGSSLROOTCERT", Value("Root Certificate", "RootCertificate"));
        Set("PGSSLCERT", Value("SSL Certificate", "SslCertificate"));
        Set("PGSSLKEY", Value("SSL Key", "SslKey"));
        Set("PGSSLMODE", Value("SSL Mode", "SslMode") switch
        {
            null => null,
            var mode when mode.Equals("VerifyCA", StringComparison.OrdinalIgnoreCase) => "verify-ca",
            var mode when mode.Equals("VerifyFull", StringComparison.OrdinalIgnoreCase) => "verify-full",
            var mode => mode.ToLowerInvariant(),
        });
        return new LibpqSettings(host, port, username, Value("Password", "PWD", "PSW"), environment);
    }
}
