using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`lint`, lint at autogenerate and before `upgrade --strict`, with the packed tool.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class LintTests(PackedTool tool)
{
    [Fact]
    public async Task Lint_fails_on_a_finding_until_the_revision_acknowledges_it_and_strict_upgrade_waits_for_that()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Lint");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        var env = database.Environment;
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext());

        // The Users table's key is an int: autogenerate prints the finding and keeps it in the file.
        var generated = Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create users"));
        var file = ThrowawayApp.GeneratedFile(generated);
        var revision = ThrowawayApp.RevisionId(file);
        Assert.Contains(generated.ErrorLines, l => l.StartsWith("WARNING: lint prefer-bigint-over-int (Users): key column Users.Id is integer.", StringComparison.Ordinal));
        Assert.StartsWith("// lint prefer-bigint-over-int (Users): key column Users.Id is integer.", File.ReadAllText(file), StringComparison.Ordinal);

        var lint = await app.RunAsync(env, "lint");
        Assert.Equal(1, lint.ExitCode);
        Assert.Equal(
            [
                $"{revision}  prefer-bigint-over-int  Users  key column Users.Id is integer",
                "    instead: Use bigint (long in C#) for new key columns.",
                "1 lint finding in 1 revision: 1 unacknowledged, 0 acknowledged.",
            ],
            lint.OutputLines);

        var strict = await app.RunAsync(env, "upgrade", "head", "--strict", "--no-build");
        Assert.Equal(1, strict.ExitCode);
        NoStackTrace(strict);
        Assert.StartsWith("ERROR: Lint found 1 unacknowledged finding in the revisions to upgrade; nothing was run.", strict.ErrorLines[^1], StringComparison.Ordinal);
        Assert.Contains(strict.ErrorLines, l => l.StartsWith($"WARNING: Lint {revision} prefer-bigint-over-int (Users)", StringComparison.Ordinal));
        Assert.Empty(await database.VersionRowsAsync());

        Assert.Equal("'a:b:c' is not a revision or a FROM:TO range.", FailedInOneLine(await app.RunAsync(env, "lint", "a:b:c", "--no-build")));
        Assert.Contains("takes no range", FailedInOneLine(await app.RunAsync(env, "lint", "head", "--database", "--no-build")));

        File.WriteAllText(file, File.ReadAllText(file).Replace(
            "[Revision(", "[AcknowledgeLint(\"prefer-bigint-over-int\", \"users stay few\")]\n[Revision(", StringComparison.Ordinal));
        var acknowledged = Succeeded(await app.RunAsync(env, "lint", "--json"));
        Assert.Contains("\"acknowledged\": true", acknowledged.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"unacknowledged\": 0", acknowledged.StandardOutput, StringComparison.Ordinal);

        var upgrade = Succeeded(await app.RunAsync(env, "upgrade", "head", "--strict", "--no-build"));
        Assert.Contains($"Lint {revision} prefer-bigint-over-int (Users): key column Users.Id is integer. Acknowledged: users stay few.", upgrade.ErrorLines);
        Assert.Equal([revision], await database.VersionRowsAsync());
        Assert.Equal(["No lint findings in 0 revisions."], Succeeded(await app.RunAsync(env, "lint", "--database", "--no-build")).OutputLines);

        // A revision that drops the table the running app maps: lint --database names the rule and
        // counts, on the database, what the drop would lose, without running anything.
        await database.ExecuteAsync("""INSERT INTO "Users" ("Email") VALUES ('a@example.com'), ('b@example.com')""");
        var drop = await app.AddRevisionAsync("drop users", "migrationBuilder.DropTable(name: \"Users\");", "");
        var counted = await app.RunAsync(env, "lint", "--database");
        Assert.Equal(1, counted.ExitCode);
        Assert.Contains(counted.OutputLines, l => l.StartsWith($"{drop}  ban-drop-table  Users  ", StringComparison.Ordinal));
        Assert.Contains($"{drop}  data loss  drops table Users: 2 rows", counted.OutputLines);
        Assert.Contains("\"change\": \"drops table Users\"", (await app.RunAsync(env, "lint", "--database", "--json", "--no-build")).StandardOutput, StringComparison.Ordinal);
        Assert.Equal([revision], await database.VersionRowsAsync());
    }
}
