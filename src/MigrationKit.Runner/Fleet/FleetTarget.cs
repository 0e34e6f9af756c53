namespace MigrationKit.Runner.Fleet;

/// <summary>One database (or one schema of one) in a fleet.</summary>
/// <param name="Name">What output and reports show: never the connection string, which may hold a password.</param>
/// <param name="ConnectionString">How to reach it; the runner adds <c>Pooling=false</c> unless it says otherwise.</param>
/// <param name="Schema">PostgreSQL schema per tenant: first on <c>search_path</c>, holding the tenant's tables and version table.</param>
public sealed record FleetTarget(string Name, string ConnectionString, string? Schema = null)
{
    // A record prints its members: keep the connection string (and its password) out of logs.
    public override string ToString() => Name;
}
