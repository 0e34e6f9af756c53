using MigrationKit.Core;
using MigrationKit.Testing;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// Faults during a copy between two PostgreSQL databases: the first error is the one reported, in
/// one line and within a bound, whatever fails after it while the copy cleans up.
/// </summary>
public sealed class FaultTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);

    private const string Schema = "CREATE TABLE items (id int PRIMARY KEY, name text);";

    private static readonly TransferTable[] Items = [Describe.Table("items", ["id", "name"])];

    private static async Task<TransferDatabases> SeededAsync()
    {
        var databases = await TransferDatabases.CreateAsync(Schema);
        await databases.Source.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
        return databases;
    }

    private static string Name(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    [Fact]
    public async Task A_source_lost_during_verify_is_one_line_within_a_bound()
    {
        var databases = await SeededAsync();
        var source = Name(databases.Source.ConnectionString);

        // The table is committed; the verify that comes next finds every session of the source gone.
        var progress = new OnFinished(() => PostgresServer.QueryColumnAsync(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString,
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source}' AND pid <> pg_backend_pid()"));
        var copy = databases.CopyAsync(Items, new CopyOptions { Verify = true, Jobs = 1 }, progress);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => copy.WaitAsync(Bounded));

        Assert.StartsWith($"Verifying the copy failed: the source database 127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("terminating connection due to administrator command", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(1000, await databases.Target.CountAsync("items"));
    }

    [Fact]
    public async Task A_verify_that_fails_on_the_target_reports_that_failure_not_the_unlock_after_it()
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync($"ALTER DATABASE \"{Name(databases.Target.ConnectionString)}\" SET lock_timeout = '1s'");
        await using var holder = new NpgsqlConnection(databases.Target.ConnectionString);
        await holder.OpenAsync();

        // Another session takes the loaded table as the verify starts: the verify's read times out.
        var progress = new OnFinished(async () =>
        {
            await using var take = new NpgsqlCommand("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE", holder);
            await take.ExecuteNonQueryAsync();
        });
        var copy = databases.CopyAsync(Items, new CopyOptions { Verify = true, Jobs = 1 }, progress);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => copy.WaitAsync(Bounded));

        Assert.StartsWith($"Verifying the copy failed: the target database 127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("canceling statement due to lock timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_after_a_copy_that_finished_says_there_is_nothing_to_resume_and_copies_nothing()
    {
        var databases = await SeededAsync();
        await databases.CopyAsync(Items);
        await databases.Target.ExecuteAsync("UPDATE items SET name = 'changed after the copy' WHERE id = 1");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Items, new CopyOptions { Resume = true }));

        Assert.Equal("Nothing to resume: the target holds no unfinished copy (a copy that finishes removes its progress table).", error.Message);
        Assert.Equal(["changed after the copy"], await databases.Target.QueryAsync("SELECT name FROM items WHERE id = 1"));
    }

    [Fact]
    public async Task A_full_disk_on_the_target_is_reported_as_postgresqls_own_error()
    {
        var databases = await SeededAsync();
        await databases.Source.ExecuteAsync("INSERT INTO items SELECT g, repeat('x', 500) FROM generate_series(1001, 20000) g");

        var error = await OnFullDiskAsync(databases.Target.ConnectionString, "items", () => databases.CopyAsync(Items, new CopyOptions { Jobs = 1 }));

        Assert.StartsWith("Loading items failed, and the target keeps them as they were: could not extend file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_during_an_import_is_reported_as_postgresqls_own_error()
    {
        var databases = await SeededAsync();
        await databases.Source.ExecuteAsync("INSERT INTO items SELECT g, repeat('x', 500) FROM generate_series(1001, 20000) g");
        using var folder = new TempDirectory("migratekit-export");
        await new Postgres.CsvTransfer(databases.Source.ConnectionString, ScratchDatabase.VersionTable).ExportAsync(Items, folder.Path, CancellationToken.None);

        var error = await OnFullDiskAsync(databases.Target.ConnectionString, "items", () =>
            new Postgres.CsvTransfer(databases.Target.ConnectionString, ScratchDatabase.VersionTable).ImportAsync(Items, folder.Path, truncate: true, CancellationToken.None));

        Assert.Contains("could not extend file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_on_a_postgresql_target_of_a_sqlite_copy_is_reported_as_postgresqls_own_error()
    {
        using var source = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Sqlite);
        await source.SeedAsync();
        await source.ExecuteAsync("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
            INSERT INTO accounts ("Name", "Active", "Balance", "Ratio", "Small", "Big", "Kind", "OpenedAt", "Day", "Time", "Span", "PublicId")
            SELECT printf('%.500c', 'x'), 1, '0.0', 0, 0, 0, 1, '2024-01-01 00:00:00', '2024-01-01', '00:00:00', '00:00:00', printf('%08X-0000-0000-0000-000000000000', i) FROM n
            """);
        using var target = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Postgres);

        var error = await OnFullDiskAsync(target.ConnectionString, "accounts", () => source.CopyToAsync(target));

        Assert.StartsWith("Loading accounts", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not extend file", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The target's table on a 1 MB file system, as on a full disk: the copy must fail with
    /// PostgreSQL's own words, not with what its clean-up ran into afterwards.
    /// </summary>
    private static async Task<MigrationKitException> OnFullDiskAsync(string target, string table, Func<Task> copy)
    {
        var postgres = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString;
        var owner = Shell.Run("stat", "-c", "%U", (await PostgresServer.QueryColumnAsync(postgres, "SHOW data_directory")).Single()).Trim();
        using var disk = new TempDirectory("migratekit-full");
        var database = Name(target);
        var tablespace = "full_" + database;
        Shell.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.Path);
        try
        {
            Shell.Run("chown", owner, disk.Path);
            await PostgresServer.QueryColumnAsync(postgres, $"CREATE TABLESPACE {tablespace} LOCATION '{disk.Path}'");
            await PostgresServer.QueryColumnAsync(target, $"ALTER TABLE {table} SET TABLESPACE {tablespace}");

            var error = await Assert.ThrowsAsync<MigrationKitException>(() => copy().WaitAsync(Bounded));

            Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
            return error;
        }
        finally
        {
            await PostgresServer.QueryColumnAsync(postgres, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            await PostgresServer.QueryColumnAsync(postgres, $"DROP TABLESPACE IF EXISTS {tablespace}");
            Shell.Run("umount", disk.Path);
        }
    }

    [Fact]
    public async Task Every_transaction_a_copy_begins_on_the_source_ends_in_rollback()
    {
        var databases = await SeededAsync();
        var source = Name(databases.Source.ConnectionString);
        var before = await RollbacksAsync(source);

        await databases.CopyAsync(Items, new CopyOptions { Verify = true, Jobs = 1 });

        // The snapshot's transaction and the unit's reader: both only read, and neither is committed.
        Assert.True(await RollbacksAsync(source) - before >= 2, "A transaction on the source ended in COMMIT.");
    }

    /// <summary>The database's rolled-back transactions, once every session of it has ended and reported them.</summary>
    private static async Task<long> RollbacksAsync(string database)
    {
        var postgres = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        for (var i = 0; i < 100 && (await PostgresServer.QueryColumnAsync(postgres, $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'")).Single() != "0"; i++)
        {
            await Task.Delay(100);
        }

        return long.Parse((await PostgresServer.QueryColumnAsync(postgres, $"SELECT xact_rollback FROM pg_stat_database WHERE datname = '{database}'")).Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a fault as the first table's load is committed.</summary>
    private sealed class OnFinished(Func<Task> fault) : ITransferProgress
    {
        public void Started(string table)
        {
        }

        public void Advanced(string table, long rows, long bytes)
        {
        }

        public void Finished(TableResult result) => fault().GetAwaiter().GetResult();
    }
}
