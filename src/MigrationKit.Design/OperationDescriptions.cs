using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Runner.DataLoss;

namespace MigrationKit.Design;

/// <summary>One line per schema operation, for `check` and for data-loss warnings.</summary>
public static class OperationDescriptions
{
    /// <summary>
    /// The operations EF Core's differ marks as able to lose data
    /// (<see cref="MigrationOperation.IsDestructiveChange"/>): a dropped table or column, a
    /// nullable column made required, a changed type; less a type change that only widens.
    /// </summary>
    public static IReadOnlyList<string> DataLossWarnings(IEnumerable<MigrationOperation> operations)
        => operations.Where(o => o.IsDestructiveChange && !LossyChanges.OnlyWidens(o)).Select(o => "may lose data: " + Describe(o)).ToList();

    public static string Describe(MigrationOperation operation) => operation switch
    {
        CreateTableOperation create => $"create table {Name(create.Schema, create.Name)}",
        DropTableOperation drop => $"drop table {Name(drop.Schema, drop.Name)}",
        RenameTableOperation rename => $"rename table {Name(rename.Schema, rename.Name)} to {rename.NewName}",
        AddColumnOperation add => $"add column {Name(add.Schema, add.Table)}.{add.Name} ({Column(add)})",
        DropColumnOperation drop => $"drop column {Name(drop.Schema, drop.Table)}.{drop.Name}",
        AlterColumnOperation alter => $"alter column {Name(alter.Schema, alter.Table)}.{alter.Name} ({Column(alter.OldColumn)} -> {Column(alter)})",
        RenameColumnOperation rename => $"rename column {Name(rename.Schema, rename.Table)}.{rename.Name} to {rename.NewName}",
        RenameIndexOperation rename => $"rename index {rename.Name} to {rename.NewName}" + (rename.Table is null ? "" : $" on {Name(rename.Schema, rename.Table)}"),
        CreateIndexOperation index => $"create {(index.IsUnique ? "unique " : "")}index {index.Name} on {Name(index.Schema, index.Table)} ({string.Join(", ", index.Columns)})",
        DropIndexOperation index => $"drop index {index.Name}" + (index.Table is null ? "" : $" on {Name(index.Schema, index.Table)}"),
        AddForeignKeyOperation key => $"add foreign key {key.Name} on {Name(key.Schema, key.Table)} ({string.Join(", ", key.Columns)}) -> {key.PrincipalTable}",
        DropForeignKeyOperation key => $"drop foreign key {key.Name} on {Name(key.Schema, key.Table)}",
        ITableMigrationOperation table => $"{Words(operation)} on {Name(table.Schema, table.Table)}",
        _ => Words(operation),
    };

    private static string Words(MigrationOperation operation)
        => System.Text.RegularExpressions.Regex.Replace(
            operation.GetType().Name.Replace("Operation", "", StringComparison.Ordinal), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();

    /// <summary>The column's type, spelled once: a store type already holds its length; a CLR type gets it appended.</summary>
    private static string Column(ColumnOperation column)
        => (column.ColumnType ?? column.ClrType.Name + (column.MaxLength is { } length ? $"({length})" : ""))
           + (column.IsNullable ? " null" : " not null");

    private static string Name(string? schema, string name) => schema is null ? name : schema + "." + name;
}
