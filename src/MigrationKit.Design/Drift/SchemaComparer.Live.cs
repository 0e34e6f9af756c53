using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Scaffolding.Metadata;

namespace MigrationKit.Design.Drift;

internal static partial class SchemaComparer
{
    /// <summary>
    /// Compares two readings of a live schema (for `test`: before an upgrade and after its
    /// downgrade; after an upgrade and after it ran again), element by element as
    /// <see cref="Compare"/> sees them, with the same normalising. Each line names the element and
    /// the reading that has it: <c>column Users.Email TEXT required: after the downgrade, not before the upgrade</c>.
    /// </summary>
    public static IReadOnlyList<string> CompareReadings(
        DatabaseModel expected, string expectedName, DatabaseModel actual, string actualName, IReadOnlySet<string> ignoredTables)
    {
        var before = Elements(expected, ignoredTables);
        var after = Elements(actual, ignoredTables);
        return
        [
            .. before.Where(e => !after.Contains(e)).Order(StringComparer.Ordinal).Select(e => $"{e}: {expectedName}, not {actualName}"),
            .. after.Where(e => !before.Contains(e)).Order(StringComparer.Ordinal).Select(e => $"{e}: {actualName}, not {expectedName}"),
        ];
    }

    /// <summary>Every table, column, key, index and foreign key of the schema, one line each.</summary>
    private static HashSet<string> Elements(DatabaseModel database, IReadOnlySet<string> ignoredTables)
    {
        var defaultSchema = database.DefaultSchema;
        var elements = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in database.Tables.Where(t => t is not DatabaseView && !ignoredTables.Contains(t.Name)))
        {
            var name = Key(table.Schema ?? defaultSchema, table.Name);
            elements.Add($"table {name}");
            foreach (var column in table.Columns)
            {
                // Both readings come from one server, so its own spelling of the type is kept.
                var line = $"column {name}.{column.Name} {column.StoreType} {Nullability(column.IsNullable)}";
                line += Sql(column.DefaultValueSql) is { } value ? $", default {value}" : "";
                line += Sql(column.ComputedColumnSql) is { } computed ? $", computed as {computed}" : "";
                elements.Add(line);
            }

            if (Columns(table.PrimaryKey?.Columns) is { } primaryKey)
            {
                elements.Add($"table {name}: primary key {primaryKey}");
            }

            elements.UnionWith(table.UniqueConstraints.Select(u => $"table {name}: unique constraint {Columns(u.Columns)}"));
            elements.UnionWith(table.Indexes.Select(i => $"table {name}: index {Index(i.Name!, i.Columns.Select(c => c.Name), i.IsUnique, i.Filter)}"));
            elements.UnionWith(table.ForeignKeys.Select(f => $"table {name}: foreign key " + ForeignKey(
                f.Columns.Select(c => c.Name), Key(f.PrincipalTable.Schema ?? defaultSchema, f.PrincipalTable.Name),
                f.PrincipalColumns.Select(c => c.Name), f.OnDelete ?? ReferentialAction.NoAction)));
        }

        return elements;
    }
}
