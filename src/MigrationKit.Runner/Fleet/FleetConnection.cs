using System.Data.Common;
using MigrationKit.Runner.Database;

namespace MigrationKit.Runner.Fleet;

/// <summary>The connection string a fleet's target runs with.</summary>
internal static class FleetConnection
{
    /// <summary>
    /// The target's connection string with <c>Pooling=false</c> unless it sets pooling itself: a
    /// fleet visits each database once, and a pool per database would keep hundreds of idle
    /// connections open (PostgreSQL allows 100 by default). With a schema per tenant, the schema
    /// first on <c>search_path</c> (before the path the string gives, else <c>public</c>, where
    /// extensions usually live), so the revisions' unqualified SQL and the version table go there.
    /// </summary>
    public static string For(FleetTarget target, string? providerName)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = target.ConnectionString };
        if (!builder.ContainsKey("Pooling"))
        {
            builder["Pooling"] = "false";
        }

        if (target.Schema is { } schema)
        {
            if (providerName != DatabaseDialect.PostgreSqlProvider)
            {
                throw new Core.MigrationKitException($"A schema per tenant needs PostgreSQL, not {providerName}.");
            }

            var key = builder.ContainsKey("SearchPath") ? "SearchPath" : "Search Path";
            var rest = builder.TryGetValue(key, out var given) && given is string path && path.Length > 0 ? path : "public";
            builder.Remove("SearchPath");
            builder["Search Path"] = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\", " + rest;
        }

        return builder.ConnectionString;
    }
}
