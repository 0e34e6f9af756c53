using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using MigrationKit.Runner.Backup;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>RunnerOptions.Backup: pg_dump or SQLite's backup API before the first step, restorable as printed.</summary>
public sealed class BackupTests
{
    public static TheoryData<string, MigrationDirection> ProvidersAndDirections => new()
    {
        { TestDatabase.Postgres, MigrationDirection.Upgrade },
        { TestDatabase.Sqlite, MigrationDirection.Upgrade },
        { TestDatabase.Postgres, MigrationDirection.Downgrade },
        { TestDatabase.Sqlite, MigrationDirection.Downgrade },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndDirections))]
    public async Task Backup_restored_into_a_fresh_database_equals_the_database_before_the_run(string provider, MigrationDirection direction)
    {
        using var database = await TestDatabase.CreateAsync(provider);
        using var folder = new TempDirectory("migratekit-backup");
        await database.Runner(Linear.All).UpgradeAsync("aa0000000003");
        await FillAsync(database);
        if (direction == MigrationDirection.Downgrade)
        {
            await database.Runner(Linear.All).UpgradeAsync("head");
        }

        var before = await ImageAsync(database.Provider, database.ConnectionString);
        var log = new LogLines();

        var runner = database.Runner(Linear.All, new RunnerOptions { Backup = new BackupOptions { Directory = folder.Path } }, log.Logger);
        // The downgrade goes past R3, which drops payments.Amount and the values filled into it.
        await (direction == MigrationDirection.Upgrade ? runner.UpgradeAsync("head") : runner.DowngradeAsync("aa0000000002"));

        var line = Assert.Single(log.Lines, l => l.StartsWith("Backup: ", StringComparison.Ordinal));
        var file = Assert.Single(Directory.GetFiles(folder.Path));
        Assert.Contains(file, line);
        Assert.Matches(provider == TestDatabase.Postgres ? @"/t_\w+-\d{8}T\d{6}Z\.dump$" : @"/test-\d{8}T\d{6}Z\.db$", file);
        Assert.Equal([direction == MigrationDirection.Upgrade ? "aa0000000005" : "aa0000000002"], await database.VersionRowsAsync());
        using var fresh = await RestoredCopyAsync(database, line);
        Assert.Equal(before, await ImageAsync(database.Provider, fresh.ConnectionString));
        Assert.NotEqual(before, await ImageAsync(database.Provider, database.ConnectionString));
    }

    [Fact]
    public async Task Postgres_restore_line_names_the_server_but_never_the_password()
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        using var folder = new TempDirectory("migratekit-backup");
        var log = new LogLines();

        await database.Runner(Linear.All, new RunnerOptions { Backup = new BackupOptions { Path = Path.Combine(folder.Path, "before.dump") } }, log.Logger)
            .UpgradeAsync("head");

        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var line = Assert.Single(log.Lines, l => l.StartsWith("Backup: ", StringComparison.Ordinal));
        Assert.EndsWith(
            $"to restore it: pg_restore --clean --if-exists -h {connection.Host} -p {connection.Port} -U {connection.Username} -d {connection.Database} {folder.File("before.dump")}",
            line);
        Assert.DoesNotContain(log.Lines, l => l.Contains(connection.Password!, StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "migratekit-*.pgpass"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Failed_upgrade_repeats_the_restore_line_and_the_backup_holds_the_database_before_it(string provider)
    {
        using var database = await TestDatabase.CreateAsync(provider);
        using var folder = new TempDirectory("migratekit-backup");
        await database.Runner(FailingInTheMiddle.All).UpgradeAsync("aa0000000001");
        await database.ExecuteAsync("INSERT INTO accounts (\"Id\", \"Name\") VALUES (7, 'seven')");
        var before = await ImageAsync(database.Provider, database.ConnectionString);
        var log = new LogLines();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database
            .Runner(FailingInTheMiddle.All, new RunnerOptions { Backup = new BackupOptions { Directory = folder.Path } }, log.Logger)
            .UpgradeAsync("head"));

        Assert.Contains("broken", error.Message);
        var lines = log.Lines.Where(l => l.StartsWith("Backup: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(lines[0], lines[1]);
        // The step before the broken one committed: the database moved on, the backup did not.
        Assert.Equal(["aa0000000002"], await database.VersionRowsAsync());
        using var restored = await RestoredCopyAsync(database, lines[1]);
        Assert.Equal(before, await ImageAsync(database.Provider, restored.ConnectionString));
    }

    [Fact]
    public async Task Sqlite_restore_line_copied_as_printed_puts_the_file_back()
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await database.Runner(Linear.All).UpgradeAsync("aa0000000003");
        await FillAsync(database);
        var before = await ImageAsync(database.Provider, database.ConnectionString);
        var log = new LogLines();
        await Assert.ThrowsAsync<MigrationKitException>(() => database
            .Runner(FailingAfterAmount.All, new RunnerOptions { Backup = new BackupOptions() }, log.Logger)
            .UpgradeAsync("head"));
        var line = log.Lines.Last(l => l.StartsWith("Backup: ", StringComparison.Ordinal));

        var (exitCode, output) = await RunAsync("bash", ["-c", Restore(line)[RestorePrefix.Length..]], new Dictionary<string, string>());

        Assert.True(exitCode == 0, output);
        Assert.Equal(before, await ImageAsync(database.Provider, database.ConnectionString));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Nothing_to_upgrade_takes_no_backup(string provider)
    {
        using var database = await TestDatabase.CreateAsync(provider);
        using var folder = new TempDirectory("migratekit-backup");
        await database.Runner(Linear.All).UpgradeAsync("head");
        var log = new LogLines();

        await database.Runner(Linear.All, new RunnerOptions { Backup = new BackupOptions { Directory = folder.Path } }, log.Logger).UpgradeAsync("head");

        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
        Assert.Contains("No backup taken: nothing to run", log.Lines);
    }

    [Theory]
    [InlineData("/no/such/pg_dump", "--pg-dump /no/such/pg_dump: no such file", "; nothing was run.")]
    [InlineData("/bin/true", "/bin/true --version printed 'true (GNU coreutils)", "', not a pg_dump version; nothing was run.")]
    public async Task A_missing_pg_dump_or_a_program_that_is_none_is_one_line_before_anything_runs(string pgDump, string starts, string ends)
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database
            .Runner(Linear.All, new RunnerOptions { Backup = new BackupOptions { PgDump = pgDump } })
            .UpgradeAsync("head"));

        Assert.StartsWith(starts, error.Message);
        Assert.EndsWith(ends, error.Message);
        Assert.Contains("--pg-dump PATH", error.Hint);
        Assert.Empty(await database.TablesAsync());
        Assert.Empty(await database.VersionRowsAsync());
    }

    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 150018, 150018, true)]
    [InlineData("pg_dump (PostgreSQL) 15.2", 150002, 150018, true)]
    [InlineData("pg_dump (PostgreSQL) 16.4 (Ubuntu 16.4-1.pgdg22.04+1)", 160004, 150018, true)]
    [InlineData("pg_dump (PostgreSQL) 14.13", 140013, 150018, false)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 90624, 100023, false)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 90624, 90605, true)]
    [InlineData("pg_dump (PostgreSQL) 17beta1", 170000, 170000, true)]
    public void Pg_dump_of_an_older_major_version_than_the_server_cannot_dump_it(string printed, int version, int server, bool dumps)
    {
        Assert.Equal(version, PostgresDump.ParseToolVersion(printed));
        Assert.Equal(dumps, PostgresDump.CanDump(version, server));
    }

    [Fact]
    public async Task Installed_pg_dump_passes_the_version_check_against_the_server()
    {
        var (_, printed) = await RunAsync("pg_dump", ["--version"], new Dictionary<string, string>());
        var server = await PostgresServer.QueryColumnAsync(
            new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString, "SHOW server_version_num");

        Assert.True(PostgresDump.CanDump(PostgresDump.ParseToolVersion(printed)!.Value, int.Parse(server.Single(), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Pg_dump_error_stops_the_upgrade_before_any_step_and_leaves_no_file()
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        using var folder = new TempDirectory("migratekit-backup");
        await database.Runner(Linear.All).UpgradeAsync("aa0000000003");
        // Another session holds a lock that pg_dump's ACCESS SHARE waits for, past the run's lock wait.
        await using var held = await PaymentsLock.TakeAsync(database);

        var options = new RunnerOptions { LockWait = TimeSpan.FromSeconds(1), Backup = new BackupOptions { Path = folder.File("before.dump") } };
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database.Runner(Linear.All, options).UpgradeAsync("head"));

        Assert.StartsWith($"Backing up database '{new NpgsqlConnectionStringBuilder(database.ConnectionString).Database}'", error.Message);
        Assert.True(error.Message.Contains("pg_dump exited with 1: pg_dump: error: ", StringComparison.Ordinal), error.Message);
        Assert.EndsWith("; nothing was run", error.Message);
        await held.DisposeAsync();
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
        Assert.Equal(["aa0000000003"], await database.VersionRowsAsync());
    }

    [Fact]
    public async Task Interrupted_backup_kills_pg_dump_leaves_no_file_and_runs_nothing()
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        using var folder = new TempDirectory("migratekit-backup");
        await database.Runner(Linear.All).UpgradeAsync("aa0000000003");
        // pg_dump waits for this lock (up to the run's lock wait) while the run is interrupted.
        await using var held = await PaymentsLock.TakeAsync(database);

        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var options = new RunnerOptions { LockWait = TimeSpan.FromMinutes(1), Backup = new BackupOptions { Path = folder.File("before.dump") } };
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database.Runner(Linear.All, options).UpgradeAsync("head", interrupt.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"The interrupt took {clock.Elapsed} to end the backup.");
        Assert.StartsWith("Interrupted while backing up database ", error.Message);
        Assert.EndsWith("; nothing was run", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
        await held.DisposeAsync();
        Assert.Equal(["aa0000000003"], await database.VersionRowsAsync());
    }

    [Fact]
    public async Task Sqlite_backup_that_cannot_be_written_stops_the_upgrade_before_any_step()
    {
        using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        using var folder = new TempDirectory("migratekit-backup");
        File.WriteAllText(folder.File("not-a-folder"), "");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database
            .Runner(Linear.All, new RunnerOptions { Backup = new BackupOptions { Path = folder.File("not-a-folder/before.db") } })
            .UpgradeAsync("head"));

        Assert.StartsWith($"Backing up '{new SqliteConnectionStringBuilder(database.ConnectionString).DataSource}' to {folder.File("not-a-folder/before.db")} failed: ", error.Message);
        Assert.EndsWith("; nothing was run", error.Message);
        Assert.Empty(await database.TablesAsync());
        Assert.Empty(await database.VersionRowsAsync());
    }

    /// <summary>Another session holding ACCESS EXCLUSIVE on payments, which pg_dump's ACCESS SHARE waits for; disposed, it lets go.</summary>
    private sealed class PaymentsLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<PaymentsLock> TakeAsync(TestDatabase database)
        {
            var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("LOCK TABLE payments IN ACCESS EXCLUSIVE MODE", connection, transaction);
            await command.ExecuteNonQueryAsync();
            return new PaymentsLock(connection, transaction);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>R3's payments and accounts with rows of every kind the columns take: NULLs, decimals, text beyond ASCII.</summary>
    private static async Task FillAsync(TestDatabase database)
    {
        var sql = new StringBuilder();
        for (var i = 1; i <= 200; i++)
        {
            sql.Append($"INSERT INTO accounts (\"Id\", \"Name\") VALUES ({i + 1}, 'account {i} é ü ✓');");
            sql.Append($"INSERT INTO payments (\"Id\", \"AccountId\", \"Amount\") VALUES ({i}, {i + 1}, {(i % 7 == 0 ? "NULL" : (i * 1.25m).ToString(System.Globalization.CultureInfo.InvariantCulture))});");
        }

        await database.ExecuteAsync(sql.ToString());
    }

    /// <summary>A new database holding the backup, restored with the command the run printed (PostgreSQL: pointed at the new database).</summary>
    private static async Task<ScratchCopy> RestoredCopyAsync(TestDatabase database, string backupLine)
    {
        var file = backupLine["Backup: ".Length..backupLine.IndexOf(" (", StringComparison.Ordinal)];
        if (database.Provider == TestDatabase.Sqlite)
        {
            var folder = new TempDirectory("migratekit-restored");
            File.Copy(file, folder.File("restored.db"));
            return new ScratchCopy($"Data Source={folder.File("restored.db")};Pooling=False", folder);
        }

        var original = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var fresh = await PostgresServer.CreateDatabaseAsync();
        var command = Restore(backupLine).Replace($" -d {original.Database} ", $" -d {new NpgsqlConnectionStringBuilder(fresh).Database} ", StringComparison.Ordinal);
        var (exitCode, output) = await RunAsync("bash", ["-c", command], new Dictionary<string, string> { ["PGPASSWORD"] = original.Password! });
        Assert.True(exitCode == 0, output);
        return new ScratchCopy(fresh, null);
    }

    private const string RestorePrefix = "with the app stopped, ";

    private static string Restore(string backupLine) => backupLine[(backupLine.IndexOf("to restore it: ", StringComparison.Ordinal) + "to restore it: ".Length)..];

    /// <summary>The catalog (tables, columns, indexes, constraints) and a checksum of every table's rows, as sorted lines.</summary>
    private static async Task<List<string>> ImageAsync(string provider, string connectionString)
    {
        await using DbConnection connection = provider == TestDatabase.Postgres
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString)
            : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var catalog = await ColumnAsync(connection, provider == TestDatabase.Postgres
            ? """
              SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
                FROM information_schema.columns WHERE table_schema = 'public'
              UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
              UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
              """
            : "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
        var tables = await ColumnAsync(connection, provider == TestDatabase.Postgres
            ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount)
                    .Select(i => reader.IsDBNull(i) ? "<null>" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }

            rows.Sort(StringComparer.Ordinal);
            catalog.Add($"rows of {table}: {rows.Count}, {Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', rows))))}");
        }

        catalog.Sort(StringComparer.Ordinal);
        return catalog;
    }

    private static async Task<List<string>> ColumnAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + error);
    }

    /// <summary>A restored database: a SQLite file in a folder of its own, or a PostgreSQL database on the test server.</summary>
    private sealed class ScratchCopy(string connectionString, TempDirectory? folder) : IDisposable
    {
        public string ConnectionString => connectionString;

        public void Dispose() => folder?.Dispose();
    }

    /// <summary>R1-R3 of <see cref="Linear"/>, then a revision that fails, so a run with a backup fails after it.</summary>
    public static class FailingAfterAmount
    {
        public static readonly Type[] All = [.. Linear.All.Take(3), typeof(Fails)];

        [Revision("dd0000000004", Parents = ["aa0000000003"], Message = "fails")]
        public sealed class Fails : Revision
        {
            protected override void Upgrade(Microsoft.EntityFrameworkCore.Migrations.MigrationBuilder b) => b.Sql("INSERT INTO no_such_table VALUES (1)");

            protected override void Downgrade(Microsoft.EntityFrameworkCore.Migrations.MigrationBuilder b)
            {
            }
        }
    }
}
