using System.Text.Json;
using System.Xml.Linq;
using MigrationKit.EndToEnd.Infrastructure;
using MigrationKit.Testing;
using Npgsql;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// `dotnet migratekit test` as typed: the finance sample passes on both engines, and an app whose
/// third revision fails says so, with the revisions on top of it not tested, exit 1, JSON and
/// JUnit XML a CI reads. The scratch database is gone afterwards, after Ctrl-C too; a kill -9
/// leaves it, under the name the run announced.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class TestCommandTests(PackedTool tool)
{
    private const string ScratchPrefix = "migratekit_test_";

    /// <summary>The line on standard error that names the scratch database, once it exists.</summary>
    private const string Announced = "Testing on the scratch database ";

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Test_passes_every_revision_of_the_finance_sample_and_writes_junit_xml(string provider)
    {
        var app = await SharedApps.FinanceAsync(tool);
        using var folder = new TempDirectory("migratekit-e2e-test");
        var junit = folder.File("results.xml");
        // PostgreSQL: the server the scratch database is created on. SQLite: a file the test never touches.
        var connection = provider == AppDatabase.Postgres ? Server : $"Data Source={folder.File("untouched.db")}";

        var result = Succeeded(await app.RunAsync(SharedApps.FinanceOn(provider, connection), "test", "--junit", junit, "--no-build"));

        Assert.Equal(
            [
                "pass  8c1d9e4f2a10  create users (no snapshot: compared with itself)",
                "pass  3f7b2c9d1e84  create stocks (no snapshot: compared with itself)",
                "pass  a45e6d0c7b39  create email verifications (no snapshot: compared with itself)",
                "pass  d2e1f0a9b876  merge stocks and verification (no snapshot: compared with itself)",
                "pass  5b9c8a7d6e21  add display name and symbol index (no snapshot: compared with itself)",
                "pass  model  head against the app's model",
                "Tested 5 revisions and the model: all passed.",
            ],
            result.OutputLines);
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal(("6", "0"), ((string)suite.Attribute("tests")!, (string)suite.Attribute("failures")!));
        Assert.Equal(6, suite.Elements("testcase").Count(c => !c.HasElements));
        Assert.False(File.Exists(folder.File("untouched.db")));
        if (provider == AppDatabase.Postgres)
        {
            DoesNotPrint(result, new NpgsqlConnectionStringBuilder(Server).Password!);
        }

        await AssertGoneAsync(provider, result);
    }

    [Fact]
    public async Task A_revision_that_fails_is_named_with_its_error_those_on_top_are_not_tested_and_the_exit_code_is_1()
    {
        var app = await SharedApps.FaultyAsync(tool);
        using var folder = new TempDirectory("migratekit-e2e-test");
        var junit = folder.File("results.xml");
        var env = new Dictionary<string, string?>
        {
            [ThrowawayApp.ProviderVariable] = AppDatabase.Sqlite,
            ["MIGRATEKIT_CONNECTION"] = $"Data Source={folder.File("untouched.db")}",
        };

        var text = await app.RunAsync(env, "test", "--junit", junit, "--no-build");
        var json = await app.RunAsync(env, "test", "--json", "--no-build");

        Assert.Equal(1, text.ExitCode);
        NoStackTrace(text);
        var lines = text.OutputLines;
        Assert.Equal(7, lines.Count);
        Assert.Equal("pass  fa0000000001  create t1 (no snapshot: compared with itself)", lines[0]);
        Assert.StartsWith("FAIL  fa0000000003  broken: upgrade failed: Running upgrade fa0000000002 -> fa0000000003, broken failed", lines[2]);
        Assert.Contains("no_such_table", lines[2]);
        Assert.Equal("not tested  fa0000000004  create t4: it needs fa0000000003, whose upgrade failed", lines[3]);
        Assert.Equal("not tested  model  head against the app's model: no revision up to head records a snapshot, and the schema at head needs fa0000000003, which failed", lines[5]);
        Assert.Equal("Tested 5 revisions and the model: 1 failed, 3 not tested.", lines[6]);

        var cases = XDocument.Load(junit).Root!.Element("testsuite")!.Elements("testcase").ToList();
        var failure = cases.Single(c => c.Element("failure") is not null);
        Assert.Equal("fa0000000003 broken", (string)failure.Attribute("name")!);
        Assert.StartsWith("upgrade failed: Running upgrade fa0000000002 -> fa0000000003", (string)failure.Element("failure")!.Attribute("message")!);
        Assert.Equal(3, cases.Count(c => c.Element("skipped") is not null));

        Assert.Equal(1, json.ExitCode);
        using var document = JsonDocument.Parse(json.StandardOutput);
        Assert.False(document.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(
            ["passed", "passed", "failed", "notTested", "notTested", "notTested"],
            document.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()));
        await AssertGoneAsync(AppDatabase.Sqlite, text);
        await AssertGoneAsync(AppDatabase.Sqlite, json);
    }

    [Fact]
    public async Task Ctrl_c_drops_the_scratch_database_and_kill_9_leaves_only_it_named_as_it_was_announced()
    {
        var app = await SharedApps.SlowAsync(tool);
        var env = new Dictionary<string, string?>
        {
            [ThrowawayApp.ProviderVariable] = AppDatabase.Postgres,
            ["MIGRATEKIT_CONNECTION"] = Server,
        };
        using (var interrupted = app.Start(env, "test", "--no-build"))
        {
            Assert.True(await interrupted.ErrorLineSeenAsync(Announced));
            await interrupted.InterruptAsync();
            var result = await interrupted.WaitAsync(RunningCommand.DefaultTimeout);
            Assert.Equal(130, result.ExitCode);
            NoStackTrace(result);
            await AssertGoneAsync(AppDatabase.Postgres, result);
        }

        using var killed = app.Start(env, "test", "--no-build");
        Assert.True(await killed.ErrorLineSeenAsync(Announced));
        Assert.True(killed.KillTree());
        var name = ScratchDatabaseOf(await killed.WaitAsync(RunningCommand.DefaultTimeout));
        // What the run leaves: the database it made, by the name it printed.
        Assert.Equal(["1"], await PostgresServer.QueryColumnAsync(Server, $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
        await using (var connection = new NpgsqlConnection(Server))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The run's PostgreSQL server, at its maintenance database: where `test` connects to create its own.</summary>
    private static string Server => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "postgres" }.ConnectionString;

    /// <summary>The scratch database (its file on SQLite) a run announced on standard error.</summary>
    private static string ScratchDatabaseOf(CommandResult result)
    {
        var name = result.ErrorLines.Single(l => l.StartsWith(Announced, StringComparison.Ordinal))[Announced.Length..];
        Assert.Contains(ScratchPrefix, name);
        return name;
    }

    /// <summary>The run's own scratch database no longer exists (others' may: test projects run side by side).</summary>
    private static async Task AssertGoneAsync(string provider, CommandResult result)
    {
        var name = ScratchDatabaseOf(result);
        if (provider == AppDatabase.Postgres)
        {
            Assert.Equal(["0"], await PostgresServer.QueryColumnAsync(Server, $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
        }
        else
        {
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(name)!, Path.GetFileName(name) + "*"));
        }
    }
}
