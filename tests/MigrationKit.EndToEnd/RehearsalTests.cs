using System.Text.Json;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// `upgrade --rehearse` as typed, with the packed tool: the table, --json and --markdown, a failure,
/// --strict and --refuse-data-loss (the real run's refusals, decided by the command), bad input.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class RehearsalTests(PackedTool tool)
{
    private const string Accounts = "e10000000001";
    private const string Changes = "e10000000002";
    private const string Broken = "e10000000003";
    private const string Drops = "e10000000004";

    [Fact]
    public async Task Upgrade_rehearse_reports_each_statement_in_every_form_changes_nothing_and_fails_on_a_failing_statement()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Rehearse", a =>
        {
            a.WriteRevision(Accounts, [], "accounts",
                "migrationBuilder.Sql(\"CREATE TABLE accounts (id int PRIMARY KEY, name text)\");", "migrationBuilder.Sql(\"DROP TABLE accounts\");");
            a.WriteRevision(Changes, [Accounts], "index and note",
                """
                migrationBuilder.Sql("CREATE INDEX ix_accounts_name ON accounts (name)");
                migrationBuilder.Sql("ALTER TABLE accounts ADD COLUMN note text");
                migrationBuilder.Sql("UPDATE accounts SET note = 'x'");
                """,
                "migrationBuilder.Sql(\"DROP INDEX ix_accounts_name\");\nmigrationBuilder.Sql(\"ALTER TABLE accounts DROP COLUMN note\");");
        });
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        var env = database.Environment;
        Succeeded(await app.RunAsync(env, "upgrade", Accounts, "--no-build"));
        await database.ExecuteAsync("INSERT INTO accounts VALUES (1, 'one'), (2, 'two')");

        var table = Succeeded(await app.RunAsync(env, "upgrade", "head", "--rehearse", "--no-build"));
        Assert.StartsWith($"Rehearsal of upgrade {Accounts} -> {Changes} on database ", table.OutputLines[0], StringComparison.Ordinal);
        Assert.Equal($"upgrade {Accounts} -> {Changes}, index and note", table.OutputLines[1][..table.OutputLines[1].IndexOf("  (", StringComparison.Ordinal)]);
        Assert.Matches(@"^\s+#\s+time\s+rows\s+locks\s+statement$", table.OutputLines[2]);
        Assert.Matches(@"^\s+1\s+\d+\.\d (ms|s)\s+-\s+accounts ShareLock \(blocks writes\)\s+CREATE INDEX ix_accounts_name ON accounts \(name\);?$", table.OutputLines[3]);
        Assert.Matches(@"^\s+2\s+\d+\.\d (ms|s)\s+-\s+accounts AccessExclusiveLock \(blocks reads and writes\)\s+ALTER TABLE accounts ADD COLUMN note text;?$", table.OutputLines[4]);
        Assert.Matches(@"^\s+3\s+\d+\.\d (ms|s)\s+2\s+accounts RowExclusiveLock \(blocks neither reads nor writes\)\s+UPDATE accounts SET note = 'x';?$", table.OutputLines[5]);
        Assert.StartsWith("  lint require-concurrent-index-creation (accounts): ", table.OutputLines[6], StringComparison.Ordinal);
        Assert.Matches(@"^Rehearsed 1 revision, 3 statements in \d+\.\d+ (ms|s)\. Everything was rolled back: nothing was changed\.$", table.OutputLines[^1]);
        Assert.Contains($"Rehearsing upgrade {Accounts} -> {Changes}, index and note", table.ErrorLines);
        Assert.Equal([Accounts], await database.VersionRowsAsync());
        Assert.Empty(await database.QueryAsync("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'"));

        var json = JsonDocument.Parse(Succeeded(await app.RunAsync(env, "upgrade", "head", "--rehearse", "--json", "--no-build")).StandardOutput).RootElement;
        Assert.True(json.GetProperty("succeeded").GetBoolean());
        Assert.True(json.GetProperty("locksObserved").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("failure").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("refused").ValueKind);
        Assert.Equal([Accounts], json.GetProperty("from").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([Changes], json.GetProperty("to").EnumerateArray().Select(e => e.GetString()));
        var revision = json.GetProperty("revisions").EnumerateArray().Single();
        Assert.Equal(Changes, revision.GetProperty("revision").GetString());
        Assert.True(revision.GetProperty("elapsedMs").GetDouble() > 0);
        var statements = revision.GetProperty("statements").EnumerateArray().ToList();
        Assert.Equal([JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Number], statements.Select(s => s.GetProperty("rowsAffected").ValueKind));
        Assert.Equal(2, statements[2].GetProperty("rowsAffected").GetInt32());
        var createIndexLock = statements[0].GetProperty("locks").EnumerateArray().Single();
        Assert.Equal(("accounts", "ShareLock", false, true, false), (
            createIndexLock.GetProperty("table").GetString(), createIndexLock.GetProperty("mode").GetString(), createIndexLock.GetProperty("blocksReads").GetBoolean(),
            createIndexLock.GetProperty("blocksWrites").GetBoolean(), createIndexLock.GetProperty("createdInRehearsal").GetBoolean()));
        Assert.All(statements, s => Assert.True(s.GetProperty("ran").GetBoolean()));
        Assert.Equal("require-concurrent-index-creation", revision.GetProperty("lint").EnumerateArray().Single().GetProperty("rule").GetString());
        Assert.Equal(JsonValueKind.Array, revision.GetProperty("dataLoss").ValueKind);

        var markdown = Succeeded(await app.RunAsync(env, "upgrade", "head", "--rehearse", "--markdown", "--no-build")).OutputLines;
        Assert.Equal($"### Rehearsal of `upgrade {Accounts} -> {Changes}` on database", markdown[0][..(markdown[0].IndexOf(" on ", StringComparison.Ordinal) + 12)]);
        Assert.StartsWith("**Passed.** Rehearsed 1 revision, 3 statements in ", markdown[1], StringComparison.Ordinal);
        Assert.Equal($"#### `{Changes}` index and note", markdown[3][..markdown[3].IndexOf(" (", StringComparison.Ordinal)]);
        Assert.Equal(["| # | statement | time | rows | locks |", "|---:|---|---:|---:|---|"], markdown.Skip(4).Take(2));
        Assert.Matches(@"^\| 1 \| `CREATE INDEX ix_accounts_name ON accounts \(name\);?` \| \d+\.\d (ms|s) \| - \| accounts ShareLock \(blocks writes\) \|$", markdown[6]);
        Assert.StartsWith("- lint require-concurrent-index-creation (accounts): ", markdown[9], StringComparison.Ordinal);

        // --strict: the real upgrade would not run (an unacknowledged finding). The report all the
        // same, then one error line saying why, exit 1, nothing changed.
        var catalog = await CatalogAsync(database);
        var strict = await app.RunAsync(env, "upgrade", "head", "--rehearse", "--strict", "--no-build");
        Assert.Equal(
            "Lint found 1 unacknowledged finding: with --strict the real upgrade would not run. "
            + "Make the changes the safe way, or acknowledge each on its revision with [AcknowledgeLint(\"rule-id\", \"reason\")].",
            FailedInOneLine(strict));
        Assert.StartsWith($"Rehearsal of upgrade {Accounts} -> {Changes} on database ", strict.OutputLines[0], StringComparison.Ordinal);
        Assert.StartsWith("  lint require-concurrent-index-creation (accounts): ", strict.OutputLines[6], StringComparison.Ordinal);
        Assert.Matches(@"^Rehearsed 1 revision, 3 statements in \d+\.\d+ (ms|s)\. Everything was rolled back: nothing was changed\.$", strict.OutputLines[^1]);
        // The Markdown summary (a CI job's) says so too, rather than "Passed".
        var strictMarkdown = await app.RunAsync(env, "upgrade", "head", "--rehearse", "--strict", "--markdown", "--no-build");
        FailedInOneLine(strictMarkdown);
        Assert.StartsWith(
            "**Failed.** Lint found 1 unacknowledged finding: with --strict the real upgrade would not run. Rehearsed 1 revision, 3 statements in ",
            strictMarkdown.OutputLines[1], StringComparison.Ordinal);
        Assert.Equal([Accounts], await database.VersionRowsAsync());
        Assert.Equal(catalog, await CatalogAsync(database));

        // A statement that fails: the report up to it on standard output, one error line, exit 1, nothing changed.
        // (Built again for the two new revisions; the drop is for --refuse-data-loss below.)
        app.WriteRevision(Drops, [Changes], "drop accounts", "migrationBuilder.DropTable(name: \"accounts\");",
            "migrationBuilder.Sql(\"CREATE TABLE accounts (id int PRIMARY KEY, name text, note text)\");");
        app.WriteRevision(Broken, [Drops], "broken", "migrationBuilder.Sql(\"INSERT INTO no_such_table VALUES (1)\");", "");
        var failed = await app.RunAsync(env, "upgrade", "head", "--rehearse");
        var error = FailedInOneLine(failed);
        Assert.StartsWith($"The rehearsal failed at statement 1 of upgrade {Drops} -> {Broken}, broken: 42P01: relation \"no_such_table\" does not exist", error, StringComparison.Ordinal);
        Assert.EndsWith("Everything was rolled back: nothing was changed.", error, StringComparison.Ordinal);
        Assert.Contains(failed.OutputLines, l => l.StartsWith("  FAILED 1: 42P01: relation \"no_such_table\" does not exist", StringComparison.Ordinal));
        Assert.Equal(error, failed.OutputLines[^1]);
        Assert.Equal([Accounts], await database.VersionRowsAsync());

        // --refuse-data-loss: the real upgrade would stop before the drop, whose rows the rehearsal
        // counted after the revision before it. The report all the same, one error line, exit 1, nothing changed.
        var refused = await app.RunAsync(env, "upgrade", Drops, "--rehearse", "--refuse-data-loss", "--no-build");
        Assert.Equal(
            $"upgrade {Changes} -> {Drops}, drop accounts would lose data (drops table accounts: 2 rows): with --refuse-data-loss the real upgrade would stop before it. "
            + "Move or delete the data first, or run without --refuse-data-loss (setting refuseDataLoss).",
            FailedInOneLine(refused));
        Assert.Contains(refused.OutputLines, l => l.StartsWith($"upgrade {Changes} -> {Drops}, drop accounts  (", StringComparison.Ordinal));
        Assert.Contains("  data loss: drops table accounts: 2 rows", refused.OutputLines);
        Assert.Matches(@"^Rehearsed 2 revisions, 4 statements in \d+\.\d+ (ms|s)\. Everything was rolled back: nothing was changed\.$", refused.OutputLines[^1]);
        Assert.Equal([Accounts], await database.VersionRowsAsync());
        Assert.Equal(catalog, await CatalogAsync(database));
        Assert.Equal(["1 one", "2 two"], await database.QueryAsync("SELECT id || ' ' || name FROM accounts ORDER BY id"));
        var refusedJson = await app.RunAsync(env, "upgrade", Drops, "--rehearse", "--refuse-data-loss", "--json", "--no-build");
        var refusal = FailedInOneLine(refusedJson);
        json = JsonDocument.Parse(refusedJson.StandardOutput).RootElement;
        Assert.True(json.GetProperty("succeeded").GetBoolean());
        Assert.Equal(refusal[..refusal.IndexOf(" Move or delete", StringComparison.Ordinal)], json.GetProperty("refused").GetString());
        Assert.Equal(2, json.GetProperty("revisions")[1].GetProperty("dataLoss").EnumerateArray().Single().GetProperty("count").GetInt64());
        Assert.Equal([Accounts], await database.VersionRowsAsync());
        // Without it the same rehearsal passes: the refusal is the option's.
        Succeeded(await app.RunAsync(env, "upgrade", Drops, "--rehearse", "--no-build"));

        Assert.StartsWith("--rehearse cannot be used with --sql. ", FailedInOneLine(await app.RunAsync(env, "upgrade", "head", "--rehearse", "--sql", "--no-build")), StringComparison.Ordinal);
        Assert.StartsWith("--json goes with --rehearse. ", FailedInOneLine(await app.RunAsync(env, "upgrade", "head", "--json", "--no-build")), StringComparison.Ordinal);

        // SQLite: the same against a copy of the file, which stays byte for byte as it was.
        using var sqlite = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        Succeeded(await app.RunAsync(sqlite.Environment, "upgrade", Accounts, "--no-build"));
        var file = sqlite.ConnectionString["Data Source=".Length..];
        var bytes = await File.ReadAllBytesAsync(file);
        var onCopy = Succeeded(await app.RunAsync(sqlite.Environment, "upgrade", Changes, "--rehearse", "--no-build"));
        Assert.EndsWith("SQLite: run against a temporary copy of the file, deleted afterwards; table locks do not apply (a SQLite writer locks the whole file).", onCopy.OutputLines[0], StringComparison.Ordinal);
        Assert.EndsWith("The copy was deleted: nothing was changed.", onCopy.OutputLines[^1], StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        Assert.Matches(@"^\s+#\s+time\s+rows\s+statement$", onCopy.OutputLines[2]);

        // The setting refuseDataLoss, as --refuse-data-loss: the rows counted on the copy; the file as it was.
        await sqlite.ExecuteAsync("INSERT INTO accounts VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        bytes = await File.ReadAllBytesAsync(file);
        app.WriteSetting("refuseDataLoss", true);
        var refusedOnCopy = await app.RunAsync(sqlite.Environment, "upgrade", Drops, "--rehearse", "--no-build");
        Assert.StartsWith(
            $"upgrade {Changes} -> {Drops}, drop accounts would lose data (drops table accounts: 3 rows): with --refuse-data-loss the real upgrade would stop before it. ",
            FailedInOneLine(refusedOnCopy), StringComparison.Ordinal);
        Assert.Contains("  data loss: drops table accounts: 3 rows", refusedOnCopy.OutputLines);
        Assert.EndsWith("The copy was deleted: nothing was changed.", refusedOnCopy.OutputLines[^1], StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        Assert.Equal([Accounts], await sqlite.VersionRowsAsync());
    }

    /// <summary>The public schema's relations, their storage and their columns: what a rehearsal that was not undone would change.</summary>
    private static Task<List<string>> CatalogAsync(AppDatabase database) => database.QueryAsync("""
        SELECT c.relname || ' ' || c.relkind::text || ' ' || c.relfilenode || ' '
               || coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum), '')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = 'public'
        GROUP BY c.oid, c.relname, c.relkind, c.relfilenode
        ORDER BY c.relname
        """);
}
