using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>A column as the database has it: its type as the database spells it, and whether it is generated.</summary>
internal sealed record CatalogColumn(string Name, string Type, bool IsGenerated);

/// <summary>The tables and columns of one database.</summary>
/// <param name="HasSchemas">False for SQLite, which keeps every table in one namespace (EF Core ignores a model's schemas there).</param>
internal sealed record DatabaseCatalog(
    string DefaultSchema, IReadOnlyDictionary<(string Schema, string Table), Dictionary<string, CatalogColumn>> Tables, bool HasSchemas = true)
{
    public IReadOnlyDictionary<string, CatalogColumn>? Find(TransferTable table)
        => Tables.GetValueOrDefault((HasSchemas ? table.Schema ?? DefaultSchema : DefaultSchema, table.Name));
}
