using Microsoft.Data.Sqlite;
using MigrationKit.Core;
using MigrationKit.Runner.Database;

namespace MigrationKit.Runner.Tests;

/// <summary>Reading a SQLite database's revision must not create the file it names.</summary>
public sealed class MissingSqliteFileTests
{
    [Fact]
    public async Task Current_on_a_sqlite_file_that_does_not_exist_says_so_and_creates_nothing()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var path = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Linear.All).GetCurrentHeadsAsync());

        Assert.Equal($"The database '{path}' does not exist.", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Current_over_a_plain_connection_to_a_sqlite_file_that_does_not_exist_says_so_and_creates_nothing()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var path = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        await using var connection = new SqliteConnection(db.ConnectionString);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => RevisionRunner.ReadCurrentHeadsAsync(connection, DatabaseDialect.SqliteProvider, "migratekit_version", CancellationToken.None));

        Assert.Equal($"The database '{path}' does not exist.", error.Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("Data Source=app.db;Pooling=False", "/work/app/app.db")]
    [InlineData("Filename=data/app.db", "/work/app/data/app.db")]
    [InlineData("Data Source=../shared.db", "/work/shared.db")]
    public void A_relative_file_name_is_taken_from_the_given_folder(string connectionString, string expected)
    {
        var anchored = SqliteDialect.AnchoredAt(connectionString, "/work/app");

        Assert.Equal(expected, new SqliteConnectionStringBuilder(anchored).DataSource);
    }

    [Theory]
    [InlineData("Data Source=/srv/app.db")]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=shared;Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=|DataDirectory|app.db")]
    [InlineData("Data Source=file:app.db?mode=ro")]
    public void Absolute_in_memory_and_uri_names_stay_as_they_are(string connectionString)
        => Assert.Null(SqliteDialect.AnchoredAt(connectionString, "/work/app"));
}
