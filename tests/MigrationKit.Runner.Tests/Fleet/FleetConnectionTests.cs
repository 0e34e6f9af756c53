using Microsoft.Data.Sqlite;
using MigrationKit.Runner.Database;
using MigrationKit.Runner.Fleet;
using Npgsql;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>The connection string a target runs with, as the drivers read it back.</summary>
public sealed class FleetConnectionTests
{
    [Fact]
    public void Pooling_is_turned_off_unless_the_target_sets_it()
    {
        var off = new NpgsqlConnectionStringBuilder(FleetConnection.For(new("a", "Host=db;Database=a"), DatabaseDialect.PostgreSqlProvider));
        var kept = new NpgsqlConnectionStringBuilder(FleetConnection.For(new("b", "Host=db;Database=b;pooling=true"), DatabaseDialect.PostgreSqlProvider));
        var sqlite = new SqliteConnectionStringBuilder(FleetConnection.For(new("c", "Data Source=c.db"), DatabaseDialect.SqliteProvider));

        Assert.Equal((false, "a"), (off.Pooling, off.Database));
        Assert.True(kept.Pooling);
        Assert.Equal((false, "c.db"), (sqlite.Pooling, sqlite.DataSource));
    }

    [Fact]
    public void A_schema_comes_first_on_search_path_quoted_before_the_path_the_target_gives()
    {
        var quoted = new NpgsqlConnectionStringBuilder(FleetConnection.For(new("t", "Host=db;Database=d", "Tenant \"5\""), DatabaseDialect.PostgreSqlProvider));
        var before = new NpgsqlConnectionStringBuilder(FleetConnection.For(new("t", "Host=db;SearchPath=shared,public", "t1"), DatabaseDialect.PostgreSqlProvider));

        Assert.Equal("\"Tenant \"\"5\"\"\", public", quoted.SearchPath);
        Assert.Equal("\"t1\", shared,public", before.SearchPath);
    }
}
