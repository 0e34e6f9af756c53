using MigrationKit.Testing;

namespace MigrationKit.Design.Tests.Catalogs;

/// <summary>
/// A PostgreSQL schema as PostgreSQL itself describes it (pg_catalog, with the server's own
/// pg_get_constraintdef/pg_get_indexdef/pg_get_expr/format_type renderings), one line per object.
/// </summary>
/// <remarks>
/// Two things are left out, on purpose and only these:
/// a column's position (PostgreSQL appends an added column at the end and cannot move one, so a
/// migrated table and a freshly created one list their columns in different orders; columns are
/// compared by name), and the name of the sequence behind an identity column (PostgreSQL names it
/// once, when the column becomes an identity, and keeps the name through renames of the table or
/// column; nothing refers to it by name, and its options are compared).
/// </remarks>
internal static class PostgresCatalog
{
    private const string UserRelation = """
        n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
        AND c.relname NOT IN ('migratekit_version', 'migratekit_version_steps', 'migratekit_history')
        """;

    private static readonly string[] Queries =
    [
        """
        SELECT 'schema ' || nspname || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '-')
        FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
        """,
        "SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'",
        $"""
        SELECT format('relation %s.%s kind=%s comment=%s', n.nspname, c.relname, c.relkind, coalesce(obj_description(c.oid, 'pg_class'), '-'))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {UserRelation}
        """,
        $"""
        SELECT format('column %s.%s.%s type=%s notnull=%s default=%s generated=%s identity=%s collation=%s comment=%s',
            n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
            coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), nullif(a.attgenerated, ''), nullif(a.attidentity, ''),
            coalesce(co.collname, '-'), coalesce(col_description(c.oid, a.attnum), '-'))
            || coalesce((
                SELECT format(' identity: type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
                    format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
                FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
                WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'), '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {UserRelation}
        """,
        $"""
        SELECT format('constraint %s.%s.%s type=%s %s', n.nspname, c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid))
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {UserRelation}
        """,
        $"""
        SELECT format('index %s.%s %s comment=%s', n.nspname, ic.relname, pg_get_indexdef(i.indexrelid), coalesce(obj_description(ic.oid, 'pg_class'), '-'))
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {UserRelation}
        """,
        // Sequences of their own (not an identity column's, which the column line describes).
        """
        SELECT format('sequence %s.%s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s comment=%s',
            n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
            coalesce(obj_description(c.oid, 'pg_class'), '-'))
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'i')
        """,
        """
        SELECT format('enum %s.%s labels=%s', n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder))
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        GROUP BY n.nspname, t.typname
        """,
    ];

    public static async Task<IReadOnlyList<string>> DumpAsync(ScratchDatabase database)
    {
        var lines = new List<string>();
        foreach (var query in Queries)
        {
            lines.AddRange(await database.QueryAsync(query));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
