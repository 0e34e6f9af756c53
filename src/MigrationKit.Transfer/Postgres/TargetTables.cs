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
    /// deferred. Returns what <see cref="RestoreAsync"/> runs before the commit.
    /// </summary>
    public static async Task<string?> PrepareAsync(NpgsqlConnection writer, LoadUnit unit, bool disableTriggers, TargetForeignKeys foreignKeys, CancellationToken cancellationToken)
    {
        try
        {
            if (disableTriggers)
            {
                await PostgresEndpoint.ExecuteAsync(writer, "SET LOCAL session_replication_role = replica", cancellationToken);
                return null;
            }

            var restore = await foreignKeys.SuspendAsync(writer, unit, cancellationToken);
            if (unit.IsCycle)
            {
                await PostgresEndpoint.ExecuteAsync(writer, "SET CONSTRAINTS ALL DEFERRED", cancellationToken);
            }

            return restore;
        }
        catch (PostgresException e)
        {
            throw Failed(unit, e);
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

    /// <summary>Every serial or identity sequence of the table set past its highest key, so the next insert does not collide.</summary>
    public static async Task SetSequencesAsync(NpgsqlConnection writer, string table, CancellationToken cancellationToken)
    {
        var name = PgSql.Literal(table);
        var sequences = await PostgresEndpoint.ListAsync(writer, $"""
            SELECT a.attname, s.seq FROM pg_attribute a CROSS JOIN LATERAL pg_get_serial_sequence({name}, a.attname) AS s(seq)
            WHERE a.attrelid = {name}::regclass AND a.attnum > 0 AND NOT a.attisdropped AND s.seq IS NOT NULL
            """, r => (Column: r.GetString(0), Sequence: r.GetString(1)), cancellationToken);
        foreach (var (column, sequence) in sequences)
        {
            var seq = PgSql.Literal(sequence);
            await PostgresEndpoint.ExecuteAsync(writer, $"""
                SELECT setval({seq}, m) FROM (SELECT max({PgSql.Quote(column)}) AS m FROM {table}) s
                WHERE m >= (SELECT seqmin FROM pg_sequence WHERE seqrelid = {seq}::regclass)
                """, cancellationToken);
        }
    }

    public static MigrationKitException Failed(LoadUnit unit, PostgresException e)
        => Failed(string.Join(", ", unit.Tables.Select(t => t.DisplayName)), e);

    public static MigrationKitException Failed(string tables, PostgresException e)
    {
        var detail = e.Detail is { Length: > 0 } d ? $" ({d})" : "";
        var hint = e.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => "The target already holds some of these rows: pass --on-conflict skip or update, --truncate, or --resume after an interrupted copy.",
            PostgresErrorCodes.InsufficientPrivilege => "The target's user lacks a right the copy needs (--disable-triggers needs a superuser).",
            _ => null,
        };
        return new MigrationKitException($"Loading {tables} failed, and the target keeps them as they were: {e.MessageText}{detail}", hint, e);
    }
}
