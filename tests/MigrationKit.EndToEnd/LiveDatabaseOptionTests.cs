using System.Text.Json.Nodes;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.SharedApps;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>--lock-timeout, --retries, --statement-timeout, --transaction-pooler and their settings, as a user types them.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class LiveDatabaseOptionTests(PackedTool tool)
{
    [Fact]
    public async Task Bad_numbers_for_the_timeouts_and_retries_are_one_line_each_and_change_nothing()
    {
        var app = await FaultyAsync(tool);
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);

        foreach (var (options, error) in new (string[], string)[]
                 {
                     (["--lock-timeout", "abc"], "--lock-timeout must be a number of seconds, not 'abc'."),
                     (["--lock-timeout=-1"], "--lock-timeout must be a number of seconds, not '-1'."),
                     (["--statement-timeout", "5s"], "--statement-timeout must be a number of seconds, not '5s'."),
                     (["--retries", "1.5"], "--retries must be a whole number, 0 or more, not '1.5'."),
                     (["--retries=-2"], "--retries must be a whole number, 0 or more, not '-2'."),
                 })
        {
            foreach (var command in new[] { new[] { "upgrade", "head" }, ["downgrade", "base"] })
            {
                var result = await app.RunAsync(database.Environment, [.. command, .. options, "--no-build"]);
                Assert.Equal(error, FailedInOneLine(result));
            }
        }

        Assert.Empty(await database.VersionRowsAsync());
        Assert.Empty(await database.TablesAsync());
    }

    [Fact]
    public async Task The_settings_in_migratekit_json_reach_the_run_and_the_options_override_them()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "LiveSettings", a =>
        {
            a.WriteRevision("af0000000001", [], "create t1", CreateTable("t1"), DropTable("t1"));
            a.WriteRevision("af0000000002", ["af0000000001"], "slow t2", Lines(CreateTable("t2"), Sql("SELECT pg_sleep(1.5)")), DropTable("t2"));
        });
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);

        WriteSettings(app, "statementTimeout", 0.5);
        // A script sets the timeouts the command would run with: the setting's, or the option's over it.
        var script = Succeeded(await app.RunAsync(database.Environment, "upgrade", "--sql", "head", "--lock-timeout", "2", "--no-build")).StandardOutput;
        Assert.Contains("SET LOCAL lock_timeout = 2000; SET LOCAL statement_timeout = 500", script, StringComparison.Ordinal);
        var ended = await app.RunAsync(database.Environment, "upgrade", "head", "--no-build");
        Assert.Equal(
            "Running upgrade af0000000001 -> af0000000002, slow t2 was ended by the statement timeout (0.5 s). The revision was rolled back; the database is at af0000000001. Give it longer with --statement-timeout SECONDS (0 for no limit).",
            FailedInOneLine(ended));
        Assert.Equal(["af0000000001"], await database.VersionRowsAsync());

        WriteSettings(app, "transactionPooler", true);
        var refused = await app.RunAsync(database.Environment, "upgrade", "head", "--statement-timeout", "0", "--no-build");
        Assert.EndsWith(
            "goes through a pooler in transaction mode (as the settings declare), where the migration lock cannot hold. Connect to the PostgreSQL server directly (its own port, usually 5432), not through the pooler.",
            FailedInOneLine(refused));

        WriteSettings(app, "transactionPooler", null);
        WriteSettings(app, "lockTimeout", -2);
        Assert.Equal("\"lockTimeout\" in migratekit.json must be a number of seconds, 0 or more, not -2.",
            FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build")));

        WriteSettings(app, "lockTimeout", null);
        Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--statement-timeout", "0", "--no-build"));
        Assert.Equal(["af0000000002"], await database.VersionRowsAsync());
        Assert.Equal(["t1", "t2"], await database.TablesAsync());

        // Declared on the command line alone.
        var declared = await app.RunAsync(database.Environment, "downgrade", "base", "--transaction-pooler", "--no-build");
        Assert.Contains("(as the settings declare)", FailedInOneLine(declared));
        Assert.Equal(["af0000000002"], await database.VersionRowsAsync());
    }

    private static void WriteSettings(ThrowawayApp app, string name, JsonNode? value) => app.WriteSetting(name, value);
}
