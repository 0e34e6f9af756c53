using System.Text.Json;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// A revision with a statement that refuses a transaction (a concurrent index), through the packed
/// tool: a failure after it says what committed, `current -v` and `current --json` explain the
/// revision partly applied, and `upgrade` finishes it.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class PartsTests(PackedTool tool)
{
    private const string Id = "pa0000000001";

    [Fact]
    public async Task A_revision_failing_after_its_concurrent_index_is_explained_by_current_and_finished_by_upgrade()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Parts", app => app.WriteRevision(Id, [], "index in parts",
            Lines(
                Sql("CREATE TABLE parted (id integer)"),
                "migrationBuilder.Sql(\"CREATE INDEX CONCURRENTLY ix_parted ON parted (id)\", suppressTransaction: true);",
                Sql("INSERT INTO guard (id) VALUES (1)")),
            Lines(
                Sql("DELETE FROM guard"),
                "migrationBuilder.Sql(\"DROP INDEX CONCURRENTLY ix_parted\", suppressTransaction: true);",
                Sql("DROP TABLE parted"))));
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);

        var error = FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head"));

        Assert.StartsWith($"Running upgrade  -> {Id}, index in parts failed (part 3 of 3): 42P01", error);
        Assert.Contains($"Parts 1-2 of 3 of revision {Id} committed; the database is at base with {Id} partly applied", error);
        var verbose = Succeeded(await app.RunAsync(database.Environment, "current", "-v", "--no-build"));
        Assert.Equal($"Revision {Id} is partly applied (upgrade: parts 1-2 of 3 committed); `upgrade` finishes it.", verbose.OutputLines[^1]);
        var json = Succeeded(await app.RunAsync(database.Environment, "current", "--json", "--no-build"));
        using (var document = JsonDocument.Parse(json.StandardOutput))
        {
            var partly = Assert.Single(document.RootElement.EnumerateArray()).GetProperty("partlyApplied");
            Assert.Equal(2, partly.GetProperty("partsDone").GetInt32());
            Assert.Equal(3, partly.GetProperty("partsTotal").GetInt32());
        }

        Assert.Equal(
            "--interrupted-statement must be 'done' or 'rerun', not 'maybe'.",
            FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--interrupted-statement", "maybe", "--no-build")));

        await database.ExecuteAsync("CREATE TABLE guard (id integer)");
        Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build"));

        Assert.Equal([Id], await database.VersionRowsAsync());
        Assert.Equal(["1"], await database.QueryAsync("SELECT id FROM guard"));
        Assert.Equal([Id], LeadingIds(Succeeded(await app.RunAsync(database.Environment, "current", "--no-build"))));
        Assert.DoesNotContain("partly", Succeeded(await app.RunAsync(database.Environment, "current", "-v", "--no-build")).StandardOutput);
    }
}
