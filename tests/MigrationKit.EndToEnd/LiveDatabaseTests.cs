using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>
/// The options and settings for a live database: `upgrade` counts what a revision would lose and
/// `--refuse-data-loss` (or the setting) stops before it; migratekit.json's "autogenerate" group
/// makes `revision --autogenerate` write the safe forms.
/// </summary>
[Collection(PackedToolCollection.Name)]
public sealed class LiveDatabaseTests(PackedTool tool)
{
    private const string Create = "1055e0000001";
    private const string Drop = "1055e0000002";

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Refuse_data_loss_stops_before_a_drop_of_a_table_with_rows_and_the_warning_names_the_count_otherwise(string provider)
    {
        // Shared by both providers' runs (one build); each leaves migratekit.json as it found it.
        var app = await tool.SharedAppAsync("RefuseDataLoss", t => ThrowawayApp.CreateAsync(t, "RefuseDataLoss", a =>
        {
            a.WriteRevision(Create, [], "create t1", CreateTable("t1"), DropTable("t1"));
            a.WriteRevision(Drop, [Create], "drop t1", DropTable("t1"), CreateTable("t1"));
        }));
        using var database = await AppDatabase.CreateAsync(provider);
        Succeeded(await app.RunAsync(database.Environment, "upgrade", Create, "--no-build"));
        await database.ExecuteAsync("INSERT INTO t1 (\"Id\") VALUES (1); INSERT INTO t1 (\"Id\") VALUES (2);");
        var refusal = $"Refusing to run upgrade {Create} -> {Drop}, drop t1, which would lose data: drops table t1: 2 rows. The database is at {Create}.";

        Assert.StartsWith(refusal, FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--refuse-data-loss", "--no-build")));
        Assert.StartsWith(
            "--refuse-data-loss counts rows on the live database, so it cannot be used with --sql.",
            FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--sql", "--refuse-data-loss", "--no-build")));
        var settings = Path.Combine(app.Directory, "migratekit.json");
        var withoutRefusal = await File.ReadAllTextAsync(settings);
        // `init` writes every setting with its default.
        Assert.Contains("\"refuseDataLoss\": false", withoutRefusal, StringComparison.Ordinal);
        await File.WriteAllTextAsync(settings, withoutRefusal.Replace("\"refuseDataLoss\": false", "\"refuseDataLoss\": true", StringComparison.Ordinal));
        try
        {
            Assert.StartsWith(refusal, FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build")));
        }
        finally
        {
            await File.WriteAllTextAsync(settings, withoutRefusal);
        }

        Assert.Equal([Create], await database.VersionRowsAsync());
        Assert.Equal(["2"], await database.QueryAsync("SELECT count(*) FROM t1"));

        var upgraded = Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build"));

        Assert.Contains("WARNING: drops table t1: 2 rows", upgraded.ErrorLines);
        Assert.Equal([Drop], await database.VersionRowsAsync());
    }

    [Fact]
    public async Task The_autogenerate_settings_write_a_new_index_on_an_existing_table_concurrently_and_a_foreign_key_not_valid()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "SafeForms");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        var env = database.Environment;
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext("public int? ManagerId { get; set; }"));
        Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create users"));
        var settings = Path.Combine(app.Directory, "migratekit.json");
        await File.WriteAllTextAsync(settings, (await File.ReadAllTextAsync(settings)).Replace(
            "{", "{\n  \"autogenerate\": { \"concurrentIndexes\": true, \"notValidForeignKeys\": true },", StringComparison.Ordinal));
        app.WriteFile("AppDbContext.cs", AppSources.UsersContext(
            "public int? ManagerId { get; set; }",
            "modelBuilder.Entity<User>().HasOne<User>().WithMany().HasForeignKey(u => u.ManagerId);"));

        var source = File.ReadAllText(ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "manager"))));

        Assert.Contains(".Annotation(\"Npgsql:CreatedConcurrently\", true)", source, StringComparison.Ordinal);
        Assert.Contains("NOT VALID;\");", source, StringComparison.Ordinal);
        Assert.Contains("VALIDATE CONSTRAINT \\\"FK_Users_Users_ManagerId\\\";\", suppressTransaction: true);", source, StringComparison.Ordinal);
        // Built again: the new revision is not compiled yet.
        Succeeded(await app.RunAsync(env, "upgrade", "head"));
        Assert.Equal(["True"], await database.QueryAsync("SELECT convalidated FROM pg_constraint WHERE conname = 'FK_Users_Users_ManagerId'"));
        Assert.Equal(["True"], await database.QueryAsync(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'IX_Users_ManagerId'"));
    }
}
