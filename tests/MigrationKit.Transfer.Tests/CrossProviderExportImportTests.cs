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

    private static async Task<Manifest> ExportAsync(CrossProviderDatabase source, string directory, bool overwrite = false)
    {
        await using var app = KindsModel.For(source);
        return await TransferOperations.ExportAsync(app, null, directory, [], [], VersionTable, overwrite, null, CancellationToken.None);
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
    public async Task An_import_gives_up_after_the_lock_wait_while_upgrade_holds_the_targets_migration_lock(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await source.SeedAsync();
        await ExportAsync(source, folder.Path);
        await using System.Data.Common.DbConnection upgrade = to == Postgres
            ? new Npgsql.NpgsqlConnection(target.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection(target.ConnectionString);
        await upgrade.OpenAsync();
        await using var held = await Runner.Database.DatabaseDialect.For(to == Postgres ? Runner.Database.DatabaseDialect.PostgreSqlProvider : Runner.Database.DatabaseDialect.SqliteProvider)
            .AcquireLockAsync(upgrade, VersionTable, TimeSpan.Zero, Serilog.Log.Logger, CancellationToken.None);
        await using var app = KindsModel.For(target);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => TransferOperations.ImportAsync(
            app, null, folder.Path, false, VersionTable, null, CancellationToken.None, TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("Gave up after 1 s waiting for the migration lock of ", error.Message);
        Assert.Equal(0, await target.CountAsync("accounts"));
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

    /// <summary>Two accounts, the first with a name on two lines: the second's row starts on line 4 of accounts.csv.</summary>
    private static Task SeedTwoAccountsAsync(CrossProviderDatabase source) => source.SeedAsync(db => db.Accounts.AddRange(
        new Account { Name = "two\nlines", Active = true, PublicId = Guid.NewGuid(), OpenedAt = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
        new Account { Name = "second", Active = false, PublicId = Guid.NewGuid(), OpenedAt = new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc) }));

    /// <summary>Line 4 of accounts.csv (the second account's row) with its fields changed.</summary>
    private static void EditSecondAccount(string file, Action<string[], List<string>> edit)
    {
        var lines = File.ReadAllText(file).Split('\n');
        var fields = lines[3].Split(',').ToList();
        edit(lines[0].Split(','), fields);
        lines[3] = string.Join(',', fields);
        File.WriteAllText(file, string.Join('\n', lines));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_bad_value_fails_the_import_naming_the_csv_file_its_line_and_column(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await SeedTwoAccountsAsync(source);
        await ExportAsync(source, folder.Path);
        var accounts = folder.File("accounts.csv");
        EditSecondAccount(accounts, (header, fields) => fields[Array.IndexOf(header, "Active")] = "maybe");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ImportAsync(target, folder.Path));

        Assert.StartsWith($"{accounts}, line 4, column Active: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("maybe", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("accounts was left as it was. No table of the target was changed.", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await target.CountAsync("accounts"));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_row_with_a_field_missing_fails_the_import_naming_the_csv_file_and_its_line(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await SeedTwoAccountsAsync(source);
        await ExportAsync(source, folder.Path);
        var accounts = folder.File("accounts.csv");
        EditSecondAccount(accounts, (_, fields) => fields.RemoveAt(fields.Count - 1));

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ImportAsync(target, folder.Path));

        Assert.StartsWith($"{accounts}, line 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await target.CountAsync("accounts"));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Rows_the_database_holds_already_fail_the_import_with_advice_on_options_import_takes(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        using var target = await CrossProviderDatabase.CreateAsync(to);
        using var folder = new TempDirectory("migratekit-xexport");
        await SeedTwoAccountsAsync(source);
        await ExportAsync(source, folder.Path);
        await ImportAsync(target, folder.Path);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ImportAsync(target, folder.Path));

        // SQLite inserts row by row and names the line; PostgreSQL's COPY checks keys on buffered rows, so only the file.
        Assert.StartsWith($"{folder.File("accounts.csv")}{(to == Sqlite ? ", line 2" : "")}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(LoadAdvice.Import.Conflict, error.Hint);
        Assert.DoesNotContain("--on-conflict", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("--resume", error.Hint, StringComparison.Ordinal);
        Assert.Equal(2, await target.CountAsync("accounts"));
    }

    [Fact]
    public async Task Export_into_a_folder_that_holds_an_export_is_refused_unless_overwrite()
    {
        using var source = await CrossProviderDatabase.CreateAsync(Sqlite);
        using var folder = new TempDirectory("migratekit-xexport");
        await SeedTwoAccountsAsync(source);
        await ExportAsync(source, folder.Path);
        var before = await File.ReadAllTextAsync(folder.File("accounts.csv"));
        await source.ExecuteAsync("""UPDATE accounts SET "Name" = 'renamed'""");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => ExportAsync(source, folder.Path));

        Assert.Equal($"{folder.Path} already holds an export (manifest.json).", error.Message);
        Assert.Equal(before, await File.ReadAllTextAsync(folder.File("accounts.csv")));

        await ExportAsync(source, folder.Path, overwrite: true);
        Assert.Contains("renamed", await File.ReadAllTextAsync(folder.File("accounts.csv")), StringComparison.Ordinal);
    }
}
