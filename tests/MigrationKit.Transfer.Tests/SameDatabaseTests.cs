using MigrationKit.Core;
using MigrationKit.Testing;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>`copy` refuses, before touching anything, a source and a target that are one database, however the two are spelled.</summary>
public sealed class SameDatabaseTests
{
    // Long enough for a loaded machine; before the refusal a copy onto itself waited on its own locks for ever.
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);

    private static async Task<MigrationKitException> CopyFailsAsync(CrossProviderDatabase app, string from, string to)
    {
        await using var context = KindsModel.For(app);
        var copy = TransferOperations.CopyAsync(context, from, to, [], [], new CopyOptions { Truncate = true, Verify = true }, null, CancellationToken.None);
        return await Assert.ThrowsAsync<MigrationKitException>(() => copy.WaitAsync(Bounded));
    }

    /// <summary>The same server and database in other words: another host name, keyword synonyms and case, another keyword order, a Unix socket.</summary>
    public static async Task<List<string>> SpellingsAsync(string connectionString)
    {
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        var socket = (await PostgresServer.QueryColumnAsync(connectionString, "SELECT split_part(current_setting('unix_socket_directories'), ',', 1)")).Single().Trim();
        return
        [
            $"server=localhost;PORT={given.Port};Password={given.Password};DB={given.Database};User ID={given.Username}",
            $"DB={given.Database};Host={given.Host};Port={given.Port};UID={given.Username};PWD={given.Password};Timeout=10",
            $"Host={socket};Port={given.Port};Database={given.Database};Username={given.Username};Password={given.Password}",
        ];
    }

    [Fact]
    public async Task A_postgresql_database_is_refused_as_its_own_target_however_its_connection_string_is_spelled()
    {
        using var database = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Postgres);
        await database.SeedAsync();
        var before = await database.RowsAsync();
        var display = new NpgsqlConnectionStringBuilder(database.ConnectionString);

        foreach (var spelling in await SpellingsAsync(database.ConnectionString))
        {
            var error = await CopyFailsAsync(database, database.ConnectionString, spelling);

            Assert.True(error.Message.StartsWith($"The source and the target are the same database ({display.Host}:{display.Port}/{display.Database})", StringComparison.Ordinal), error.Message);
            Assert.DoesNotContain(display.Password!, error.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await database.RowsAsync());
    }

    [Fact]
    public async Task Another_database_of_the_same_server_is_a_target()
    {
        using var source = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Postgres);
        using var target = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Postgres);
        await source.SeedAsync();
        var spelled = (await SpellingsAsync(target.ConnectionString))[0];

        await using var context = KindsModel.For(target);
        await TransferOperations.CopyAsync(context, source.ConnectionString, spelled, [], [], new CopyOptions(), null, CancellationToken.None).WaitAsync(Bounded);

        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
    }

    [Fact]
    public async Task A_sqlite_file_is_refused_as_its_own_target_by_a_relative_path_or_through_a_symbolic_link()
    {
        using var database = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Sqlite);
        await database.SeedAsync();
        var before = await database.RowsAsync();
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        using var links = new TempDirectory("migratekit-links");
        File.CreateSymbolicLink(links.File("linked.db"), file);
        Directory.CreateSymbolicLink(links.File("folder"), Path.GetDirectoryName(file)!);

        string[] spellings =
        [
            $"Data Source={Path.GetRelativePath(Environment.CurrentDirectory, file)}",
            $"Filename={links.File("linked.db")}",
            $"Data Source={Path.Combine(links.File("folder"), Path.GetFileName(file))};Cache=Shared",
        ];
        foreach (var spelling in spellings)
        {
            var error = await CopyFailsAsync(database, database.ConnectionString, spelling);

            Assert.Equal($"The source and the target are the same database ({file}): a copy needs two.", error.Message);
        }

        Assert.Equal(before, await database.RowsAsync());
    }
}
