using MigrationKit.Core;

namespace MigrationKit.Transfer.Tests;

/// <summary>Tables load after the tables they reference, several at once, and cycles load in one transaction.</summary>
public sealed class ForeignKeyOrderTests
{
    [Fact]
    public async Task A_chain_of_foreign_keys_loads_in_order_with_several_jobs()
    {
        var databases = await TransferDatabases.CreateAsync("""
            CREATE TABLE a (id int PRIMARY KEY);
            CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a);
            CREATE TABLE c (id int PRIMARY KEY, b_id int NOT NULL REFERENCES b);
            CREATE TABLE d (id int PRIMARY KEY, c_id int NOT NULL REFERENCES c, a_id int REFERENCES a);
            CREATE TABLE tree (id int PRIMARY KEY, parent_id int REFERENCES tree);
            """);
        await databases.Source.ExecuteAsync("""
            INSERT INTO a SELECT g FROM generate_series(1, 2000) g;
            INSERT INTO b SELECT g, g FROM generate_series(1, 2000) g;
            INSERT INTO c SELECT g, g FROM generate_series(1, 2000) g;
            INSERT INTO d SELECT g, g, g FROM generate_series(1, 2000) g;
            INSERT INTO tree SELECT g, nullif(g + 1, 501) FROM generate_series(500, 1, -1) g;
            """);

        var result = await databases.CopyAsync(
        [
            Describe.Table("d", ["id", "c_id", "a_id"], null, ("d_c_id_fkey", "c"), ("d_a_id_fkey", "a")),
            Describe.Table("c", ["id", "b_id"], null, ("c_b_id_fkey", "b")),
            Describe.Table("b", ["id", "a_id"], null, ("b_a_id_fkey", "a")),
            Describe.Table("a", ["id"]),
            Describe.Table("tree", ["id", "parent_id"], null, ("tree_parent_id_fkey", "tree")),
        ], new CopyOptions { Jobs = 4 });

        await databases.AssertSameRowsAsync("a", "b", "c", "d", "tree");
        var order = result.Tables.Select(t => t.Table).ToList();
        Assert.True(order.IndexOf("a") < order.IndexOf("b") && order.IndexOf("b") < order.IndexOf("c") && order.IndexOf("c") < order.IndexOf("d"), string.Join(", ", order));
    }

    private const string Cycle = """
        CREATE TABLE people (id int PRIMARY KEY, team_id int);
        CREATE TABLE teams (id int PRIMARY KEY, lead_id int REFERENCES people {0});
        ALTER TABLE people ADD CONSTRAINT people_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams {1};
        """;

    private const string CycleRows = """
        BEGIN;
        SET CONSTRAINTS ALL DEFERRED;
        INSERT INTO people VALUES (1, 10), (2, 10), (3, 20);
        INSERT INTO teams VALUES (10, 1), (20, 3);
        COMMIT;
        """;

    private static readonly Tables.TransferTable[] CycleTables =
    [
        Describe.Table("people", ["id", "team_id"], null, ("people_team_id_fkey", "teams")),
        Describe.Table("teams", ["id", "lead_id"], null, ("teams_lead_id_fkey", "people")),
    ];

    [Fact]
    public async Task A_cycle_of_deferrable_foreign_keys_loads_in_one_transaction()
    {
        var schema = string.Format(System.Globalization.CultureInfo.InvariantCulture, Cycle, "DEFERRABLE", "DEFERRABLE");
        var databases = await TransferDatabases.CreateAsync(schema);
        await databases.Source.ExecuteAsync(CycleRows);

        await databases.CopyAsync(CycleTables);

        await databases.AssertSameRowsAsync("people", "teams");
    }

