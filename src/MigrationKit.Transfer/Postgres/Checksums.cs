using MigrationKit.Core;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// --verify: each table's row count and a checksum on both ends. The checksum adds up part of the
/// md5 of every row's text, so it needs neither a sort nor one long string, and any changed value
/// changes it.
/// </summary>
internal static class Checksums
{
    // The row text depends on these settings; both ends must spell values alike.
    public const string SessionSettings =
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; " +
        "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'";

    public static async Task<TableChecksum> ReadAsync(NpgsqlConnection connection, TablePlan plan, CancellationToken cancellationToken)
    {
        var where = plan.Where is null ? "" : $" WHERE {plan.Where.Sql(DatabaseKind.PostgreSql)}";
        var sql = $"SELECT count(*), coalesce(sum(('x' || left(md5(ROW({PgSql.Columns(plan.Columns)})::text), 15))::bit(60)::bigint), 0)::text " +
                  $"FROM {PgSql.Table(plan.Table)}{where}";
        var rows = await PostgresEndpoint.ListAsync(connection, sql, r => new TableChecksum(r.GetInt64(0), r.GetString(1)), cancellationToken);
        return rows[0];
    }

    /// <summary>
    /// Compares every table of both ends, read at once; any difference is an error naming the tables.
    /// A failure at either end (a server gone, a lock timeout) is one line naming that end, and
    /// cancels the other end's read, so no command is left running on a session the copy cleans up.
    /// The target's read-only transaction is rolled back: it only read.
    /// </summary>
    public static async Task VerifyAsync(
        (PostgresEndpoint End, NpgsqlConnection Connection) source, (PostgresEndpoint End, NpgsqlConnection Connection) target,
        IReadOnlyList<TablePlan> plans, CancellationToken cancellationToken)
    {
        await AtAsync(source.End, () => PostgresEndpoint.ExecuteAsync(source.Connection, SessionSettings, cancellationToken));
        await AtAsync(target.End, () => PostgresEndpoint.ExecuteAsync(target.Connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " + SessionSettings, cancellationToken));
        var differences = new List<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var plan in plans)
        {
            var onSource = AtAsync(source.End, () => ReadAsync(source.Connection, plan, stop.Token));
            var onTarget = AtAsync(target.End, () => ReadAsync(target.Connection, plan, stop.Token));
            var first = await Task.WhenAny(onSource, onTarget);
            if (!first.IsCompletedSuccessfully)
            {
                await stop.CancelAsync();
                // Both reads ended before the copy cleans up their sessions; the first failure is the one reported.
                await Task.WhenAll(onSource, onTarget).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                await first;
            }

            Compare(plan, await onSource, await onTarget, differences);
        }

        await AtAsync(target.End, () => PostgresEndpoint.ExecuteAsync(target.Connection, "ROLLBACK", cancellationToken));
        ThrowIfAny(differences);
    }

    private static async Task<T> AtAsync<T>(PostgresEndpoint end, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (NpgsqlException e)
        {
            throw new MigrationKitException($"Verifying the copy failed: the {end.Role} database {end.Display}: {PostgresEndpoint.Reason(e)}", null, e);
        }
    }

    private static Task AtAsync(PostgresEndpoint end, Func<Task> step) => AtAsync(end, async () =>
    {
        await step();
        return true;
    });

    /// <summary>Adds a line to <paramref name="differences"/> when the two ends of a table disagree.</summary>
    public static void Compare(TablePlan plan, TableChecksum source, TableChecksum target, List<string> differences)
    {
        if (source.Rows != target.Rows)
        {
            differences.Add($"{plan.Table}: {source.Rows} rows on the source, {target.Rows} on the target");
        }
        else if (source.Sum != target.Sum)
        {
            differences.Add($"{plan.Table}: the checksums of its {source.Rows} rows differ");
        }
    }

    public static void ThrowIfAny(List<string> differences)
    {
        if (differences.Count > 0)
        {
            throw new MigrationKitException(
                $"Verification failed: {string.Join("; ", differences)}.",
                "Something changed the target's rows during or after the copy (a trigger, another session, --on-conflict skip keeping the target's rows).");
        }
    }
}

internal readonly record struct TableChecksum(long Rows, string Sum);
