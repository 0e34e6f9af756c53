namespace MigrationKit.Design;

/// <summary>The providers whose SQL generators autogenerate works around (their DbContext.Database.ProviderName).</summary>
internal static class ProviderNames
{
    public const string Sqlite = "Microsoft.EntityFrameworkCore.Sqlite";

    public const string Npgsql = "Npgsql.EntityFrameworkCore.PostgreSQL";
}
