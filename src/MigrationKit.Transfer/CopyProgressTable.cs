using System.Data.Common;
using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;

namespace MigrationKit.Transfer;

/// <summary>
/// What --resume reads: a small table in the target listing the tables a copy has finished, each
/// row written in the same transaction as the table's rows, so it never claims a table that a kill
/// rolled back. A copy that completes drops it. The SQL is the subset PostgreSQL and SQLite share.
/// </summary>
internal static class CopyProgressTable
{
    public const string Name = "migratekit_copy_progress";

    private static readonly string Quoted = PgSql.Quote(Name);

    /// <summary>The tables already finished from this source when resuming; otherwise starts afresh and returns none.</summary>
    public static async Task<HashSet<string>> StartAsync(DbConnection target, string source, bool resume, CancellationToken cancellationToken)
    {
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var exists = await ExistsAsync(target, cancellationToken);
        if (resume && !exists)
        {
            // Copying everything again would duplicate every row, or redo a whole --truncate copy.
            throw new MigrationKitException(
                "Nothing to resume: the target holds no unfinished copy (a copy that finishes removes its progress table).",
                "To copy again, leave out --resume (with --truncate or --on-conflict for the rows already there).");
        }

        if (resume)
        {
            var rows = new List<(string Table, string Source)>();
            await using (var command = Command(target, $"SELECT table_name, source FROM {Quoted}"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

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

        await ExecuteAsync(target, $"DROP TABLE IF EXISTS {Quoted}", cancellationToken);
        await ExecuteAsync(target, $"CREATE TABLE {Quoted} (table_name text PRIMARY KEY, source text NOT NULL, rows bigint NOT NULL)", cancellationToken);
        return finished;
    }

    /// <summary>Inside the table's own transaction.</summary>
    public static async Task MarkAsync(DbConnection target, string table, string source, long rows, CancellationToken cancellationToken)
    {
        await using var command = Command(target, $"INSERT INTO {Quoted} (table_name, source, rows) VALUES (@table, @source, @rows)");
        Add(command, "table", table);
        Add(command, "source", source);
        Add(command, "rows", rows);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static Task FinishAsync(DbConnection target, CancellationToken cancellationToken)
        => ExecuteAsync(target, $"DROP TABLE IF EXISTS {Quoted}", cancellationToken);

    private static async Task<bool> ExistsAsync(DbConnection target, CancellationToken cancellationToken)
    {
        await using var command = Command(target, target is SqliteConnection
            ? $"SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = {PgSql.Literal(Name)}"
            : $"SELECT to_regclass({PgSql.Literal(Quoted)}) IS NOT NULL");
        return Convert.ToBoolean(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
