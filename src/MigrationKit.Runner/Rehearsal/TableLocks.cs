using System.Data.Common;

namespace MigrationKit.Runner.Rehearsal;

/// <summary>
/// The table locks this session holds (PostgreSQL's <c>pg_locks</c>), read after each statement of
/// a rehearsal: locks last until the transaction ends, so what appeared since the last reading is
/// what the statement took.
/// </summary>
/// <remarks>
/// Only tables, partitioned tables, materialized views, foreign tables and views: an index's lock
/// follows its table's, and the catalog's own locks (the lock query reads pg_class too) say nothing
/// about the app. A table dropped in the transaction is no longer in pg_class for this session, so
/// the names of the tables that existed before are read first.
/// </remarks>
internal sealed class TableLocks
{
    private const string Relations = "c.relkind IN ('r', 'p', 'm', 'f', 'v') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

    private const string Name = "CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END";

    private readonly Func<string, DbCommand> _createCommand;
    private readonly Dictionary<long, string> _before;
    private readonly HashSet<(long Relation, string Mode)> _held = [];

    private TableLocks(Func<string, DbCommand> createCommand, Dictionary<long, string> before)
    {
        _createCommand = createCommand;
        _before = before;
    }

    /// <summary>Reads the tables that exist and the locks held now (none are reported later).</summary>
    public static async Task<TableLocks> StartAsync(Func<string, DbCommand> createCommand, CancellationToken cancellationToken)
    {
        var before = new Dictionary<long, string>();
        await using (var command = createCommand($"SELECT c.oid::bigint, {Name} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {Relations}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                before[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        var locks = new TableLocks(createCommand, before);
        await locks.TakeNewAsync(cancellationToken);
        return locks;
    }

    /// <summary>
    /// The locks held now that were not held at the last reading, sorted by table and mode; of two
    /// new locks on one table, one that blocks nothing the other does not is left out.
    /// </summary>
    public async Task<IReadOnlyList<TableLock>> TakeNewAsync(CancellationToken cancellationToken)
    {
        // LEFT JOIN: a table dropped by this transaction has no pg_class row this session can see.
        await using var command = _createCommand($"""
            SELECT l.relation::bigint, l.mode, {Name}
            FROM pg_locks l
            LEFT JOIN pg_class c ON c.oid = l.relation
            LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND (c.oid IS NULL OR ({Relations}))
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var taken = new List<TableLock>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var relation = reader.GetInt64(0);
            var mode = reader.GetString(1);
            var existed = _before.TryGetValue(relation, out var oldName);
            var name = reader.IsDBNull(2) ? oldName : reader.GetString(2);
            // Neither visible nor known before: created and dropped within the rehearsal, or not a table.
            if (name is null || !_held.Add((relation, mode)))
            {
                continue;
            }

            taken.Add(new TableLock(name, mode, CreatedInRehearsal: !existed));
        }

        taken.RemoveAll(weaker => taken.Any(l => l.Table == weaker.Table && LockModes.Covers(l.Mode, weaker.Mode)));
        taken.Sort((a, b) => (string.CompareOrdinal(a.Table, b.Table), string.CompareOrdinal(a.Mode, b.Mode)) switch
        {
            (0, var byMode) => byMode,
            var (byTable, _) => byTable,
        });
        return taken;
    }
}
