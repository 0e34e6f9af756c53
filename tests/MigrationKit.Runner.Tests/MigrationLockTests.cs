using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>Every wait for the migration lock ends, with one line that says what it waited for.</summary>
public sealed class MigrationLockTests
{
    [Fact]
    public async Task A_second_upgrade_on_postgres_gives_up_after_the_lock_wait_and_names_the_session_holding_the_lock()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var database = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database!;
        await using var holder = new NpgsqlConnection(db.ConnectionString + ";Application Name=lock-holder-test;Pooling=false");
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", holder))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey.ForPostgres(database, ScratchDatabase.VersionTable));
            await take.ExecuteScalarAsync();
        }

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(Linear.All, new RunnerOptions { LockWait = TimeSpan.FromSeconds(1) }).UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        Assert.StartsWith($"Gave up after 1 s waiting for the migration lock of database '{database}'", error.Message);
        Assert.Contains($"pid {holder.ProcessID} (application 'lock-holder-test')", error.Message);
        Assert.Empty(await db.TablesAsync());
    }

    [Fact]
    public async Task A_second_upgrade_on_sqlite_gives_up_after_the_lock_wait_and_names_the_database_and_lock_file()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var path = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        await using var held = new FileStream(path + ".migratekit-lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(Linear.All, new RunnerOptions { LockWait = TimeSpan.FromSeconds(1) }).UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith($"Gave up after 1 s waiting for the migration lock of '{path}'", error.Message);
        Assert.Contains($"the lock file '{path}.migratekit-lock'", error.Message);
        Assert.Empty(await db.TablesAsync());
    }

    [Fact]
    public async Task A_waiting_upgrade_says_that_it_waits_and_takes_the_lock_once_it_is_free()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var path = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        var held = new FileStream(path + ".migratekit-lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var log = new LogLines();

        var upgrade = db.Runner(Linear.All, new RunnerOptions { LockWait = TimeSpan.FromSeconds(20) }, log.Logger).UpgradeAsync("head");
        await Task.Delay(500);
        Assert.False(upgrade.IsCompleted);
        await held.DisposeAsync();

        Assert.Equal(5, (await upgrade.WaitAsync(TimeSpan.FromSeconds(20))).Steps.Count);
        Assert.Equal(
            $"Waiting for the migration lock of '{path}', held by another upgrade, downgrade, stamp or copy (the lock file '{path}.migratekit-lock') (at most 20 s)",
            log.Lines[0]);
    }

    [Fact]
    public async Task Upgrade_of_a_sqlite_file_on_read_only_storage_fails_at_once_naming_the_lock_file_and_why()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db.Runner(Linear.All).UpgradeAsync("+1");
        var folder = Path.GetDirectoryName(new SqliteConnectionStringBuilder(db.ConnectionString).DataSource)!;
        using var readOnly = new TempDirectory("migratekit-ro");
        await RunAsync("mount", "--bind", folder, readOnly.Path);
        try
        {
            await RunAsync("mount", "-o", "remount,bind,ro", readOnly.Path);
            var file = readOnly.File("test.db");
            var options = new DbContextOptionsBuilder().UseSqlite($"Data Source={file};Pooling=False").Options;
            var runner = new RevisionRunner(new DbContext(options), RevisionCatalog.FromTypes(Linear.All));

            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<MigrationKitException>(() => runner.UpgradeAsync("head").WaitAsync(TimeSpan.FromSeconds(30)));

            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.Equal($"Cannot create or open the migration lock file '{file}.migratekit-lock': Read-only file system : '{file}.migratekit-lock'", error.Message);
        }
        finally
        {
            // Lazy: detached even while something still holds a file under it, so no mount outlives the test.
            await RunAsync("umount", "--lazy", readOnly.Path);
        }

        Assert.Equal(["aa0000000001"], await db.VersionRowsAsync());
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed (this test needs root for a read-only bind mount): {error}");
    }
}
