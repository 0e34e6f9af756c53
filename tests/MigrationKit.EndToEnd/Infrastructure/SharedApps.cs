using static MigrationKit.EndToEnd.Infrastructure.Schema;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>The apps several tests run against, created once per run by the <see cref="PackedTool"/> fixture.</summary>
public static class SharedApps
{
    /// <summary>Five linear revisions; each creates table tN, pauses, and records itself in table <c>applied</c>.</summary>
    public static readonly string[] Slow = ["aa0000000001", "aa0000000002", "aa0000000003", "aa0000000004", "aa0000000005"];

    /// <summary>Five linear revisions; the third creates t3 and then fails.</summary>
    public static readonly string[] Faulty = ["fa0000000001", "fa0000000002", "fa0000000003", "fa0000000004", "fa0000000005"];

    /// <summary>
    /// The app of <see cref="Slow"/>. The pause (a quarter of a second) is what lets a kill at a random
    /// moment land inside a revision's transaction; the <c>applied</c> rows show a revision that ran twice.
    /// </summary>
    public static Task<ThrowawayApp> SlowAsync(PackedTool tool) => tool.SharedAppAsync("Slow", t => ThrowawayApp.CreateAsync(t, "Slow", app =>
    {
        app.WriteFile("Revisions/Pause.cs", """
            using Microsoft.EntityFrameworkCore.Migrations;

            namespace App.Revisions;

            internal static class Pause
            {
                public static void Take(MigrationBuilder migrationBuilder)
                    => migrationBuilder.Sql(migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL"
                        ? "SELECT pg_sleep(0.25)"
                        : "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT count(*) FROM n");
            }
            """);
        for (var i = 0; i < Slow.Length; i++)
        {
            var id = Slow[i];
            var table = $"t{i + 1}";
            app.WriteRevision(id, i == 0 ? [] : [Slow[i - 1]], $"create {table}",
                Lines(
                    i == 0 ? Sql("CREATE TABLE applied (revision varchar(20) NOT NULL)") : "",
                    CreateTable(table),
                    "Pause.Take(migrationBuilder);",
                    Sql($"INSERT INTO applied (revision) VALUES ('{id}')")),
                Lines(
                    Sql($"DELETE FROM applied WHERE revision = '{id}'"),
                    DropTable(table),
                    i == 0 ? Sql("DROP TABLE applied") : ""));
        }
    }));

    /// <summary>The app of <see cref="Faulty"/>: the third revision's second statement names a table that does not exist.</summary>
    public static Task<ThrowawayApp> FaultyAsync(PackedTool tool) => tool.SharedAppAsync("Faulty", t => ThrowawayApp.CreateAsync(t, "Faulty", app =>
    {
        for (var i = 0; i < Faulty.Length; i++)
        {
            var table = $"t{i + 1}";
            var upgrade = i == 2
                ? Lines(CreateTable(table), Sql("INSERT INTO no_such_table (id) VALUES (1)"), CreateTable("never"))
                : CreateTable(table);
            app.WriteRevision(Faulty[i], i == 0 ? [] : [Faulty[i - 1]], i == 2 ? "broken" : $"create {table}", upgrade, DropTable(table));
        }
    }));

    /// <summary>
    /// The finance sample (samples/Finance) as a throwaway app that references the packed packages:
    /// the sample's own context and revisions (a branch and a merge).
    /// </summary>
    public static Task<ThrowawayApp> FinanceAsync(PackedTool tool) => tool.SharedAppAsync("Finance", t => ThrowawayApp.CreateAsync(t, "Finance", app =>
    {
        var sample = Path.Combine(t.RepositoryRoot, "samples", "Finance");
        app.WriteFile("AppDbContext.cs", "// The sample's FinanceDbContext is this app's only context.\n");
        app.WriteFile("FinanceDbContext.cs", File.ReadAllText(Path.Combine(sample, "FinanceDbContext.cs")));
        foreach (var revision in Directory.GetFiles(Path.Combine(sample, "Revisions"), "*.cs"))
        {
            app.WriteFile(Path.Combine("Revisions", Path.GetFileName(revision)), File.ReadAllText(revision));
        }
    }));

    /// <summary>What the sample reads: FINANCE_PROVIDER picks PostgreSQL, and the tool's connection points at the database (or server).</summary>
    public static Dictionary<string, string?> FinanceOn(string provider, string connectionString) => new()
    {
        ["FINANCE_PROVIDER"] = provider == MigrationKit.Testing.ScratchDatabase.Postgres ? "postgres" : "sqlite",
        ["MIGRATEKIT_CONNECTION"] = connectionString,
    };

    /// <summary>The tables that revisions 1..<paramref name="count"/> of <see cref="Slow"/> create, sorted.</summary>
    public static List<string> SlowTablesUpTo(int count)
        => count == 0 ? [] : ["applied", .. Enumerable.Range(1, count).Select(n => $"t{n}")];
}
