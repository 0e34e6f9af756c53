using MigrationKit.Design.Tests.Catalogs;
using MigrationKit.Testing;

namespace MigrationKit.Design.Tests.Infrastructure;

/// <summary>A fresh database for one side of a case, and its schema as the catalog describes it.</summary>
internal sealed class CaseDatabase : ScratchDatabase
{
    private CaseDatabase(string provider, string connectionString, TempDirectory? folder)
        : base(provider, connectionString, folder)
    {
    }

    public static async Task<CaseDatabase> CreateAsync(string provider)
    {
        // Unpooled, so nothing holds the file or the session once the case has read it.
        var (connectionString, folder) = await CreateEmptyAsync(provider, "case.db", ";Pooling=False");
        return new CaseDatabase(provider, connectionString, folder);
    }

    public Task<IReadOnlyList<string>> SchemaAsync()
        => Provider == Postgres ? PostgresCatalog.DumpAsync(this) : SqliteCatalog.DumpAsync(this);
}
