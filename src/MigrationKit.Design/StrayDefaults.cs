using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Design;

/// <summary>
/// EF Core's differ gives a required column a default (0, '', false) so existing rows get a
/// value, both when it adds one to an existing table and when it makes a nullable column
/// required, and leaves the default in the database for good: the schema then differs from the
/// model and from what EnsureCreated() builds. Where the model has no default, a revision
/// removes it again after the change, in Upgrade and Downgrade alike.
/// </summary>
internal static class StrayDefaults
{
    /// <param name="operations">The differ's operations towards <paramref name="target"/>.</param>
    /// <param name="target">The model after the operations; null for an empty database (nothing is added then).</param>
    /// <param name="altersByRebuild">
    /// True for SQLite: it alters a column by rebuilding the table from the target model, which
    /// leaves no default behind, and its generator refuses a second AlterColumn of one column.
    /// </param>
    public static IReadOnlyList<MigrationOperation> Remove(IReadOnlyList<MigrationOperation> operations, IModel? target, bool altersByRebuild)
    {
        if (target is null)
        {
            return operations;
        }

        var relational = RelationalModels.Of(target);
        var result = new List<MigrationOperation>(operations.Count);
        var removals = new List<MigrationOperation>();
        foreach (var operation in operations)
        {
            result.Add(operation);
            if (operation is ColumnOperation { DefaultValue: not null, DefaultValueSql: null } column
                && (operation is AddColumnOperation || (operation is AlterColumnOperation && !altersByRebuild))
                && operation is ITableMigrationOperation table
                && relational.FindTable(table.Table, table.Schema)?.FindColumn(Name(operation)) is { DefaultValue: null, DefaultValueSql: null })
            {
                removals.Add(WithoutDefault(column, table, Name(operation)));
            }
        }

        // After every other change to the tables, so SQLite rebuilds each table once, at the end.
        result.AddRange(removals);
        return result;
    }

    private static string Name(MigrationOperation column) => column switch
    {
        AddColumnOperation add => add.Name,
        _ => ((AlterColumnOperation)column).Name,
    };

    private static AlterColumnOperation WithoutDefault(ColumnOperation changed, ITableMigrationOperation table, string name)
    {
        var alter = new AlterColumnOperation { Name = name, Table = table.Table, Schema = table.Schema };
        CopyColumn(changed, alter);
        alter.DefaultValue = null;
        CopyColumn(changed, alter.OldColumn);
        return alter;
    }

    private static void CopyColumn(ColumnOperation from, ColumnOperation to)
    {
        to.ClrType = from.ClrType;
        to.ColumnType = from.ColumnType;
        to.IsUnicode = from.IsUnicode;
        to.IsFixedLength = from.IsFixedLength;
        to.MaxLength = from.MaxLength;
        to.Precision = from.Precision;
        to.Scale = from.Scale;
        to.IsRowVersion = from.IsRowVersion;
        to.IsNullable = from.IsNullable;
        to.DefaultValue = from.DefaultValue;
        to.DefaultValueSql = from.DefaultValueSql;
        to.ComputedColumnSql = from.ComputedColumnSql;
        to.IsStored = from.IsStored;
        to.Comment = from.Comment;
        to.Collation = from.Collation;
        to.AddAnnotations(from.GetAnnotations());
    }
}