    [Fact]
    public async Task A_cycle_with_one_deferrable_foreign_key_loads_the_table_the_other_one_needs_first()
    {
        // people.team_id is checked at once, so teams must be loaded before people although it sorts after it.
        var databases = await TransferDatabases.CreateAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Cycle, "DEFERRABLE", ""));
        await databases.Source.ExecuteAsync("""
            BEGIN;
            SET CONSTRAINTS ALL DEFERRED;
            INSERT INTO teams VALUES (10, 1), (20, 3);
            INSERT INTO people VALUES (1, 10), (2, 10), (3, 20);
            COMMIT;
            """);

        await databases.CopyAsync(CycleTables);

        await databases.AssertSameRowsAsync("people", "teams");
    }

    [Fact]
    public async Task A_cycle_of_foreign_keys_checked_at_once_loads_for_the_tables_owner_and_the_keys_come_back_as_they_were()
    {
        var databases = await TransferDatabases.CreateAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Cycle, "ON DELETE SET NULL", "DEFERRABLE INITIALLY DEFERRED"));
        await databases.Source.ExecuteAsync(CycleRows.Replace("SET CONSTRAINTS ALL DEFERRED;", "", StringComparison.Ordinal));
        await databases.Target.ExecuteAsync("""
            ALTER TABLE people ALTER CONSTRAINT people_team_id_fkey NOT DEFERRABLE;
            COMMENT ON CONSTRAINT teams_lead_id_fkey ON teams IS 'the team''s lead';
            """);
        var before = await databases.Target.ForeignKeysAsync();

        await databases.CopyAsync(CycleTables);

        await databases.AssertSameRowsAsync("people", "teams");
        Assert.Equal(before, await databases.Target.ForeignKeysAsync());
        Assert.Contains(before, k => k.Contains("ON DELETE SET NULL", StringComparison.Ordinal) && k.EndsWith("the team's lead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cycle_of_foreign_keys_checked_at_once_is_one_message_naming_it_for_a_user_who_does_not_own_the_tables()
    {
        var databases = await TransferDatabases.CreateAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Cycle, "", "DEFERRABLE"));
        await databases.Source.ExecuteAsync(CycleRows);
        await databases.Target.ExecuteAsync("ALTER TABLE people ALTER CONSTRAINT people_team_id_fkey NOT DEFERRABLE");
        var nonOwner = await databases.Target.NonOwnerAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(CycleTables, targetConnection: nonOwner));

        Assert.Contains("people -> teams -> people", error.Message, StringComparison.Ordinal);
        Assert.Contains("--disable-triggers", error.Hint, StringComparison.Ordinal);
        Assert.Contains("owner", error.Hint, StringComparison.Ordinal);
        Assert.Equal(0, await databases.Target.CountAsync("people"));
        Assert.Equal(0, await databases.Target.CountAsync("teams"));
    }

    private const string Chain = """
        CREATE TABLE a (id int PRIMARY KEY);
        CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE);
        CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b, a_id int REFERENCES a);
        """;

    private static readonly Tables.TransferTable[] ChainTables =
    [
        Describe.Table("a", ["id"]),
        Describe.Table("b", ["id", "a_id"], null, ("b_a_id_fkey", "a")),
        Describe.Table("c", ["id", "b_id", "a_id"], null, ("c_b_id_fkey", "b"), ("c_a_id_fkey", "a")),
    ];

    [Fact]
    public async Task A_user_who_does_not_own_the_tables_copies_with_the_foreign_keys_checked_row_by_row()
    {
        var databases = await TransferDatabases.CreateAsync(Chain);
        await databases.Source.ExecuteAsync("""
            INSERT INTO a SELECT g FROM generate_series(1, 300) g;
            INSERT INTO b SELECT g, g FROM generate_series(1, 300) g;
            INSERT INTO c SELECT g, g, 301 - g FROM generate_series(1, 300) g;
            """);
        var before = await databases.Target.ForeignKeysAsync();

        await databases.CopyAsync(ChainTables, new CopyOptions { Jobs = 3 }, targetConnection: await databases.Target.NonOwnerAsync());

        await databases.AssertSameRowsAsync("a", "b", "c");
        Assert.Equal(before, await databases.Target.ForeignKeysAsync());
    }

    [Fact]
    public async Task A_row_whose_referenced_row_is_missing_fails_its_table_which_keeps_its_rows_and_foreign_keys()
    {
        var databases = await TransferDatabases.CreateAsync(Chain);
        await databases.Source.ExecuteAsync("""
            INSERT INTO a SELECT g FROM generate_series(1, 10) g;
            INSERT INTO b SELECT g, g FROM generate_series(1, 10) g;
            INSERT INTO c SELECT g, g, g FROM generate_series(1, 10) g;
            """);
        await databases.Target.ExecuteAsync("INSERT INTO a SELECT g FROM generate_series(1, 10) g; INSERT INTO b VALUES (1, 1), (2, 2)");
        var before = await databases.Target.ForeignKeysAsync();

        // Only c: its rows 3..10 reference rows of b the target lacks.
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync([ChainTables[2]]));

        Assert.Contains("Loading c failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("c_b_id_fkey", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await databases.Target.CountAsync("c"));
        Assert.Equal(before, await databases.Target.ForeignKeysAsync());
    }

    [Fact]
    public async Task Disable_triggers_loads_a_cycle_checked_at_once_for_a_user_with_the_rights()
    {
        var databases = await TransferDatabases.CreateAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Cycle, "", "DEFERRABLE"));
        await databases.Source.ExecuteAsync(CycleRows);
        await databases.Target.ExecuteAsync("""
            ALTER TABLE people ALTER CONSTRAINT people_team_id_fkey NOT DEFERRABLE;
            CREATE TABLE audit (n int);
            CREATE FUNCTION audit_insert() RETURNS trigger AS 'BEGIN INSERT INTO audit VALUES (1); RETURN NEW; END' LANGUAGE plpgsql;
            CREATE TRIGGER people_audit AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_insert();
            """);

        await databases.CopyAsync(CycleTables, new CopyOptions { DisableTriggers = true });

        await databases.AssertSameRowsAsync("people", "teams");
        Assert.Equal(0, await databases.Target.CountAsync("audit"));
    }
}
