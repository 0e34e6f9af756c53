using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// The target's foreign keys, and which of them a load may check once per table instead of once per
/// row. PostgreSQL checks a foreign key with a trigger query per inserted row (FOR KEY SHARE on the
/// referenced row), which was three quarters of loading order_items in bench/transfer.sh. The
/// referencing table's owner may instead drop the constraint inside the load's own transaction and
/// add it back before the commit: the server then validates every row in one join, and a failed or
/// killed load rolls the drop back together with the rows. Nobody else can see the table without it:
/// the drop holds ACCESS EXCLUSIVE locks until the commit.
/// </summary>
internal sealed class TargetForeignKeys
{
    private readonly Dictionary<(string Schema, string Table), List<Constraint>> _suspendable;

    private TargetForeignKeys(Dictionary<(string, string), List<Constraint>> suspendable, HashSet<string> checkedAtOnce, string defaultSchema)
    {
        _suspendable = suspendable;
        CheckedAtOnce = checkedAtOnce;
        DefaultSchema = defaultSchema;
    }

    /// <summary>Names of the foreign keys checked row by row as the rows arrive: not DEFERRABLE, and not ours to suspend. They fix the order inside a cycle.</summary>
    public IReadOnlySet<string> CheckedAtOnce { get; }

    private string DefaultSchema { get; }

    public static async Task<TargetForeignKeys> ReadAsync(NpgsqlConnection target, CancellationToken cancellationToken)
    {
        var defaultSchema = (string)(await PostgresEndpoint.ScalarAsync(target, "SELECT current_schema()", cancellationToken))!;

        // Suspendable: validated (a NOT VALID key checks new rows only; re-adding it would check none),
        // on plain tables, and the user may drop and re-add it (owner of the table, REFERENCES on the other).
        var keys = await PostgresEndpoint.ListAsync(target, """
            SELECT n.nspname, c.relname, k.conname, k.condeferrable,
                   k.convalidated AND k.conparentid = 0 AND c.relkind = 'r' AND p.relkind = 'r'
                       AND pg_has_role(c.relowner, 'USAGE') AND has_table_privilege(k.confrelid, 'REFERENCES'),
                   k.conrelid::regclass::text, k.confrelid::regclass::text, pg_get_constraintdef(k.oid),
                   obj_description(k.oid, 'pg_constraint')
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class p ON p.oid = k.confrelid
            WHERE k.contype = 'f'
            """,
            r => (Schema: r.GetString(0), Table: r.GetString(1), Name: r.GetString(2), Deferrable: r.GetBoolean(3), Suspendable: r.GetBoolean(4),
                  Constraint: new Constraint(r.GetString(5), r.GetString(6), r.GetString(2), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8))),
            cancellationToken);

        var suspendable = new Dictionary<(string, string), List<Constraint>>();
        var checkedAtOnce = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key.Suspendable)
            {
                if (!suspendable.TryGetValue((key.Schema, key.Table), out var list))
                {
                    suspendable[(key.Schema, key.Table)] = list = [];
                }

                list.Add(key.Constraint);
            }
            else if (!key.Deferrable)
            {
                checkedAtOnce.Add(key.Name);
            }
        }

        return new TargetForeignKeys(suspendable, checkedAtOnce, defaultSchema);
    }

    /// <summary>
    /// Drops the unit's suspendable foreign keys inside its transaction; returns the statement that
    /// adds them back (and validates every row at once), or null when there are none.
    /// </summary>
    public async Task<string?> SuspendAsync(NpgsqlConnection writer, LoadUnit unit, CancellationToken cancellationToken)
    {
        var constraints = unit.Tables.SelectMany(t => _suspendable.GetValueOrDefault((t.Schema ?? DefaultSchema, t.Name)) ?? []).ToList();
        if (constraints.Count == 0)
        {
            return null;
        }

        // Dropping a foreign key locks the referenced table too. Every lock taken at once, in one
        // order shared by all units, so two units referencing the same tables wait for each other
        // instead of deadlocking.
        var locked = constraints.SelectMany(c => new[] { c.Table, c.Referenced }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var drop = constraints.GroupBy(c => c.Table, StringComparer.Ordinal)
            .Select(g => $"ALTER TABLE {g.Key} {string.Join(", ", g.Select(c => $"DROP CONSTRAINT {PgSql.Quote(c.Name)}"))}");
        await PostgresEndpoint.ExecuteAsync(writer,
            $"LOCK TABLE {string.Join(", ", locked)} IN ACCESS EXCLUSIVE MODE; {string.Join("; ", drop)}", cancellationToken);

        var add = constraints.GroupBy(c => c.Table, StringComparer.Ordinal)
            .Select(g => $"ALTER TABLE {g.Key} {string.Join(", ", g.Select(c => $"ADD CONSTRAINT {PgSql.Quote(c.Name)} {c.Definition}"))}")
            .Concat(constraints.Where(c => c.Comment is not null)
                .Select(c => $"COMMENT ON CONSTRAINT {PgSql.Quote(c.Name)} ON {c.Table} IS {PgSql.Literal(c.Comment!)}"));
        return string.Join("; ", add);
    }

    /// <param name="Table">The referencing table, as regclass spells it (quoted where needed).</param>
    /// <param name="Definition">As pg_get_constraintdef gives it: columns, referenced table, actions, deferrability.</param>
    private sealed record Constraint(string Table, string Referenced, string Name, string Definition, string? Comment);
}
