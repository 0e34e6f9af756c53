using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using Npgsql;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// `current` reads the version table over the provider's plain ADO.NET connection when it can
/// (no EF Core services): it must answer exactly as the runner does.
/// </summary>
public sealed class PlainConnectionTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Heads_read_over_a_plain_connection_match_the_runners_before_and_after_an_upgrade(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        // A quote in the name: our quoting must agree with the provider's.
        var options = new RunnerOptions { VersionTable = "release \"versions\"" };
        var runner = db.Runner(Linear.All, options);
        var providerName = db.NewContext().Database.ProviderName!;
        // An empty database (a SQLite file that does not exist is refused: MissingSqliteFileTests).
        await db.ExecuteAsync("SELECT 1");

        Assert.Empty(await ReadPlainAsync(db, providerName, options.VersionTable));
        await runner.UpgradeAsync("+2");
        var expected = await db.Runner(Linear.All, options).GetCurrentHeadsAsync();

        Assert.Equal(["aa0000000002"], expected);
        Assert.Equal(expected, await ReadPlainAsync(db, providerName, options.VersionTable));
    }

    [Fact]
    public async Task An_unreachable_server_over_a_plain_connection_fails_in_one_line_that_names_it_without_the_password()
    {
        await using var connection = new NpgsqlConnection("Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=s3cret-pw;Timeout=3");

        var failure = await Assert.ThrowsAsync<MigrationKitException>(
            () => RevisionRunner.ReadCurrentHeadsAsync(connection, "Npgsql.EntityFrameworkCore.PostgreSQL", "migratekit_version", CancellationToken.None));

        Assert.StartsWith("Cannot connect to database 'nowhere' on 'tcp://127.0.0.1:1'", failure.Message);
        Assert.DoesNotContain("s3cret-pw", failure.Message);
    }

    private static async Task<IReadOnlyList<string>> ReadPlainAsync(TestDatabase db, string providerName, string versionTable)
    {
        await using DbConnection connection = db.Provider == TestDatabase.Postgres
            ? new NpgsqlConnection(db.ConnectionString)
            : new SqliteConnection(db.ConnectionString);
        return await RevisionRunner.ReadCurrentHeadsAsync(connection, providerName, versionTable, CancellationToken.None);
    }
}
