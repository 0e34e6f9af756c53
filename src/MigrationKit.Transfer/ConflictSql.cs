using MigrationKit.Transfer.Postgres;

namespace MigrationKit.Transfer;

/// <summary>--on-conflict as an INSERT's clause; PostgreSQL and SQLite (3.24+) spell upserts alike.</summary>
internal static class ConflictSql
{
    public static string For(TablePlan plan, ConflictMode mode)
    {
        var key = plan.Table.Key;
        if (mode == ConflictMode.Error || key.Count == 0)
        {
            return "";
        }

        var rest = plan.Columns.Where(c => !key.Contains(c)).ToList();
        return mode == ConflictMode.Update && rest.Count > 0
            ? $"ON CONFLICT ({PgSql.Columns(key)}) DO UPDATE SET {string.Join(", ", rest.Select(c => $"{PgSql.Quote(c)} = excluded.{PgSql.Quote(c)}"))}"
            : "ON CONFLICT DO NOTHING";
    }
}
