using System.Text;
using MigrationKit.Testing;

namespace MigrationKit.Design.Tests.Catalogs;

/// <summary>
/// A SQLite schema as SQLite describes it: pragma table_xinfo, foreign_key_list, index_list and
/// index_xinfo, plus what only sqlite_master's SQL holds (AUTOINCREMENT, generated-column
/// expressions, check constraints, comments), split into its column and constraint definitions.
/// </summary>
/// <remarks>
/// Column positions are left out, as on PostgreSQL: ALTER TABLE ADD COLUMN appends, so a
/// migrated table lists its columns in another order than a fresh one. Definitions are
/// compared one by one, with runs of white space made one space.
/// </remarks>
internal static class SqliteCatalog
{
    private const string UserTable = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT IN ('migratekit_version', 'migratekit_version_steps', 'migratekit_history')";

    private static readonly string[] Queries =
    [
        $"""
        SELECT 'column ' || m.name || '.' || p.name || ' type=' || p.type || ' notnull=' || p."notnull"
            || ' default=' || ifnull(p.dflt_value, '-') || ' pk=' || p.pk || ' hidden=' || p.hidden
        FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE {UserTable}
        """,
        $"""
        SELECT 'foreign key ' || name || ' (' || group_concat("from", ',') || ') -> ' || "table" || ' (' || group_concat(ifnull("to", '<pk>'), ',')
            || ') on update ' || on_update || ' on delete ' || on_delete || ' match ' || "match"
        FROM (SELECT m.name, f.* FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {UserTable} ORDER BY m.name, f.id, f.seq)
        GROUP BY name, id
        """,
        $"""
        SELECT 'index ' || m.name || '.' || il.name || ' unique=' || il."unique" || ' origin=' || il.origin || ' partial=' || il.partial
            || ' columns=' || (SELECT group_concat(ifnull(x.name, '<expression>') || ' desc=' || x."desc" || ' collate=' || x.coll, ',')
                               FROM (SELECT * FROM pragma_index_xinfo(il.name) WHERE key = 1 ORDER BY seqno) x)
        FROM sqlite_master m JOIN pragma_index_list(m.name) il WHERE {UserTable}
        """,
        "SELECT type || ' ' || name || ' ' || sql FROM sqlite_master WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL",
    ];

    public static async Task<IReadOnlyList<string>> DumpAsync(ScratchDatabase database)
    {
        var lines = new List<string>();
        foreach (var query in Queries)
        {
            lines.AddRange((await database.QueryAsync(query)).Select(OneSpace));
        }

        foreach (var table in await database.QueryAsync($"SELECT m.name || char(10) || m.sql FROM sqlite_master m WHERE {UserTable}"))
        {
            var name = table[..table.IndexOf('\n', StringComparison.Ordinal)];
            var sql = table[(name.Length + 1)..];
            lines.Add($"table {name}");
            lines.AddRange(Definitions(sql).Select(d => $"table {name} definition {OneSpace(d)}"));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// The comma-separated definitions between the outer parentheses of a CREATE TABLE, each with
    /// the comment lines (EF writes table and column comments as <c>-- text</c>) that precede it.
    /// </summary>
    private static IEnumerable<string> Definitions(string createTable)
    {
        var start = createTable.IndexOf('(', StringComparison.Ordinal) + 1;
        var depth = 0;
        var current = new StringBuilder();
        for (var i = start; i < createTable.Length; i++)
        {
            var c = createTable[i];
            if (c is '"' or '\'' or '`' or '[')
            {
                // A quoted name or literal: copied whole, commas and parentheses in it are text.
                var close = c == '[' ? ']' : c;
                var end = createTable.IndexOf(close, i + 1);
                current.Append(createTable, i, end - i + 1);
                i = end;
                continue;
            }

            if (c == '-' && i + 1 < createTable.Length && createTable[i + 1] == '-')
            {
                var end = createTable.IndexOf('\n', i);
                end = end < 0 ? createTable.Length - 1 : end;
                current.Append(createTable, i, end - i + 1);
                i = end;
                continue;
            }

            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                yield return current.ToString().Trim();
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            yield return last;
        }
    }

    private static string OneSpace(string text)
        => System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s+", " ");
}
