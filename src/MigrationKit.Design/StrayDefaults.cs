using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Design;

/// <summary>
/// EF Core's differ gives a required column added to an existing table a default (0, '', false)
/// so existing rows get a value, and leaves it in the database for good: the schema then differs
/// from the model and from what EnsureCreated() builds. Where the model has no default, a
/// revision removes it again right after the column is added.
/// </summary>
internal static class StrayDefaults
{
    public static IReadOnlyList<MigrationOperation> Remove(IReadOnlyList<MigrationOperation> operations, IModel target)
    {
        var relational = target.GetRelationalModel();
        var result = new List<MigrationOperation>(operations.Count);
        var removals = new List<MigrationOperation>();
        foreach (var operation in operations)
        {
            result.Add(operation);
            if (operation is AddColumnOperation { DefaultValue: not null } add
                && relational.FindTable(add.Table, add.Schema)?.FindColumn(add.Name) is { DefaultValue: null, DefaultValueSql: null })
            {
                removals.Add(WithoutDefault(add));
            }
        }

        // After every other change to the tables, so SQLite rebuilds each table once, at the end.
        result.AddRange(removals);
        return result;
    }

    private static AlterColumnOperation WithoutDefault(AddColumnOperation added)
    {
        var alter = new AlterColumnOperation { Name = added.Name, Table = added.Table, Schema = added.Schema };
        CopyColumn(added, alter);
        alter.DefaultValue = null;
        CopyColumn(added, alter.OldColumn);
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
