using System.Globalization;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// Where a large table is cut into key ranges of its primary key so that several source sessions can
/// read it at once. The cuts come from a sample of the keys in the exported snapshot; they only
/// balance the work: the ranges are half-open and together cover every possible key, so every row
/// is read exactly once whatever the sample was.
/// </summary>
internal static class KeyRanges
{
    // Enough sampled keys to cut a table into a few even ranges; SYSTEM sampling reads whole pages, so it is cheap.
    private const double SampledKeys = 20_000;

    /// <summary>
    /// The predicates that split the table (each to be ANDed with the table's --where), or an empty
    /// list when it stays whole: not above <paramref name="threshold"/> bytes on the source, one job,
    /// or a key of several columns.
    /// </summary>
    public static async Task<IReadOnlyList<string>> PlanAsync(
        NpgsqlConnection source, TablePlan plan, string keyType, long threshold, int jobs, CancellationToken cancellationToken)
    {
        if (jobs < 2 || plan.Table.Key.Count != 1 || threshold <= 0)
        {
            return [];
        }

        var table = PgSql.Table(plan.Table);
        var stats = await PostgresEndpoint.ListAsync(source,
            $"SELECT pg_relation_size({PgSql.Literal(table)}::regclass), greatest(reltuples, 1) FROM pg_class WHERE oid = {PgSql.Literal(table)}::regclass",
            r => (Bytes: r.GetInt64(0), Rows: r.GetDouble(1)), cancellationToken);
        var (bytes, rows) = stats[0];
        if (bytes <= threshold)
        {
            return [];
        }

        var count = (int)Math.Clamp((bytes + threshold - 1) / threshold, 2, jobs);
        var key = PgSql.Quote(plan.Table.Key[0]);
        var percent = Math.Clamp(100 * SampledKeys / rows, 0.001, 100).ToString("0.###", CultureInfo.InvariantCulture);
        // The first key of every sampled bucket but the first is a cut.
        var cuts = await PostgresEndpoint.ListAsync(source, $"""
            SELECT min(k)::text FROM (SELECT k, ntile({count}) OVER (ORDER BY k) AS bucket FROM (SELECT {key} AS k FROM {table} TABLESAMPLE SYSTEM ({percent})) s) b
            GROUP BY bucket HAVING bucket > 1 ORDER BY min(k)
            """, r => $"{PgSql.Literal(r.GetString(0))}::{keyType}", cancellationToken);
        cuts = cuts.Distinct(StringComparer.Ordinal).ToList();
        if (cuts.Count == 0)
        {
            return [];
        }

        var ranges = new List<string>(cuts.Count + 1) { $"{key} < {cuts[0]}" };
        for (var i = 1; i < cuts.Count; i++)
        {
            ranges.Add($"{key} >= {cuts[i - 1]} AND {key} < {cuts[i]}");
        }

        ranges.Add($"{key} >= {cuts[^1]}");
        return ranges;
    }
}
