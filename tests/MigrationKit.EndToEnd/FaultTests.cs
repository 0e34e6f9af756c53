using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using Npgsql;
using static MigrationKit.EndToEnd.Infrastructure.SharedApps;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>What the user sees when things go wrong: one line, a non-zero exit code, no secrets, the database left true.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class FaultTests(PackedTool tool)
{
    private static readonly Dictionary<string, string?> OnPostgres = new() { [ThrowawayApp.ProviderVariable] = AppDatabase.Postgres };

    [Fact]
    public async Task Read_only_commands_run_from_a_subfolder_name_the_missing_sqlite_file_of_the_project_and_create_none()
    {
        // The app's own connection, "Data Source=app.db": relative, so it means the project's folder
        // (as with `dotnet ef`), not the folder the tool runs in; neither file may be created.
        var app = await SlowAsync(tool);
        using var subfolder = new TempDirectory(Path.Combine(app.Directory, "sub"));
        var appsOwn = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Sqlite, ["MIGRATEKIT_CONNECTION"] = null };
        var projectFile = Path.Combine(app.Directory, "app.db");

        foreach (var command in new[] { new[] { "current" }, ["check", "--database"], ["history", "-i"] })
        {
            var result = await RunningCommand.RunAsync(subfolder.Path, ["migratekit", .. command, "--project", app.Directory, "--no-build"], appsOwn);

            Assert.StartsWith($"The database '{projectFile}' does not exist.", FailedInOneLine(result));
            Assert.False(File.Exists(subfolder.File("app.db")), $"{string.Join(' ', command)} created app.db in the folder it ran in.");
            Assert.False(File.Exists(projectFile), $"{string.Join(' ', command)} created the project's app.db.");
        }
    }

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task A_revision_failing_in_the_middle_of_five_leaves_the_database_at_the_last_good_one(string provider)
    {
        var app = await FaultyAsync(tool);
        using var database = await AppDatabase.CreateAsync(provider);

        var result = await app.RunAsync(database.Environment, "upgrade", "head", "--no-build");

        var error = FailedInOneLine(result);
        Assert.Contains($"{Faulty[1]} -> {Faulty[2]}", error);
        Assert.Equal(
            [$"Running upgrade  -> {Faulty[0]}, create t1", $"Running upgrade {Faulty[0]} -> {Faulty[1]}, create t2", $"Running upgrade {Faulty[1]} -> {Faulty[2]}, broken"],
            result.StepLines);
        Assert.Equal([Faulty[1]], await database.VersionRowsAsync());
        // t3 was created by the failing revision's first statement and rolled back with it.
        Assert.Equal(["t1", "t2"], await database.TablesAsync());
        Assert.Equal([Faulty[1]], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "current", "--no-build"))));
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_that_never_shows_the_password()
    {
        var app = await FaultyAsync(tool);
        const string secret = "Unreachable-Secret-5b1f";
        var connection = $"Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody;Password={secret}";

        foreach (var command in new[] { new[] { "upgrade", "head" }, ["current"] })
        {
            var result = await app.RunAsync(OnPostgres, [.. command, "--connection", connection, "--no-build"]);
            Assert.Contains("127.0.0.1", FailedInOneLine(result));
            DoesNotPrint(result, secret);
        }

        // `current` reads over the provider's plain connection, `upgrade` through the DbContext: neither prints it.
        foreach (var command in new[] { new[] { "upgrade", "head" }, ["current"] })
        {
            var verbose = await app.RunAsync(OnPostgres, [.. command, "--connection", connection, "--no-build", "--verbose"]);
            Assert.NotEqual(0, verbose.ExitCode);
            DoesNotPrint(verbose, secret);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_one_line_that_never_shows_the_password()
    {
        var app = await FaultyAsync(tool);
        var secret = "Wrong-Secret-" + Guid.NewGuid().ToString("N")[..8];
        var connection = new NpgsqlConnectionStringBuilder(await PostgresServer.CreateDatabaseAsync()) { Password = secret }.ConnectionString;
        var environment = new Dictionary<string, string?>(OnPostgres) { ["MIGRATEKIT_CONNECTION"] = connection };

        foreach (var command in new[] { new[] { "upgrade", "head" }, ["current"] })
        {
            var result = await app.RunAsync(environment, [.. command, "--no-build"]);
            Assert.Contains("password authentication failed", FailedInOneLine(result));
            DoesNotPrint(result, secret);
        }

        foreach (var command in new[] { new[] { "upgrade", "head" }, ["current"] })
        {
            var verbose = await app.RunAsync(environment, [.. command, "--no-build", "--verbose"]);
            Assert.NotEqual(0, verbose.ExitCode);
            DoesNotPrint(verbose, secret);
        }
    }

    [Fact]
    public async Task A_version_table_naming_an_unknown_revision_is_one_line_changes_nothing_and_stamp_purge_repairs_it()
    {
        var app = await FaultyAsync(tool);
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        Succeeded(await app.RunAsync(database.Environment, "upgrade", Faulty[1], "--no-build"));
        await database.ExecuteAsync("UPDATE migratekit_version SET version_num = 'ffff00000000'");

        foreach (var command in new[] { new[] { "current" }, ["upgrade", "head"], ["downgrade", "base"] })
        {
            var result = await app.RunAsync(database.Environment, [.. command, "--no-build"]);
            Assert.Contains("ffff00000000", FailedInOneLine(result));
            Assert.Empty(result.StepLines);
        }

        Assert.Equal(["ffff00000000"], await database.VersionRowsAsync());
        Assert.Equal(["t1", "t2"], await database.TablesAsync());

        // The way out the message names: rewrite the table to the revision the schema is at.
        Succeeded(await app.RunAsync(database.Environment, "stamp", "--purge", Faulty[1], "--no-build"));
        Assert.Equal([Faulty[1]], await database.VersionRowsAsync());
        Assert.Equal([Faulty[1]], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "current", "--no-build"))));
    }

    [Fact]
    public async Task Usage_errors_are_one_line_and_exit_code_2()
    {
        var app = await FaultyAsync(tool);

        foreach (var command in new[] { new[] { "upgrade", "head", "--no-such-option" }, ["no-such-command"], ["upgrade"], ["upgrade", "head", "extra"] })
        {
            var result = await app.RunAsync(OnPostgres, [.. command, "--no-build"]);
            Assert.NotEmpty(FailedInOneLine(result, exitCode: 2));
            Assert.True(result.StandardOutput.Length == 0, "Expected nothing on standard output.\n" + result);
        }
    }

    [Fact]
    public async Task A_connection_string_with_an_unknown_keyword_is_one_line_naming_it_without_the_password()
    {
        var app = await FaultyAsync(tool);
        const string secret = "Keyword-Secret-91c2";
        var sqlite = new Dictionary<string, string?> { [ThrowawayApp.ProviderVariable] = AppDatabase.Sqlite };

        foreach (var (environment, connection, keyword) in new[]
        {
            (OnPostgres, $"Hots=localhost;Database=app;Password={secret}", "Hots"),
            (sqlite, $"Data Sorce=app.db;Password={secret}", "Data Sorce"),
        })
        {
            foreach (var command in new[] { new[] { "upgrade", "head" }, ["current"] })
            {
                var result = await app.RunAsync(environment, [.. command, "--connection", connection, "--no-build"]);
                var error = FailedInOneLine(result);
                Assert.StartsWith($"The connection string has an unknown keyword '{keyword}'.", error);
                Assert.DoesNotMatch(@"\w+Exception\b", error);
                DoesNotPrint(result, secret);
            }
        }
    }

    [Fact]
    public async Task Ctrl_c_during_upgrade_rolls_the_revision_back_says_where_the_database_is_and_exits_130()
    {
        var app = await SlowAsync(tool);
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);

        // The first revision runs while the tool starts the second; the signal lands in one of the
        // later four (each pauses a quarter of a second).
        using var run = app.Start(database.Environment, "upgrade", "head", "--no-build");
        Assert.True(await run.ErrorLineSeenAsync($"Running upgrade {Slow[0]} -> "), "The second revision never started.");
        await run.InterruptAsync();
        var result = await run.WaitAsync(RunningCommand.DefaultTimeout);

        var error = FailedInOneLine(result, exitCode: 130);
        var match = System.Text.RegularExpressions.Regex.Match(error, @"^Interrupted while running upgrade (\w+) -> (\w+), [^.]+\. The revision was rolled back; the database is at (\w+)\.$");
        Assert.True(match.Success, "Unexpected message.\n" + result);
        Assert.Equal(match.Groups[1].Value, match.Groups[3].Value);
        Assert.Equal([match.Groups[1].Value], await database.VersionRowsAsync());
        Assert.Equal(SlowTablesUpTo(Array.IndexOf(Slow, match.Groups[1].Value) + 1), await database.TablesAsync());
    }

    [Fact]
    public async Task A_project_that_does_not_build_is_one_line_naming_the_compiler_error()
    {
        var app = await FaultyAsync(tool);
        var broken = app.WriteFile("Broken.cs", "namespace App;\n\ninternal static class Broken\n{\n    public static int Value => \"not a number\";\n}");
        try
        {
            var error = FailedInOneLine(await app.RunAsync(OnPostgres, "heads"));
            Assert.Contains("CS0029", error);
            Assert.Contains("Broken.cs", error);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
