using System.Data.Common;

namespace MigrationKit.Runner.Fleet;

/// <summary>The connection string a fleet's target runs with.</summary>
internal static class FleetConnection
{
    /// <summary>
    /// The target's connection string with <c>Pooling=false</c> unless it sets pooling itself:
    /// a fleet visits each database once, and a pool per database would keep hundreds of idle
    /// connections open (PostgreSQL allows 100 by default).
    /// </summary>
    public static string For(FleetTarget target, string? providerName)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = target.ConnectionString };
        if (!builder.ContainsKey("Pooling"))
        {
            builder["Pooling"] = "false";
        }

        return builder.ConnectionString;
    }
}
