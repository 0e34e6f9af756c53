using System.Text.Json;
using System.Text.RegularExpressions;
using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using Npgsql;
using Xunit.Abstractions;
using static MigrationKit.EndToEnd.Infrastructure.SharedApps;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// The fleet commands as typed: many PostgreSQL databases, schemas of one database, SQLite files;
/// the report, a retry of the failed, the current matrix, a bad targets file, and a kill -9 mid-way.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class FleetTests(PackedTool tool, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = RunningCommand.DefaultTimeout;
    private static string Head => Slow[^1];

    [Fact]
    public async Task A_fleet_upgrade_reports_two_failures_then_a_retry_of_the_report_finishes_and_current_prints_the_matrix()
    {
        var app = await SlowAsync(tool);
        var (prefix, databases) = await CreateDatabasesAsync(12);
        using var folder = new TempDirectory();
        var environment = ServerEnvironment();
        // Nine at an older revision, three at base; two made to fail: a table in the way of revision 4 and of revision 3.
        Succeeded(await app.RunAsync(environment, "upgrade", Slow[1], "--each-database", prefix + "_t0?", "--no-build"));
        await databases[4].ExecuteAsync("CREATE TABLE t4 (id int)");
        await databases[10].ExecuteAsync("CREATE TABLE t3 (id int)");

        var run = await app.RunAsync(environment, "upgrade", "head", "--each-database", prefix + "_*", "--continue-on-error",
            "--report", folder.File("report.json"), "--parallel", "3", "--no-build");

        Assert.True(run.ExitCode == 1, run.ToString());
        NoStackTrace(run);
        DoesNotPrint(run, Password);
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"FAILED {prefix}_t05: Running upgrade {Slow[2]} -> {Slow[3]}", StringComparison.Ordinal) && l.Contains("\"t4\""));
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"FAILED {prefix}_t11: Running upgrade {Slow[1]} -> {Slow[2]}", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"[{prefix}_t12] Running upgrade ", StringComparison.Ordinal));
        Assert.Contains("[fleet] 10/12 done, 0 running, 2 failed, 0 remaining", run.StandardError);
        Assert.Equal(
            ["upgrade head over 12 targets: 10 changed, 0 unchanged, 2 failed, 0 not started"],
            [run.OutputLines[0][..run.OutputLines[0].IndexOf(" (", StringComparison.Ordinal)]]);
        Assert.Equal(["revision  targets", $"{Head} (head)  10", $"{Slow[1]}  1", $"{Slow[2]}  1"], run.OutputLines.Skip(1).Take(4).Select(Cells));
        Assert.Equal($"Failed (2): {prefix}_t05, {prefix}_t11", run.OutputLines[^1]);
        Assert.Equal([Slow[2]], await databases[4].VersionRowsAsync());

        // Fixed; the retry runs only the two, and --json is the report on standard output.
        await databases[4].ExecuteAsync("DROP TABLE t4");
        await databases[10].ExecuteAsync("DROP TABLE t3");
        var retry = Succeeded(await app.RunAsync(environment, "upgrade", "head", "--each-database", prefix + "_*",
            "--retry-failed", folder.File("report.json"), "--json", "--no-build"));
        using (var report = JsonDocument.Parse(retry.StandardOutput))
        {
            Assert.True(report.RootElement.GetProperty("succeeded").GetBoolean());
            Assert.Equal([$"{prefix}_t05", $"{prefix}_t11"], report.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
            Assert.All(report.RootElement.GetProperty("targets").EnumerateArray(), t => Assert.Equal(Head, t.GetProperty("after")[0].GetString()));
        }

        // current over the fleet: the matrix, one row now.
        var current = Succeeded(await app.RunAsync(environment, "current", "--each-database", prefix + "_*", "--no-build"));
        Assert.Equal(["current over 12 targets: 0 failed", "revision  targets", $"{Head} (head)  12"],
            current.OutputLines.Select(l => Cells(Regex.Replace(l, @" \(\d+\.\d s\)$", ""))));
        foreach (var database in databases)
        {
            Assert.Equal(SlowTablesUpTo(Slow.Length), await database.TablesAsync());
        }
    }

    [Fact]
    public async Task A_targets_file_with_a_bad_line_fails_in_one_line_naming_the_file_and_line_without_its_password()
    {
        var app = await SlowAsync(tool);
        using var folder = new TempDirectory();
        var targets = folder.File("targets.txt");
        await File.WriteAllTextAsync(targets, $"# tenants\nHost=127.0.0.1;Database=a;Password={FilePassword}\nHost=127.0.0.1;Database=b;Password {FilePassword}\n");

        var result = await app.RunAsync(ServerEnvironment(), "upgrade", "head", "--targets", targets, "--no-build");

        Assert.Equal($"{targets} line 3: not a connection string (keyword=value pairs separated by ';').", FailedInOneLine(result));
        DoesNotPrint(result, FilePassword);
    }

    [Fact]
    public async Task Sqlite_files_from_a_targets_file_and_a_glob_in_the_project_folder_upgrade_downgrade_and_stamp_with_yes()
    {
        var app = await SlowAsync(tool);
        var subfolder = "fleet-" + Guid.NewGuid().ToString("N")[..8];
        var tenants = Path.Combine(app.Directory, subfolder);
        Directory.CreateDirectory(tenants);
        try
        {
            var targets = Path.Combine(tenants, "targets.txt");
            // Relative paths are the project's, as the app's own connection string is.
            await File.WriteAllTextAsync(targets, string.Join('\n', "abc".Select(c => $"Data Source={subfolder}/{c}.db")));
            var environment = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Sqlite };

            var upgrade = Succeeded(await app.RunAsync(environment, "upgrade", "head", "--targets", targets, "--no-build"));
            var current = Succeeded(await app.RunAsync(environment, "current", "--each-database", subfolder + "/*.db", "--json", "--no-build"));

            Assert.StartsWith("upgrade head over 3 targets: 3 changed", upgrade.OutputLines[0]);
            using var report = JsonDocument.Parse(current.StandardOutput);
            Assert.Equal(["a.db", "b.db", "c.db"], report.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
            foreach (var file in "abc")
            {
                using var database = AppDatabase.SqliteFile(Path.Combine(tenants, $"{file}.db"));
                Assert.Equal([Head], await database.VersionRowsAsync());
            }

            // downgrade and stamp over the same fleet; stamp asks for --yes first.
            var downgrade = Succeeded(await app.RunAsync(environment, "downgrade", Slow[2], "--targets", targets, "--json", "--no-build"));
            using (var downgraded = JsonDocument.Parse(downgrade.StandardOutput))
            {
                Assert.All(downgraded.RootElement.GetProperty("targets").EnumerateArray(), t => Assert.Equal(Slow[2], t.GetProperty("after")[0].GetString()));
            }

            Assert.StartsWith("stamp over a fleet needs --yes: it writes every target's version table and runs nothing.",
                FailedInOneLine(await app.RunAsync(environment, "stamp", "head", "--targets", targets, "--no-build")));
            var stamp = Succeeded(await app.RunAsync(environment, "stamp", "head", "--targets", targets, "--yes", "--no-build"));
            Assert.StartsWith("stamp head over 3 targets: 3 changed", stamp.OutputLines[0]);
            using var stamped = AppDatabase.SqliteFile(Path.Combine(tenants, "b.db"));
            Assert.Equal([Head], await stamped.VersionRowsAsync());
            Assert.Equal(SlowTablesUpTo(3), await stamped.TablesAsync());
        }
        finally
        {
            Directory.Delete(tenants, recursive: true);
        }
    }

    [Fact]
    public async Task Check_database_over_a_fleet_fails_the_target_that_drifted_and_the_report_holds_its_differences()
    {
        var app = await SlowAsync(tool);
        using var folder = new TempDirectory();
        // Both at base: the model to compare with is empty, so a table made by hand is drift.
        await File.WriteAllTextAsync(folder.File("clean.db"), "");
        using (var drifted = AppDatabase.SqliteFile(folder.File("drifted.db")))
        {
            await drifted.ExecuteAsync("CREATE TABLE notes (id INTEGER PRIMARY KEY)");
        }

        var targets = folder.File("targets.json");
        await File.WriteAllTextAsync(targets, $$"""
            [{"name": "clean", "connection": "Data Source={{folder.File("clean.db")}}"},
             {"name": "drifted", "connection": "Data Source={{folder.File("drifted.db")}}"}]
            """);
        var environment = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Sqlite };

        var check = await app.RunAsync(environment, "check", "--database", "--targets", targets, "--continue-on-error",
            "--report", folder.File("report.json"), "--no-build");

        Assert.True(check.ExitCode == 1, check.ToString());
        NoStackTrace(check);
        Assert.Contains("FAILED drifted: differs from the model of revision base (1): table notes: in the database, not in the model", check.ErrorLines);
        Assert.DoesNotContain(check.ErrorLines, l => l.StartsWith("FAILED clean", StringComparison.Ordinal));
        Assert.Equal("Failed (1): drifted", check.OutputLines[^1]);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(folder.File("report.json")));
        var entries = report.RootElement.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["unchanged", "failed"], entries.Select(t => t.GetProperty("status").GetString()));
        Assert.Equal("table notes: in the database, not in the model", entries[1].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Each_schema_brings_every_tenants_schema_to_head_with_its_own_version_table()
    {
        var app = await SlowAsync(tool);
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        using var database = AppDatabase.PostgresAt(connectionString);
        await database.ExecuteAsync("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA tenant_c; CREATE SCHEMA other;");
        var environment = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Postgres, ["MIGRATEKIT_CONNECTION"] = connectionString };

        var run = Succeeded(await app.RunAsync(environment, "upgrade", "head", "--each-schema", "tenant_*", "--no-build"));

        Assert.StartsWith("upgrade head over 3 targets: 3 changed", run.OutputLines[0]);
        foreach (var schema in new[] { "tenant_a", "tenant_b", "tenant_c" })
        {
            Assert.Equal([Head], await database.QueryAsync($"SELECT version_num FROM {schema}.migratekit_version"));
            Assert.Equal(SlowTablesUpTo(Slow.Length).Count,
                (await database.QueryAsync($"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name IN ('applied', 't1', 't2', 't3', 't4', 't5')")).Count);
        }

        Assert.Empty(await database.QueryAsync("SELECT table_name FROM information_schema.tables WHERE table_schema IN ('public', 'other')"));
    }

    [Fact]
    public async Task Check_database_over_each_schema_reads_only_each_tenants_schema()
    {
        var app = await SlowAsync(tool);
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        using var database = AppDatabase.PostgresAt(connectionString);
        // At base, the model to compare with is empty: a table in the tenant's own schema is drift,
        // tables of other schemas (another tenant's, public's) are not that tenant's.
        await database.ExecuteAsync("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE TABLE tenant_b.notes (id int PRIMARY KEY); CREATE TABLE public.shared (id int);");
        var environment = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Postgres, ["MIGRATEKIT_CONNECTION"] = connectionString };

        var check = await app.RunAsync(environment, "check", "--database", "--each-schema", "tenant_*", "--continue-on-error", "--no-build");

        Assert.True(check.ExitCode == 1, check.ToString());
        NoStackTrace(check);
        Assert.Contains("FAILED tenant_b: differs from the model of revision base (1): table tenant_b.notes: in the database, not in the model", check.ErrorLines);
        Assert.DoesNotContain(check.ErrorLines, l => l.StartsWith("FAILED tenant_a", StringComparison.Ordinal));
        Assert.Equal("Failed (1): tenant_b", check.OutputLines[^1]);
    }

    [Fact]
    public async Task A_fleet_upgrade_killed_mid_way_leaves_every_database_at_a_true_revision_and_a_rerun_finishes()
    {
        var app = await SlowAsync(tool);
        var (prefix, databases) = await CreateDatabasesAsync(12);
        // The connection as a template: each database's name goes where it says {name}.
        var environment = ServerEnvironment(database: "{name}");

        using (var run = app.Start(environment, "upgrade", "head", "--each-database", prefix + "_*", "--parallel", "4", "--no-build"))
        {
            Assert.True(await run.ErrorLineSeenAsync($"[{prefix}_t01] Running upgrade"), "The fleet never started a step.");
            // Each revision pauses a quarter of a second: a few seconds in, some targets are done, some mid-revision, some not started.
            await Task.WhenAny(run.Exited, Task.Delay(TimeSpan.FromSeconds(3)));
            Assert.True(run.KillTree(), "The fleet finished before the kill; it should take longer than 3 s.");
            var killed = await run.WaitAsync(Timeout);
            output.WriteLine(killed.ToString());
        }

        var atHead = 0;
        foreach (var database in databases)
        {
            await database.WaitForOtherSessionsToEndAsync();
            var rows = await database.VersionRowsAsync();
            var applied = rows.Count == 0 ? 0 : Array.IndexOf(Slow, rows.Single()) + 1;
            Assert.Equal(SlowTablesUpTo(applied), await database.TablesAsync());
            atHead += applied == Slow.Length ? 1 : 0;
        }

        Assert.True(atHead < databases.Count, "Every database was at head after the kill.");
        var rerun = Succeeded(await app.RunAsync(environment, "upgrade", "head", "--each-database", prefix + "_*", "--no-build"));
        Assert.StartsWith($"upgrade head over 12 targets: {databases.Count - atHead} changed, {atHead} unchanged, 0 failed", rerun.OutputLines[0]);
        foreach (var database in databases)
        {
            Assert.Equal([Head], await database.VersionRowsAsync());
            Assert.Equal(Slow, await database.QueryAsync("SELECT revision FROM applied ORDER BY 1"));
        }
    }

    [Fact]
    public async Task Targets_from_a_catalog_query_with_a_canary_that_fails_start_no_other_target_even_with_continue_on_error()
    {
        var app = await SlowAsync(tool);
        var (prefix, databases) = await CreateDatabasesAsync(6);
        using var catalog = AppDatabase.PostgresAt(await PostgresServer.CreateDatabaseAsync(prefix + "_catalog"));
        await catalog.ExecuteAsync("CREATE TABLE tenants (name text NOT NULL, connection text NOT NULL)");
        for (var i = 1; i <= databases.Count; i++)
        {
            var connection = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = $"{prefix}_t{i:00}" }.ConnectionString;
            await catalog.ExecuteAsync($"INSERT INTO tenants VALUES ('tenant-{i}', '{connection.Replace("'", "''", StringComparison.Ordinal)}')");
        }

        // The second canary has a table in the way of the first revision.
        await databases[1].ExecuteAsync("CREATE TABLE t1 (id int)");
        var environment = ServerEnvironment(database: prefix + "_catalog");
        string[] fleet = ["--targets-sql", "SELECT name, connection FROM tenants ORDER BY name", "--canary", "2", "--no-build"];

        var canary = await app.RunAsync(environment, ["upgrade", "head", .. fleet, "--continue-on-error"]);

        Assert.True(canary.ExitCode == 1, canary.ToString());
        NoStackTrace(canary);
        DoesNotPrint(canary, Password);
        Assert.Contains(canary.ErrorLines, l => l.StartsWith("FAILED tenant-2: Running upgrade  -> " + Slow[0], StringComparison.Ordinal));
        Assert.StartsWith("upgrade head over 6 targets: 1 changed, 0 unchanged, 1 failed, 4 not started", canary.OutputLines[0]);
        Assert.Equal("Not started (4): tenant-3, tenant-4, tenant-5, tenant-6", canary.OutputLines[^1]);
        Assert.All(databases[2..], d => Assert.Empty(d.VersionRowsAsync().GetAwaiter().GetResult()));

        await databases[1].ExecuteAsync("DROP TABLE t1");
        var after = Succeeded(await app.RunAsync(environment, ["upgrade", "head", .. fleet]));
        Assert.StartsWith("upgrade head over 6 targets: 5 changed, 1 unchanged, 0 failed, 0 not started", after.OutputLines[0]);
        foreach (var database in databases)
        {
            Assert.Equal([Head], await database.VersionRowsAsync());
        }
    }

    /// <summary>The server's password, which every target's connection string holds and no output may show.</summary>
    private static string Password => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString).Password!;

    private const string FilePassword = "s3cret-Fleet-pw";

    /// <summary>The app pointed at the server's postgres database: the fleet's databases are the server's.</summary>
    private static Dictionary<string, string?> ServerEnvironment(string database = "postgres") => new()
    {
        [ThrowawayApp.ProviderVariable] = AppDatabase.Postgres,
        ["MIGRATEKIT_CONNECTION"] = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = database }.ConnectionString,
    };

    /// <summary>Empty databases PREFIX_t01.. on the run's server, PREFIX unique to the test.</summary>
    private static async Task<(string Prefix, List<AppDatabase> Databases)> CreateDatabasesAsync(int count)
    {
        var prefix = "fleet" + Guid.NewGuid().ToString("N")[..8];
        var databases = new List<AppDatabase>();
        for (var i = 1; i <= count; i++)
        {
            databases.Add(AppDatabase.PostgresAt(await PostgresServer.CreateDatabaseAsync($"{prefix}_t{i:00}")));
        }

        return (prefix, databases);
    }

    /// <summary>A table row with the padding of its revision column made two spaces.</summary>
    private static string Cells(string line) => Regex.Replace(line.TrimEnd(), " {2,}", "  ");
}
