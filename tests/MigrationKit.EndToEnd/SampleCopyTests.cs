using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;
using static MigrationKit.Testing.ScratchDatabase;

namespace MigrationKit.EndToEnd;

/// <summary>
/// The finance sample's embedded SQLite database moved to a PostgreSQL server with one `copy`
/// through the packed tool, and back into a new SQLite file: the sample's own context and
/// revisions, in a throwaway app that references the packed packages.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class SampleCopyTests(PackedTool tool)
{
    // Rows as the sample's EF Core writes them on SQLite: dates and decimals as text.
    private const string Rows = """
        INSERT INTO users ("Email", "DisplayName", "CreatedAt") VALUES
          ('ada@example.com', 'Ada Lovelace', '2026-11-24 09:00:00.123456'),
          ('zoë@example.com', NULL, '2026-11-25 10:30:00'),
          ('empty@example.com', '', '1999-12-31 23:59:59.5');
        INSERT INTO stocks ("UserId", "Symbol", "Quantity") VALUES (1, 'ACME', '10.5'), (1, 'ÜBER 📈', '0.0'), (2, 'ZZZ', '123456.789');
        INSERT INTO email_verifications ("UserId", "Token", "ExpiresAt") VALUES (2, 'tok-✓', '2026-12-01 12:00:00');
        """;

    private static readonly string[] Tables = ["users", "stocks", "email_verifications"];

    private Task<ThrowawayApp> FinanceAsync() => SharedApps.FinanceAsync(tool);

    private static Dictionary<string, string?> On(AppDatabase database) => SharedApps.FinanceOn(database.Provider, database.ConnectionString);

    private static async Task<AppDatabase> UpgradedAsync(ThrowawayApp app, string provider)
    {
        var database = await AppDatabase.CreateAsync(provider);
        Succeeded(await app.RunAsync(On(database), "upgrade", "head", "--no-build"));
        return database;
    }

    [Fact]
    public async Task The_samples_sqlite_file_moves_to_postgresql_in_one_command_verified_and_back_unchanged()
    {
        var app = await FinanceAsync();
        using var file = await UpgradedAsync(app, Sqlite);
        using var server = await UpgradedAsync(app, Postgres);
        await file.ExecuteAsync(Rows);

        var moved = Succeeded(await app.RunAsync(On(file), "copy", "--from", file.ConnectionString, "--to", server.ConnectionString, "--verify", "--no-build"));

        Assert.Equal(["Copied 3 tables, 7 rows, verified."], moved.OutputLines);
        Assert.Equal(
            ["ada@example.com|Ada Lovelace|2026-11-24 09:00:00.123456", "zoë@example.com|<null>|2026-11-25 10:30:00", "empty@example.com||1999-12-31 23:59:59.5"],
            await server.QueryAsync("""
                SELECT "Email" || '|' || coalesce("DisplayName", '<null>') || '|' || rtrim(rtrim(to_char("CreatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')
                FROM users ORDER BY "Id"
                """));
        Assert.Equal(["10.5", "0.0", "123456.789"], await server.QueryAsync("""SELECT "Quantity"::text FROM stocks ORDER BY "Id" """));
        await server.ExecuteAsync("""INSERT INTO users ("Email", "CreatedAt") VALUES ('next@example.com', now())""");
        Assert.Equal(["4"], await server.QueryAsync("""SELECT max("Id") FROM users"""));
        await server.ExecuteAsync("""DELETE FROM users WHERE "Id" = 4""");

        // And back: the server's rows into a new SQLite file read exactly as the sample wrote them.
        using var back = await UpgradedAsync(app, Sqlite);
        Succeeded(await app.RunAsync(On(back), "copy", "--from", server.ConnectionString, "--verify", "--no-build"));
        foreach (var table in Tables)
        {
            Assert.Equal(await RawAsync(file, table), await RawAsync(back, table));
        }
    }

    [Fact]
    public async Task The_samples_sqlite_file_exported_imports_into_postgresql_verified_against_the_manifest()
    {
        var app = await FinanceAsync();
        using var file = await UpgradedAsync(app, Sqlite);
        using var server = await UpgradedAsync(app, Postgres);
        using var folder = new MigrationKit.Testing.TempDirectory("migratekit-e2e-sample-export");
        await file.ExecuteAsync(Rows);

        var exported = Succeeded(await app.RunAsync(On(file), "export", folder.Path, "--no-build"));
        var imported = Succeeded(await app.RunAsync(On(server), "import", folder.Path, "--no-build"));

        Assert.Equal([$"Exported 3 tables, 7 rows, to {folder.Path}."], exported.OutputLines);
        Assert.Equal(["Imported 3 tables, 7 rows, verified against the manifest."], imported.OutputLines);
        Assert.Equal(["10.5", "0.0", "123456.789"], await server.QueryAsync("""SELECT "Quantity"::text FROM stocks ORDER BY "Id" """));
        Assert.Equal(["<null>", ""], await server.QueryAsync("""SELECT coalesce("DisplayName", '<null>') FROM users WHERE "Id" > 1 ORDER BY "Id" """));
    }

    [Fact]
    public async Task A_missing_sqlite_file_or_a_server_at_another_revision_is_one_line_and_nothing_moves()
    {
        var app = await FinanceAsync();
        using var file = await UpgradedAsync(app, Sqlite);
        using var server = await UpgradedAsync(app, Postgres);
        await file.ExecuteAsync(Rows);

        var missing = await app.RunAsync(On(file), "copy", "--from", "Data Source=/nonexistent/finance.db", "--to", server.ConnectionString, "--no-build");
        Assert.StartsWith("The source database file /nonexistent/finance.db does not exist.", FailedInOneLine(missing));

        Succeeded(await app.RunAsync(On(server), "downgrade", "-1", "--no-build"));
        var refused = await app.RunAsync(On(file), "copy", "--from", file.ConnectionString, "--to", server.ConnectionString, "--no-build");
        Assert.Contains("The source and the target differ: the source is at revision", FailedInOneLine(refused));
        Assert.Equal(["0"], await server.QueryAsync("SELECT count(*) FROM users"));
    }

    /// <summary>Every value's storage class and literal: what the app reads back.</summary>
    private static async Task<List<string>> RawAsync(AppDatabase database, string table)
    {
        var columns = await database.QueryAsync($"SELECT name FROM pragma_table_info('{table}')");
        return await database.QueryAsync(
            $"SELECT {string.Join(" || '|' || ", columns.Select(c => $"typeof(\"{c}\") || ':' || quote(\"{c}\")"))} FROM {table} ORDER BY \"Id\"");
    }
}
