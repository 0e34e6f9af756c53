using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace MigrationKit.Transfer.Tables;

/// <summary>
/// The tables of an app's EF Core model. The revisions built the target's schema from the same
/// model, so the model names every table, column, key and foreign key a transfer needs.
/// </summary>
internal static class ModelTables
{
    /// <summary>The tables of the context's design-time model (it keeps computed-column SQL), without the version table.</summary>
    public static IReadOnlyList<TransferTable> Of(DbContext context, string versionTable)
        => FromModel(context.GetService<IDesignTimeModel>().Model, versionTable);

    public static IReadOnlyList<TransferTable> FromModel(IModel model, string versionTable)
        => model.GetRelationalModel().Tables
            .Where(t => !t.IsExcludedFromMigrations && t.Name != versionTable)
            .OrderBy(t => t.Schema, StringComparer.Ordinal)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .Select(Describe)
            .ToList();

    private static TransferTable Describe(ITable table) => new(
        table.Schema,
        table.Name,
        table.Columns.Select(c => new TransferColumn(c.Name, c.ComputedColumnSql is not null, StoredType(c))).ToList(),
        table.PrimaryKey?.Columns.Select(c => c.Name).ToList() ?? [],
        table.ForeignKeyConstraints
            .Select(fk => new TransferForeignKey(fk.Name, Display(fk.PrincipalTable)))
            .ToList());

    private static Type StoredType(IColumn column)
    {
        var property = column.PropertyMappings.First().Property;
        var type = property.GetValueConverter()?.ProviderClrType ?? property.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum ? Enum.GetUnderlyingType(type) : type;
    }

    private static string Display(ITable table) => table.Schema is null ? table.Name : $"{table.Schema}.{table.Name}";
}
