using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Design;

/// <summary>
/// Says which operations of a new revision may lose data: EF Core's differ marks them
/// (<see cref="MigrationOperation.IsDestructiveChange"/>): a dropped table or column, a narrowed
/// type, a nullable column made required without a default.
/// </summary>
public static class DataLossWarnings
{
    public static IReadOnlyList<string> Describe(IEnumerable<MigrationOperation> operations)
        => operations.Where(o => o.IsDestructiveChange).Select(Describe).ToList();

    private static string Describe(MigrationOperation operation) => "may lose data: " + operation switch
    {
        DropTableOperation drop => $"drops table {Name(drop.Schema, drop.Name)}",
        DropColumnOperation drop => $"drops column {Name(drop.Schema, drop.Table)}.{drop.Name}",
        AlterColumnOperation alter => $"alters column {Name(alter.Schema, alter.Table)}.{alter.Name} "
            + $"({Column(alter.OldColumn)} -> {Column(alter)})",
        RenameColumnOperation rename => $"renames column {Name(rename.Schema, rename.Table)}.{rename.Name} to {rename.NewName}",
        _ => operation.GetType().Name.Replace("Operation", "", StringComparison.Ordinal),
    };

    private static string Column(ColumnOperation column)
        => $"{column.ColumnType ?? column.ClrType.Name}{(column.MaxLength is { } length ? $"({length})" : "")}"
           + (column.IsNullable ? " null" : " not null");

    private static string Name(string? schema, string name) => schema is null ? name : schema + "." + name;
}
