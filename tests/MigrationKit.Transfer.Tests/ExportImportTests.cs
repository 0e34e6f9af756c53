using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Testing;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Tests;

/// <summary>export DIR writes CSV files and a manifest; import DIR loads them into a database at the same revision.</summary>
public sealed class ExportImportTests
{
    private static readonly string[] AllTables = ["customers", "orders", "order_lines", "audit_entries"];

    private static async Task<(TransferDatabases Databases, IReadOnlyList<TransferTable> Tables)> SeededAsync(string? targetRevision = TransferDatabases.Revision)
    {
        using var context = TestModel.Create();
        var databases = await TransferDatabases.CreateAsync(context.Database.GenerateCreateScript(), targetRevision);
        await databases.Source.ExecuteAsync("""
            INSERT INTO customers ("Name", "Email", "Mood", "Profile", "Tags", "Photo", "CreatedAt") VALUES
              ('Zoë, "quoted"
            on two lines', '', 'happy', '{"a": [1, 2]}', ARRAY['x', NULL, ''], '\x00ff'::bytea, '2024-02-29 23:59:59.5+05:30'),
              ('李', NULL, NULL, NULL, NULL, NULL, '1999-12-31 00:00:00+00');
            INSERT INTO orders ("CustomerId", "Total") SELECT "Id", 1.5 FROM customers;
            INSERT INTO order_lines ("OrderId", "Note") SELECT "Id", '' FROM orders;
            """);
        return (databases, ModelTables.Of(context, "migratekit_version"));
    }

    [Fact]
    public async Task An_export_imports_into_a_database_at_the_same_revision_with_every_value_keys_and_sequences()
    {
        var (databases, tables) = await SeededAsync();
        using var folder = new TempDirectory("migratekit-export");

        var manifest = await new CsvTransfer(databases.Source.ConnectionString, "migratekit_version").ExportAsync(tables, folder.Path, CancellationToken.None);
        var imported = await new CsvTransfer(databases.Target.ConnectionString, "migratekit_version").ImportAsync(tables, folder.Path, truncate: false, CancellationToken.None);

        Assert.Equal([TransferDatabases.Revision], manifest.Revision);
        Assert.Equal(2, manifest.Tables.Single(t => t.Table == "customers").Rows);
        Assert.StartsWith("Id,CreatedAt,Email,Mood,Name,Photo,Profile,Tags", File.ReadLines(folder.File("customers.csv")).First(), StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("manifest.json")));
        Assert.Equal(AllTables.Order(), imported.Select(r => r.Table).Order());
        await databases.AssertSameRowsAsync(AllTables);
        await databases.Target.ExecuteAsync("""INSERT INTO orders ("CustomerId", "Total") VALUES (1, 1)""");
        Assert.Equal(["3"], await databases.Target.QueryAsync("""SELECT max("Id") FROM orders"""));
    }

    [Fact]
    public async Task Import_refuses_a_database_at_another_revision()
    {
        var (databases, tables) = await SeededAsync(targetRevision: "ffffffffffff");
        using var folder = new TempDirectory("migratekit-export");
        await new CsvTransfer(databases.Source.ConnectionString, "migratekit_version").ExportAsync(tables, folder.Path, CancellationToken.None);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() =>
            new CsvTransfer(databases.Target.ConnectionString, "migratekit_version").ImportAsync(tables, folder.Path, truncate: false, CancellationToken.None));

        Assert.Equal($"The export is of revision {TransferDatabases.Revision}, and the database is at ffffffffffff.", error.Message);
        Assert.Equal(0, await databases.Target.CountAsync("customers"));
    }

    [Fact]
    public async Task A_csv_file_changed_after_the_export_fails_the_manifest_check_and_its_table_stays_as_it_was()
    {
        var (databases, tables) = await SeededAsync();
        using var folder = new TempDirectory("migratekit-export");
        await new CsvTransfer(databases.Source.ConnectionString, "migratekit_version").ExportAsync(tables, folder.Path, CancellationToken.None);
        var lines = File.ReadAllLines(folder.File("order_lines.csv"));
        // An empty string is "" in the CSV, apart from NULL (nothing).
        Assert.Equal(["Id,Note,OrderId", "1,\"\",1", "2,\"\",2"], lines);
        File.WriteAllLines(folder.File("order_lines.csv"), [lines[0], "1,changed,1", lines[2]]);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() =>
            new CsvTransfer(databases.Target.ConnectionString, "migratekit_version").ImportAsync(tables, folder.Path, truncate: false, CancellationToken.None));

        Assert.StartsWith("order_lines does not match the manifest", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await databases.Target.CountAsync("order_lines"));
        Assert.Equal(2, await databases.Target.CountAsync("orders"));
    }
}
