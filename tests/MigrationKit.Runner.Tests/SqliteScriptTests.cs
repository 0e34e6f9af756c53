using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MigrationKit.Core;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// `upgrade --sql` / `downgrade --sql` on SQLite, run as a user runs them: by the sqlite3 shell, on a
/// file with rows, with foreign keys on. EF Core rebuilds a table to drop a column, and a rebuild
/// with foreign keys on would cascade its DROP TABLE into the children.
/// </summary>
public sealed class SqliteScriptTests
{
    [Fact]
    public async Task An_upgrade_script_that_rebuilds_a_parent_table_keeps_the_childrens_rows()
    {
        using var db = await ParentsWithChildrenAsync();

        var script = db.Runner(RebuiltParent.All).Script(MigrationDirection.Upgrade, ["ff0000000001"], "head");
        await Sqlite3Async(db, "PRAGMA foreign_keys = ON;\n" + script);

        Assert.Equal(["10", "11"], await db.QueryAsync("SELECT \"Id\" FROM children ORDER BY 1"));
        Assert.Equal(["Id", "Note"], await db.QueryAsync("SELECT name FROM pragma_table_info('parents') ORDER BY cid"));
        Assert.Equal(["ff0000000003"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task A_downgrade_script_that_rebuilds_a_parent_table_keeps_the_childrens_rows()
    {
        using var db = await ParentsWithChildrenAsync();
        await db.Runner(RebuiltParent.All).UpgradeAsync("head");

        var script = db.Runner(RebuiltParent.All).Script(MigrationDirection.Downgrade, ["ff0000000003"], "ff0000000001");
        await Sqlite3Async(db, "PRAGMA foreign_keys = ON;\n" + script);

        Assert.Equal(["10", "11"], await db.QueryAsync("SELECT \"Id\" FROM children ORDER BY 1"));
        Assert.Equal(["Id", "Obsolete"], await db.QueryAsync("SELECT name FROM pragma_table_info('parents') ORDER BY cid"));
        Assert.Equal(["ff0000000001"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task A_rebuild_that_leaves_a_broken_foreign_key_is_rolled_back_by_the_script()
    {
        using var db = await ParentsWithChildrenAsync();
        // A child whose parent is gone, as a rebuild that lost rows would leave it.
        await db.ExecuteAsync("PRAGMA foreign_keys = OFF; INSERT INTO children VALUES (12, 99)");

        var script = db.Runner(RebuiltParent.All).Script(MigrationDirection.Upgrade, ["ff0000000001"], "ff0000000002");
        var (exitCode, error) = await Sqlite3Async(db, "PRAGMA foreign_keys = ON;\n" + script, bail: true);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("foreign key", error);
        Assert.Equal(["Id", "Obsolete"], await db.QueryAsync("SELECT name FROM pragma_table_info('parents') ORDER BY cid"));
        Assert.Equal(["ff0000000001"], await db.VersionRowsAsync());
    }

    [Fact]
    public async Task A_live_rebuild_that_leaves_a_broken_foreign_key_is_rolled_back_and_names_the_table()
    {
        using var db = await ParentsWithChildrenAsync();
        await db.ExecuteAsync("PRAGMA foreign_keys = OFF; INSERT INTO children VALUES (12, 99)");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(RebuiltParent.All).UpgradeAsync("head"));

        Assert.Contains("children", error.Message);
        Assert.Equal(["Id", "Obsolete"], await db.QueryAsync("SELECT name FROM pragma_table_info('parents') ORDER BY cid"));
        Assert.Equal(["children", "parents"], await db.TablesAsync());
        Assert.Equal(["ff0000000001"], await db.VersionRowsAsync());
    }

    private static async Task<TestDatabase> ParentsWithChildrenAsync()
    {
        var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db.Runner(RebuiltParent.All).UpgradeAsync("ff0000000001");
        await db.ExecuteAsync("INSERT INTO parents VALUES (1, 'old'); INSERT INTO children VALUES (10, 1), (11, 1)");
        return db;
    }

    /// <summary>The script through the sqlite3 shell's standard input, as `sqlite3 app.db &lt; upgrade.sql` runs it.</summary>
    private static async Task<(int ExitCode, string Error)> Sqlite3Async(TestDatabase db, string script, bool bail = false)
    {
        var start = new ProcessStartInfo("sqlite3");
        if (bail)
        {
            start.ArgumentList.Add("-bail");
        }

        start.ArgumentList.Add(new SqliteConnectionStringBuilder(db.ConnectionString).DataSource);
        var (exitCode, error) = await Shell.RunAsync(start, script);
        Assert.True(bail || exitCode == 0, $"sqlite3 failed: {error}");
        return (exitCode, error);
    }
}
