using MigrationKit.Core;

namespace MigrationKit.Runner.Tests;

public sealed class RevisionRunnerTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Upgrade_head_applies_every_revision_and_records_the_head(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        var plan = await db.Runner(Linear.All).UpgradeAsync("head");

        Assert.Equal(["aa0000000001", "aa0000000002", "aa0000000003", "aa0000000004", "aa0000000005"], plan.Steps.Select(s => s.Revision.Id));
        Assert.Equal(["accounts", "payments"], await db.TablesAsync());
        Assert.Equal(["aa0000000005"], await db.VersionRowsAsync());
        Assert.Equal(["first"], await db.QueryAsync("SELECT \"Name\" FROM accounts"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Upgrade_when_already_at_head_does_nothing(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).UpgradeAsync("head");
        var log = new LogLines();

        var plan = await db.Runner(Linear.All, log: log.Logger).UpgradeAsync("head");

        Assert.Empty(plan.Steps);
        Assert.Equal(["aa0000000005"], await db.VersionRowsAsync());
        Assert.Equal(["Nothing to upgrade: the database is at aa0000000005 (head)"], log.Lines);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Downgrade_with_nothing_to_revert_says_so_in_one_line(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).UpgradeAsync("aa0000000002");
        var log = new LogLines();

        var plan = await db.Runner(Linear.All, log: log.Logger).DowngradeAsync("aa0000000002");

        Assert.Empty(plan.Steps);
        Assert.Equal(["Nothing to downgrade: the database is at aa0000000002"], log.Lines);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Downgrade_base_reverts_everything_and_empties_the_version_table(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).UpgradeAsync("head");

        var plan = await db.Runner(Linear.All).DowngradeAsync("base");

        Assert.Equal(["aa0000000005", "aa0000000004", "aa0000000003", "aa0000000002", "aa0000000001"], plan.Steps.Select(s => s.Revision.Id));
        Assert.Empty(await db.TablesAsync());
        Assert.Empty(await db.VersionRowsAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Downgrade_minus_two_then_upgrade_plus_one_walks_relative_steps(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).UpgradeAsync("head");

        await db.Runner(Linear.All).DowngradeAsync("-2");
        Assert.Equal(["aa0000000003"], await db.VersionRowsAsync());
        Assert.Empty(await db.QueryAsync("SELECT \"Name\" FROM accounts"));

        await db.Runner(Linear.All).UpgradeAsync("+1");
        Assert.Equal(["aa0000000004"], await db.VersionRowsAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failing_revision_leaves_the_database_at_the_last_good_revision(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(FailingInTheMiddle.All).UpgradeAsync("head"));

        Assert.Contains("upgrade aa0000000002 -> bb0000000003, broken", error.Message);
        Assert.Contains("aa0000000002", error.Hint);
        Assert.Equal(["aa0000000002"], await db.VersionRowsAsync());
        // The broken revision's first statement was rolled back with it; nothing after it ran.
        Assert.Equal(["accounts", "payments"], await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failing_revision_in_a_single_transaction_run_leaves_the_database_as_it_was(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        await Assert.ThrowsAsync<MigrationKitException>(
            () => db.Runner(FailingInTheMiddle.All, new RunnerOptions { SingleTransaction = true }).UpgradeAsync("head"));

        Assert.Empty(await db.VersionRowsAsync());
        Assert.Empty(await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Upgrading_one_branch_then_the_merge_keeps_one_row_per_head(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        // As in Alembic, left@head would be the merge: the label covers every descendant.
        await db.Runner(Merged.All).UpgradeAsync("cc0000000002");
        Assert.Equal(["cc0000000002"], await db.VersionRowsAsync());

        await db.Runner(Merged.All).UpgradeAsync("cc0000000003");
        Assert.Equal(["cc0000000002", "cc0000000003"], await db.VersionRowsAsync());

        await db.Runner(Merged.All).UpgradeAsync("head");
        Assert.Equal(["cc0000000004"], await db.VersionRowsAsync());

        // Down through the merge the table splits back into the two branch heads; only
        // descendants of the target are reverted, so the other branch stays.
        await db.Runner(Merged.All).DowngradeAsync("cc0000000002");
        Assert.Equal(["cc0000000002", "cc0000000003"], await db.VersionRowsAsync());
        Assert.Equal(["base_table", "left_table", "right_table"], await db.TablesAsync());

        await db.Runner(Merged.All).DowngradeAsync("cc0000000001");
        Assert.Equal(["cc0000000001"], await db.VersionRowsAsync());
        Assert.Equal(["base_table"], await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_version_table_follows_a_dependency_across_roots_as_the_plans_say(string provider)
    {
        // The rows Alembic 1.8.1 leaves for the same graph (DependencyTests): the dependent takes over its
        // dependency's row, the dependency's branch gets a row of its own when it moves on, and undoing the
        // dependent gives the dependency its row back only when nothing else implies it.
        using var db = await TestDatabase.CreateAsync(provider);
        var all = DependsAcrossRoots.All;

        await db.Runner(all).UpgradeAsync("ee0000000002");
        Assert.Equal(["ee0000000002"], await db.VersionRowsAsync());
        Assert.Equal(["customers", "order_customers", "orders"], await db.TablesAsync());
        var runner = db.Runner(all);
        Assert.Equal(["ee0000000003", "ee0000000002"], runner.Graph.Current(await runner.GetCurrentHeadsAsync()).Select(r => r.Id));

        await db.Runner(all).UpgradeAsync("customers@head");
        Assert.Equal(["ee0000000002", "ee0000000004"], await db.VersionRowsAsync());

        await db.Runner(all).DowngradeAsync("ee0000000001");
        Assert.Equal(["ee0000000001", "ee0000000004"], await db.VersionRowsAsync());

        await db.Runner(all).DowngradeAsync("customers@-1");
        await db.Runner(all).UpgradeAsync("ee0000000002");
        await db.Runner(all).DowngradeAsync("ee0000000001");
        Assert.Equal(["ee0000000001", "ee0000000003"], await db.VersionRowsAsync());
        Assert.Equal(["customers", "orders"], await db.TablesAsync());

        await db.Runner(all).StampAsync(["base"], purge: false);
        await db.Runner(all).StampAsync(["ee0000000002"], purge: false);
        Assert.Equal(["ee0000000002"], await db.VersionRowsAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Two_concurrent_upgrades_apply_each_revision_once(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        var first = db.Runner(Counted.All).UpgradeAsync("head");
        var second = db.Runner(Counted.All).UpgradeAsync("head");
        var plans = await Task.WhenAll(first, second);

        // One run did the work; the other waited for the lock and found nothing left.
        Assert.Equal([0, 1], plans.Select(p => p.Steps.Count).Order());
        Assert.Equal(["1"], await db.QueryAsync("SELECT \"Id\" FROM runs"));
        Assert.Equal(["dd0000000001"], await db.VersionRowsAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stamp_writes_the_version_table_without_running_revisions(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        var heads = await db.Runner(Linear.All).StampAsync(["aa0000000003"], purge: false);

        Assert.Equal(["aa0000000003"], heads);
        Assert.Equal(["aa0000000003"], await db.VersionRowsAsync());
        Assert.Empty(await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Current_on_a_database_without_a_version_table_is_empty_and_creates_nothing(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        // An empty database (a SQLite file that does not exist is refused: MissingSqliteFileTests).
        await db.ExecuteAsync("SELECT 1");

        var heads = await db.Runner(Linear.All).GetCurrentHeadsAsync();

        Assert.Empty(heads);
        Assert.DoesNotContain("migratekit_version", await db.QueryAsync(provider == TestDatabase.Postgres
            ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            : "SELECT name FROM sqlite_master WHERE type = 'table'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_unknown_revision_in_the_version_table_is_refused(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner(Linear.All).StampAsync(["aa0000000002"], purge: false);
        await db.QueryAsync("UPDATE migratekit_version SET version_num = 'ffffffffffff'");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => db.Runner(Linear.All).UpgradeAsync("head"));

        Assert.Contains("ffffffffffff", error.Message);
        Assert.Empty(await db.TablesAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_sql_script_from_base_creates_the_version_table_and_records_each_step(string provider)
    {
        using var db = await TestDatabase.CreateAsync(provider);

        var script = db.Runner(Linear.All).Script(MigrationDirection.Upgrade, [], "aa0000000002");

        Assert.Contains("CREATE TABLE", script);
        Assert.Contains("-- Running upgrade  -> aa0000000001, create accounts", script);
        Assert.Contains("-- Running upgrade aa0000000001 -> aa0000000002, create payments", script);
        Assert.Contains("'aa0000000002'", script);
        Assert.DoesNotContain("aa0000000003", script);
        Assert.Contains("BEGIN TRANSACTION;", script);
        // Each transaction sets the run's lock timeout, as a live run does (PostgreSQL only).
        var timeouts = script.ReplaceLineEndings("\n").Split("BEGIN TRANSACTION;\n\nSET LOCAL lock_timeout = 5000;").Length - 1;
        Assert.Equal(provider == TestDatabase.Postgres ? script.Split("BEGIN TRANSACTION;").Length - 1 : 0, timeouts);
        // Offline: the database was not touched.
        Assert.Empty(await db.TablesAsync());
    }

    [Fact]
    public async Task The_upgrade_sql_script_runs_in_psql_terms_on_a_real_server()
    {
        using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var script = db.Runner(Linear.All).Script(MigrationDirection.Upgrade, [], "head");

        await db.QueryAsync(script + " SELECT 1");

        Assert.Equal(["aa0000000005"], await db.VersionRowsAsync());
        Assert.Equal(["accounts", "payments"], await db.TablesAsync());
    }
}
