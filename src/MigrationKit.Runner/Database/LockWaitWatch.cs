using System.Data.Common;

namespace MigrationKit.Runner.Database;

/// <summary>
/// What a statement of the run waits for, seen from a second connection while it waits: its own
/// ungranted row in pg_locks names the table, pg_blocking_pids the sessions in the way. PostgreSQL
/// ends the wait (lock_timeout) with an error that names neither, and once it has ended nobody
/// waits any more, so this is the one reliable moment to look. The second connection opens only
/// when a statement runs longer than the delay given to <see cref="Begin"/>: a run of quick
/// revisions never opens it.
/// </summary>
internal sealed class LockWaitWatch(DbConnection watched, int watchedPid) : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(150);

    private DbConnection? _watcher;

    /// <summary>The last wait seen since <see cref="Begin"/>; null when none was.</summary>
    public LockWait? Last { get; private set; }

    /// <summary>Looks every so often, from <paramref name="after"/> on, until the result is disposed.</summary>
    public IAsyncDisposable Begin(TimeSpan after)
    {
        Last = null;
        var stop = new CancellationTokenSource();
        var polling = PollAsync(after, stop.Token);
        return new Stop(async () =>
        {
            await stop.CancelAsync();
            await polling;
            stop.Dispose();
        });
    }

    private async Task PollAsync(TimeSpan after, CancellationToken stop)
    {
        try
        {
            await Task.Delay(after, stop);
            if (_watcher is null)
            {
                var watcher = PostgreSqlDialect.SecondConnection(watched);
                await watcher.OpenAsync(stop);
                _watcher = watcher;
            }

            while (!stop.IsCancellationRequested)
            {
                // Not cancelled half-way: a cancelled query would cost the server a cancel request.
                Last = await SeeAsync(_watcher) ?? Last;
                await Task.Delay(PollInterval, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (DbException)
        {
            // A watch that cannot look (no free connection, say) leaves the error without names.
        }
    }

    private async Task<LockWait?> SeeAsync(DbConnection watcher)
    {
        await using var command = watcher.CreateCommand();
        command.CommandText = """
            SELECT coalesce(l.relation::regclass::text, l.locktype), b.pid, coalesce(b.application_name, ''), coalesce(b.state, ''),
                   extract(epoch FROM now() - coalesce(b.xact_start, b.backend_start))::float8,
                   left(regexp_replace(coalesce(b.query, ''), '\s+', ' ', 'g'), 60)
            FROM pg_locks l
            CROSS JOIN LATERAL unnest(pg_blocking_pids(l.pid)) AS blocking(pid)
            LEFT JOIN pg_stat_activity b ON b.pid = blocking.pid
            WHERE l.pid = @pid AND NOT l.granted
            ORDER BY b.pid
            """;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "pid";
        parameter.Value = watchedPid;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        string? what = null;
        var holders = new List<string>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            what ??= reader.GetString(0);
            var application = reader.GetString(2);
            holders.Add($"pid {reader.GetInt32(1)} ("
                        + (application.Length > 0 ? $"'{application}', " : "")
                        + $"{reader.GetString(3)} for {DatabaseDialect.Seconds(TimeSpan.FromSeconds(reader.GetDouble(4)))} s: {reader.GetString(5)})");
        }

        return what is null ? null : new LockWait(what, string.Join(", ", holders));
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }
    }

    private sealed class Stop(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }
}

/// <summary>A lock that a statement waited for: the table (or the kind of lock), and who held it.</summary>
internal sealed record LockWait(string Table, string Holders);
