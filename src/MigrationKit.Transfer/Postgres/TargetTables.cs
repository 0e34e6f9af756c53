using MigrationKit.Core;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>What every load into a PostgreSQL target does alike (copy and import): the unit's transaction settings, sequences, failures.</summary>
internal static class TargetTables
{
    /// <summary>
    /// Inside the unit's transaction: triggers off when asked; otherwise the foreign keys the user may
    /// suspend dropped (see <see cref="TargetForeignKeys"/>) and the deferrable ones of a cycle
    /// deferred; then, for --truncate, the unit's tables emptied, so a failed or killed load rolls the
    /// emptying back with the rows. Returns what <see cref="RestoreAsync"/> runs before the commit.
    /// </summary>
    /// <param name="advice">What a failure's hint may advise; <see cref="LoadAdvice.Copy"/> by default.</param>
    public static async Task<string?> PrepareAsync(
        NpgsqlConnection writer, LoadUnit unit, bool disableTriggers, bool truncate, TargetForeignKeys foreignKeys, CancellationToken cancellationToken, LoadAdvice? advice = null)
    {
        try
        {
            string? restore = null;
            if (disableTriggers)
            {
                await PostgresEndpoint.ExecuteAsync(writer, "SET LOCAL session_replication_role = replica", cancellationToken);
            }
            else
            {
                restore = await foreignKeys.SuspendAsync(writer, unit, cancellationToken);
                if (unit.IsCycle)
                {
                    await PostgresEndpoint.ExecuteAsync(writer, "SET CONSTRAINTS ALL DEFERRED", cancellationToken);
                }
            }

            if (truncate)
            {
                // One statement: the unit's tables may reference each other. A table outside the unit
                // that references one of them makes TRUNCATE refuse, rather than empty it too.
                await PostgresEndpoint.ExecuteAsync(writer, $"TRUNCATE {string.Join(", ", unit.Tables.Select(PgSql.Table))}", cancellationToken);
            }

            return restore;
        }
        catch (PostgresException e)
        {
            throw Failed(unit, e, advice);
        }
    }

    /// <summary>The suspended foreign keys added back: every loaded row checked in one query per key.</summary>
    public static async Task RestoreAsync(NpgsqlConnection writer, LoadUnit unit, string? restore, CancellationToken cancellationToken)
    {
        if (restore is null)
        {
            return;
        }

        try
        {
            await PostgresEndpoint.ExecuteAsync(writer, restore, cancellationToken);
        }
        catch (PostgresException e)
        {
            throw Failed(unit, e);
        }
    }

    /// <summary>
    /// Every sequence that feeds an integer column of the table set past the column's highest value,
    /// so the next insert does not collide: identity and serial ones (owned by the column) and those
    /// a column uses only through <c>DEFAULT nextval(...)</c>, which pg_get_serial_sequence misses.
    /// A sequence never moves back: another table may share it and hold higher values.
    /// </summary>
    public static async Task SetSequencesAsync(NpgsqlConnection writer, string table, CancellationToken cancellationToken)
    {
        var name = PgSql.Literal(table);
        var sequences = await PostgresEndpoint.ListAsync(writer, $"""
            SELECT a.attname, d.objid::regclass::text
            FROM pg_depend d
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = {name}::regclass
              AND d.deptype IN ('a', 'i') AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
            UNION
            SELECT a.attname, d.refobjid::regclass::text
            FROM pg_attrdef ad
            JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
            JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
            WHERE ad.adrelid = {name}::regclass AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
            """, r => (Column: r.GetString(0), Sequence: r.GetString(1)), cancellationToken);
        foreach (var (column, sequence) in sequences)
        {
            // regclass spells the name quoted where needed: an identifier as it stands, a literal once quoted.
            var seq = PgSql.Literal(sequence);
            await PostgresEndpoint.ExecuteAsync(writer, $"""
                SELECT setval({seq}, m.v) FROM (SELECT max({PgSql.Quote(column)}) AS v FROM {table}) m, {sequence} q, pg_sequence p
                WHERE p.seqrelid = {seq}::regclass AND p.seqincrement > 0 AND m.v >= p.seqmin
                  AND m.v > CASE WHEN q.is_called THEN q.last_value ELSE q.last_value - 1 END
                """, cancellationToken);
        }
    }

    /// <summary>A temporary table shaped like the plan's columns, for --on-conflict skip|update: rows land there first.</summary>
    public static string CreateStagingSql(TablePlan plan, string staging)
        => $"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {PgSql.Columns(plan.Columns)} FROM {PgSql.Table(plan.Table)} WITH NO DATA";

    /// <summary>The staged rows into the table, existing keys skipped or updated.</summary>
    /// <param name="onConflict">The plan's <see cref="ConflictSql"/> clause.</param>
    public static string MergeStagingSql(TablePlan plan, string staging, string onConflict)
    {
        var columns = PgSql.Columns(plan.Columns);
        return $"INSERT INTO {PgSql.Table(plan.Table)} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {staging} {onConflict}";
    }

    public static MigrationKitException Failed(LoadUnit unit, PostgresException e, LoadAdvice? advice = null)
        => Failed(string.Join(", ", unit.Tables.Select(t => t.DisplayName)), e, advice);

    /// <param name="advice">What the hint may advise; <see cref="LoadAdvice.Copy"/> by default.</param>
    public static MigrationKitException Failed(string tables, PostgresException e, LoadAdvice? advice = null)
    {
        advice ??= LoadAdvice.Copy;
        var detail = e.Detail is { Length: > 0 } d ? $" ({d})" : "";
        var hint = e.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => advice.Conflict,
            PostgresErrorCodes.InsufficientPrivilege => advice.Privilege,
            _ => null,
        };
        return new MigrationKitException($"Loading {tables} failed, and the target keeps them as they were: {e.MessageText}{detail}", hint, e);
    }
}
