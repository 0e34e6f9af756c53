using MigrationKit.Core;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// What --resume reads: a small table in the target listing the tables a copy has finished, each
/// row written in the same transaction as the table's rows, so it never claims a table that a kill
/// rolled back. A copy that completes drops it.
/// </summary>
internal static class CopyProgressTable
{
    public const string Name = "migratekit_copy_progress";

    private static readonly string Quoted = PgSql.Quote(Name);

    /// <summary>The tables already finished from this source when resuming; otherwise starts afresh and returns none.</summary>
    public static async Task<HashSet<string>> StartAsync(NpgsqlConnection target, string source, bool resume, CancellationToken cancellationToken)
    {
        var finished = new HashSet<string>(StringComparer.Ordinal);
        if (resume && await PostgresEndpoint.ScalarAsync(target, $"SELECT to_regclass({PgSql.Literal(Quoted)}) IS NOT NULL", cancellationToken) is true)
        {
            var rows = await PostgresEndpoint.ListAsync(target, $"SELECT table_name, source FROM {Quoted}", r => (Table: r.GetString(0), Source: r.GetString(1)), cancellationToken);
            var other = rows.FirstOrDefault(r => r.Source != source);
            if (other.Source is not null)
            {
                throw new MigrationKitException(
                    $"The unfinished copy in the target came from {other.Source}, not {source}.",
                    "Resume with the same --from, or copy afresh with --truncate.");
            }

            finished.UnionWith(rows.Select(r => r.Table));
            return finished;
        }

        await PostgresEndpoint.ExecuteAsync(target, $"""
            DROP TABLE IF EXISTS {Quoted};
            CREATE TABLE {Quoted} (table_name text PRIMARY KEY, source text NOT NULL, rows bigint NOT NULL, finished_at timestamptz NOT NULL DEFAULT now())
            """, cancellationToken);
        return finished;
    }

    /// <summary>Inside the table's own transaction.</summary>
    public static async Task MarkAsync(NpgsqlConnection target, string table, string source, long rows, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"INSERT INTO {Quoted} (table_name, source, rows) VALUES ($1, $2, $3)", target)
        {
            Parameters = { new() { Value = table }, new() { Value = source }, new() { Value = rows } },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static Task FinishAsync(NpgsqlConnection target, CancellationToken cancellationToken)
        => PostgresEndpoint.ExecuteAsync(target, $"DROP TABLE IF EXISTS {Quoted}", cancellationToken);
}
