using System.Data.Common;
using MigrationKit.Core;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>
/// A user's --where predicate on one table, parsed by <see cref="RowFilterParser"/> and rendered by
/// us: the table's own columns, literals, comparisons and the allow-listed casts and pure functions,
/// nothing else. The user's text never reaches a server, so a predicate cannot read another table,
/// call a function with side effects (pg_terminate_backend, lo_import) or start a second statement.
/// </summary>
internal sealed class RowFilter
{
    private readonly string _postgres;
    private readonly string _sqlite;
    private readonly string? _notOnSqlite;

    private RowFilter(TransferTable table, string postgres, string sqlite, string? notOnSqlite)
    {
        Table = table;
        _postgres = postgres;
        _sqlite = sqlite;
        _notOnSqlite = notOnSqlite;
    }

    public TransferTable Table { get; }

    /// <summary>Parses <paramref name="predicate"/> over <paramref name="table"/>'s columns, for databases of the kinds given.</summary>
    public static RowFilter Parse(TransferTable table, string predicate, params ReadOnlySpan<DatabaseKind> engines)
    {
        var (postgres, sqlite, notOnSqlite) = RowFilterParser.Parse(table, predicate);
        var filter = new RowFilter(table, postgres, sqlite, notOnSqlite);
        foreach (var engine in engines)
        {
            filter.Sql(engine);
        }

        return filter;
    }

    /// <summary>The predicate as <paramref name="engine"/> reads it, every operation in parentheses.</summary>
    public string Sql(DatabaseKind engine) => engine switch
    {
        DatabaseKind.PostgreSql => _postgres,
        _ when _notOnSqlite is not null => throw new MigrationKitException($"--where: {_notOnSqlite} (in the predicate for table {Table}).",
            "Write the predicate with what both ends of the transfer have."),
        _ => _sqlite,
    };

    /// <summary>
    /// Runs each filter once on the source without reading a row, so that what only the source can
    /// tell (a column it lacks, a comparison of a text column with a number) fails before any table
    /// of the target is touched. The message names the table and the server's reason, which speaks
    /// of the table's own columns only.
    /// </summary>
    public static async Task CheckOnSourceAsync(
        IEnumerable<TablePlan> plans, DatabaseKind engine, Func<TransferTable, string> tableSql,
        Func<string, Task> execute, Func<DbException, string> reason)
    {
        foreach (var plan in plans)
        {
            if (plan.Where is not { } filter)
            {
                continue;
            }

            try
            {
                await execute($"SELECT 1 FROM {tableSql(plan.Table)} WHERE {filter.Sql(engine)} LIMIT 0");
            }
            catch (DbException e)
            {
                throw new MigrationKitException($"--where: the predicate for table {plan.Table} fails on the source: {reason(e)}", "Nothing was copied.", e);
            }
        }
    }
}
