using System.Text.Json;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`history --applied` and `check --applied`, as typed, over the audit history an upgrade writes.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class AuditHistoryTests(PackedTool tool)
{
    private const string Id = "a1b2c3d4e5f6";
    private const string Drop = "migrationBuilder.DropTable(\"notes\");";

    /// <summary>The revision's raw SQL as first written: one line each.</summary>
    private const string Written = """
        migrationBuilder.Sql("CREATE TABLE notes (id integer PRIMARY KEY, rank integer)");
        migrationBuilder.Sql("INSERT INTO notes VALUES (1, 2)");
        """;

    /// <summary>The same SQL laid out again, with comments, lower case and other line breaks.</summary>
    private const string Reformatted = """
        migrationBuilder.Sql("-- ranked notes\r\ncreate table notes (\r\n    id integer primary key,\r\n    rank integer /* may be null */\r\n)");
        migrationBuilder.Sql("insert into notes\n    values (1, 2);");
        """;

    /// <summary>A column's type changed after the revision ran.</summary>
    private const string Retyped = """
        migrationBuilder.Sql("CREATE TABLE notes (id integer PRIMARY KEY, rank bigint)");
        migrationBuilder.Sql("INSERT INTO notes VALUES (1, 2)");
        """;

    [Fact]
    public async Task History_applied_lists_the_upgrade_and_check_applied_passes_a_reformat_and_fails_a_changed_column_type()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "AuditHistory", a => a.WriteRevision(Id, [], "create notes", Written, Drop));
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        var env = database.Environment;
        Succeeded(await app.RunAsync(env, "upgrade", "head", "--no-build"));

        var listed = Succeeded(await app.RunAsync(env, "history", "--applied", "--no-build"));
        Assert.Equal(2, listed.OutputLines.Count);
        Assert.Matches(@"^started \(UTC\)\s+revision\s+direction\s+duration\s+checksum\s+tool\s+user\s+host$", listed.OutputLines[0]);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+{Id} \(create notes\)\s+upgrade\s+\d+\.\d{{3}} s\s+[0-9a-f]{{12}}\s+\S+\s+{Environment.UserName}/migratekit\s+{Environment.MachineName}$", listed.OutputLines[1]);
        var json = Succeeded(await app.RunAsync(env, "history", "--applied", "--json", "--no-build"));
        var row = Assert.Single(JsonDocument.Parse(json.StandardOutput).RootElement.EnumerateArray().ToList());
        Assert.Equal((Id, "upgrade", 2), (row.GetProperty("revision").GetString(), row.GetProperty("direction").GetString(), row.GetProperty("statementChecksums").GetArrayLength()));
        DoesNotPrint(json, new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Password!);

        const string Clean = "No change: the 1 applied revision runs the SQL that ran on the database.";
        Assert.Equal([Clean], Succeeded(await app.RunAsync(env, "check", "--applied", "--no-build")).OutputLines);

        app.WriteRevision(Id, [], "create notes", Reformatted, Drop);
        Assert.Equal([Clean], Succeeded(await app.RunAsync(env, "check", "--applied")).OutputLines);

        app.WriteRevision(Id, [], "create notes", Retyped, Drop);
        var edited = await app.RunAsync(env, "check", "--applied");
        Assert.Equal(1, edited.ExitCode);
        NoStackTrace(edited);
        Assert.Equal("Revisions changed since they ran on the database (1):", edited.OutputLines[0]);
        Assert.StartsWith($"  {Id} (create notes): edited after apply: 1 statement differs (upgraded ", edited.OutputLines[1]);
        var editedJson = await app.RunAsync(env, "check", "--applied", "--json", "--no-build");
        Assert.Equal(1, editedJson.ExitCode);
        var change = Assert.Single(JsonDocument.Parse(editedJson.StandardOutput).RootElement.GetProperty("changes").EnumerateArray().ToList());
        Assert.Equal((Id, "edited", 1), (change.GetProperty("revision").GetString(), change.GetProperty("kind").GetString(), change.GetProperty("statementsDiffering").GetInt32()));
    }
}
