using MigrationKit.Core;
using MigrationKit.Testing;

namespace MigrationKit.Transfer.Tests;

/// <summary>`export DIR` from one engine and `import DIR` into the other, verified against the manifest.</summary>
public sealed class CrossProviderExportImportTests
{
    private const string Postgres = ScratchDatabase.Postgres;
    private const string Sqlite = ScratchDatabase.Sqlite;
    private const string VersionTable = ScratchDatabase.VersionTable;

    public static TheoryData<string, string> Directions => new() { { Sqlite, Postgres }, { Postgres, Sqlite } };

    private static async Task<Manifest> ExportAsync(CrossProviderDatabase source, string directory)
    {
        await using var app = KindsModel.For(source);
        return await TransferOperations.ExportAsync(app, null, directory, [], [], VersionTable, null, CancellationToken.None);
    }

    private static async Task<IReadOnlyList<TableResult>> ImportAsync(CrossProviderDatabase target, string directory, bool truncate = false)
    {
        await using var app = KindsModel.For(target);
        return await TransferOperations.ImportAsync(app, null, directory, truncate, VersionTable, null, CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task An_export_of_one_engine_imports_into_the_other_with_every_value_verified_against_the_manifest(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await source.SeedAsync();

        var manifest = await ExportAsync(source, folder.Path);
        var imported = await ImportAsync(target, folder.Path);

        Assert.Equal([CrossProviderDatabase.Revision], manifest.Revision);
        Assert.All(manifest.Tables, t => Assert.NotNull(t.ValueChecksum));
        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
        Assert.Equal(20, imported.Sum(t => t.Rows));
        Assert.Equal(["", "<null>", "note; DROP TABLE accounts"], await target.QueryAsync("""SELECT coalesce("Note", '<null>') FROM accounts ORDER BY "Id" """));

        await target.SeedAsync(db => db.Accounts.Add(new Account { Name = "after", PublicId = Guid.NewGuid(), OpenedAt = DateTime.UtcNow }));
        Assert.Equal(["4"], await target.QueryAsync("""SELECT max("Id") FROM accounts"""));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_csv_file_changed_after_the_export_is_refused_and_that_table_stays_as_it_was(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await source.SeedAsync();
        await ExportAsync(source, folder.Path);
        var entries = folder.File("entries.csv");
        await File.WriteAllTextAsync(entries, (await File.ReadAllTextAsync(entries)).Replace("entry 5", "entry 6", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ImportAsync(target, folder.Path));

        Assert.StartsWith("entries does not match the manifest after loading (12 rows, the manifest says 12, checksums differ)", error.Message);
        Assert.Equal(3, await target.CountAsync("accounts"));
        Assert.Equal(0, await target.CountAsync("entries"));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task An_import_into_a_database_at_another_revision_is_refused(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to, revision: "ffffffffffff");
        using var folder = new TempDirectory("migratekit-xexport");
        await source.SeedAsync();
        await ExportAsync(source, folder.Path);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ImportAsync(target, folder.Path));

        Assert.Equal($"The export is of revision {CrossProviderDatabase.Revision}, and the database is at ffffffffffff.", error.Message);
        Assert.Equal(0, await target.CountAsync("accounts"));
    }
}
