using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Scaffolding.Metadata;
using MigrationKit.Runner.Database;

namespace MigrationKit.Design.Drift;

/// <summary>
/// Compares a model's tables with a live schema, element by element: tables, columns (type,
/// nullability, default, computed SQL), primary and unique keys, indexes and foreign keys. Keys
/// and foreign keys are matched by their columns, since SQLite keeps no constraint names; indexes
/// by name, as EF names them. Text a server rewrites (type aliases, casts, parentheses) is
/// normalised before it is compared. Every line names its table with the schema where the
/// database has schemas (PostgreSQL: <c>public.Users</c>; SQLite: <c>Users</c>).
/// </summary>
internal static partial class SchemaComparer
{
    public static IReadOnlyList<string> Compare(IRelationalModel? model, DatabaseModel database, IReadOnlySet<string> ignoredTables)
    {
        var differences = new List<string>();
        var defaultSchema = database.DefaultSchema;
        var live = database.Tables
            .Where(t => t is not DatabaseView && !ignoredTables.Contains(t.Name))
            .ToDictionary(t => Key(t.Schema ?? defaultSchema, t.Name), StringComparer.Ordinal);
        var expected = (model?.Tables ?? []).Where(t => !t.IsExcludedFromMigrations)
            .ToDictionary(t => Key(t.Schema ?? defaultSchema, t.Name), StringComparer.Ordinal);

        foreach (var (key, table) in expected.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (live.TryGetValue(key, out var liveTable))
            {
                CompareTable(key, table, liveTable, defaultSchema, differences);
            }
            else
            {
                differences.Add($"table {key}: in the model, missing from the database");
            }
        }

        foreach (var key in live.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            differences.Add($"table {key}: in the database, not in the model");
        }

        return differences;
    }

    /// <param name="name">The table's name with its schema (the database's default one when the model names none), as every line names it.</param>
    private static void CompareTable(string name, ITable table, DatabaseTable live, string? defaultSchema, List<string> differences)
    {
        var liveColumns = live.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var column in table.Columns)
        {
            if (!liveColumns.TryGetValue(column.Name, out var liveColumn))
            {
                differences.Add($"column {name}.{column.Name}: in the model, missing from the database");
                continue;
            }

            var where = $"column {name}.{column.Name}";
            if (!string.Equals(StoreType(column.StoreType), StoreType(liveColumn.StoreType), StringComparison.Ordinal))
            {
                differences.Add($"{where}: type {liveColumn.StoreType} in the database, {column.StoreType} in the model");
            }

            if (column.IsNullable != liveColumn.IsNullable)
            {
                differences.Add($"{where}: {Nullability(liveColumn.IsNullable)} in the database, {Nullability(column.IsNullable)} in the model");
            }

            Expect(where, "default", ModelDefault(column), Sql(liveColumn.DefaultValueSql), differences);
            Expect(where, "computed as", Sql(column.ComputedColumnSql), Sql(liveColumn.ComputedColumnSql), differences);
        }

        foreach (var column in live.Columns.Where(c => table.FindColumn(c.Name) is null))
        {
            differences.Add($"column {name}.{column.Name}: in the database, not in the model");
        }

        Expect($"table {name}", "primary key", Columns(table.PrimaryKey?.Columns), Columns(live.PrimaryKey?.Columns), differences);
        CompareSets(
            $"table {name}: unique constraint",
            table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey()).Select(u => Columns(u.Columns)!),
            live.UniqueConstraints.Select(u => Columns(u.Columns)!),
            differences);
        CompareSets(
            $"table {name}: index",
            table.Indexes.Select(i => Index(i.Name, i.Columns.Select(c => c.Name), i.IsUnique, i.Filter)),
            live.Indexes.Select(i => Index(i.Name!, i.Columns.Select(c => c.Name), i.IsUnique, i.Filter)),
            differences);
        CompareSets(
            $"table {name}: foreign key",
            table.ForeignKeyConstraints.Select(f => ForeignKey(
                f.Columns.Select(c => c.Name), Key(f.PrincipalTable.Schema ?? defaultSchema, f.PrincipalTable.Name), f.PrincipalColumns.Select(c => c.Name), f.OnDeleteAction)),
            live.ForeignKeys.Select(f => ForeignKey(
                f.Columns.Select(c => c.Name), Key(f.PrincipalTable.Schema ?? defaultSchema, f.PrincipalTable.Name), f.PrincipalColumns.Select(c => c.Name), f.OnDelete ?? ReferentialAction.NoAction)),
            differences);
    }

    private static void Expect(string where, string what, string? model, string? live, List<string> differences)
    {
        if (!string.Equals(model, live, StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"{where}: {what} {live ?? "(none)"} in the database, {model ?? "(none)"} in the model");
        }
    }

    private static void CompareSets(string what, IEnumerable<string> model, IEnumerable<string> live, List<string> differences)
    {
        var expected = model.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var actual = live.ToHashSet(StringComparer.OrdinalIgnoreCase);
        differences.AddRange(expected.Where(e => !actual.Contains(e)).Order(StringComparer.Ordinal).Select(e => $"{what} {e}: in the model, missing from the database"));
        differences.AddRange(actual.Where(a => !expected.Contains(a)).Order(StringComparer.Ordinal).Select(a => $"{what} {a}: in the database, not in the model"));
    }

    private static string Key(string? schema, string name) => schema is null ? name : schema + "." + name;

    private static string Nullability(bool nullable) => nullable ? "nullable" : "required";

    private static string? Columns(IEnumerable<IColumn>? columns) => columns is null ? null : "(" + string.Join(", ", columns.Select(c => c.Name)) + ")";

    private static string? Columns(IEnumerable<DatabaseColumn>? columns) => columns is null ? null : "(" + string.Join(", ", columns.Select(c => c.Name)) + ")";

    private static string Index(string name, IEnumerable<string> columns, bool unique, string? filter)
        => $"{name} {(unique ? "unique " : "")}({string.Join(", ", columns)})" + (Sql(filter) is { } where ? " where " + where : "");

    private static string ForeignKey(IEnumerable<string> columns, string principal, IEnumerable<string> principalColumns, ReferentialAction onDelete)
        => $"({string.Join(", ", columns)}) -> {principal} ({string.Join(", ", principalColumns)}) on delete {onDelete}";

    /// <summary>The model's default as the SQL the provider writes for it.</summary>
    private static string? ModelDefault(IColumn column)
    {
        if (column.DefaultValueSql is { } sql)
        {
            return Sql(sql);
        }

        return column.DefaultValue is null or DBNull
            ? null
            : Sql(column.StoreTypeMapping.GenerateSqlLiteral(column.DefaultValue));
    }

    /// <summary>
    /// SQL as a server keeps it, minus what the server adds: PostgreSQL's casts
    /// (<c>'a'::text</c>), wrapping parentheses, quotes around identifiers, spacing and case.
    /// </summary>
    private static string? Sql(string? sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            return null;
        }

        var text = Casts().Replace(sql, "");
        text = text.Replace("\"", "", StringComparison.Ordinal).Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal);
        return Spaces().Replace(text, " ").Trim().ToLowerInvariant();
    }

    /// <summary>A store type in one spelling: PostgreSQL's short aliases mapped to the names its catalog reports.</summary>
    private static string? StoreType(string? storeType)
    {
        if (storeType is null)
        {
            return null;
        }

        var text = Spaces().Replace(storeType.Trim().ToLowerInvariant(), " ").Replace(", ", ",", StringComparison.Ordinal);
        var match = TypeName().Match(text);
        var baseName = match.Groups["name"].Value;
        return StoreTypeNames.Canonical(baseName) + text[baseName.Length..];
    }

    [GeneratedRegex(@"::[a-z_ ]+(\[\])?(\(\d+(,\s*\d+)?\))?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Casts();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^(?<name>[a-z0-9_ ]+?)(?=\(|\[|$)")]
    private static partial Regex TypeName();
}
