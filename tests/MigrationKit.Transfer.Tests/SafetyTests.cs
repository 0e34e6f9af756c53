using MigrationKit.Core;
using MigrationKit.Testing;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>Nothing moves between databases that disagree; failures are one message without the password; --verify and --resume.</summary>
public sealed class SafetyTests
{
    private const string Schema = """
        CREATE TABLE items (id int PRIMARY KEY, name text, price int);
        CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items, label text);
        """;

    private static readonly TransferTable[] Tables =
    [
        Describe.Table("items", ["id", "name", "price"]),
        Describe.Table("tags", ["id", "item_id", "label"], null, ("tags_item_id_fkey", "items")),
    ];

    private static async Task<TransferDatabases> SeededAsync(string? targetRevision = TransferDatabases.Revision, string schema = Schema)
    {
        var databases = await TransferDatabases.CreateAsync(schema, targetRevision);
        await databases.Source.ExecuteAsync("""
            INSERT INTO items SELECT g, 'item ' || g, g * 10 FROM generate_series(1, 100) g;
            INSERT INTO tags SELECT g, g, 'tag ' || g FROM generate_series(1, 100) g;
            """);
        return databases;
    }

    [Fact]
    public async Task Databases_at_different_revisions_are_refused_before_any_row_moves()
    {
        var databases = await SeededAsync(targetRevision: "ffffffffffff");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables));

        Assert.Contains($"the source is at revision {TransferDatabases.Revision}, the target at ffffffffffff", error.Message, StringComparison.Ordinal);
        Assert.Contains("--force", error.Hint, StringComparison.Ordinal);
        Assert.Equal(0, await databases.Target.CountAsync("items"));
    }

    [Fact]
    public async Task Every_difference_of_tables_and_columns_is_listed_and_force_copies_the_columns_that_line_up()
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync("ALTER TABLE items DROP COLUMN name; ALTER TABLE items ALTER COLUMN price TYPE bigint");
        var tables = Tables.Append(Describe.Table("missing", ["id"])).ToList();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(tables));

        Assert.Contains("column items.name is missing on the target", error.Message, StringComparison.Ordinal);
        Assert.Contains("column items.price is integer on the source but bigint on the target", error.Message, StringComparison.Ordinal);
        Assert.Contains("table missing is missing on the source and the target", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await databases.Target.CountAsync("items"));

        var result = await databases.CopyAsync(tables, new CopyOptions { Force = true });

        Assert.Equal(3, result.Warnings.Count);
        Assert.Equal(await databases.Source.QueryAsync("SELECT id FROM items ORDER BY id"), await databases.Target.QueryAsync("SELECT id FROM items ORDER BY id"));
        Assert.Equal(["<null>"], await databases.Target.QueryAsync("SELECT DISTINCT coalesce(price::text, '<null>') FROM items"));
        await databases.AssertSameRowsAsync("tags");
    }

    [Fact]
    public async Task Tables_and_exclude_choose_what_is_copied()
    {
        var databases = await SeededAsync();

        var selected = TableSelection.Apply(Tables, [], ["tags"]);
        await databases.CopyAsync(selected);

        Assert.Equal(100, await databases.Target.CountAsync("items"));
        Assert.Equal(0, await databases.Target.CountAsync("tags"));
        var error = Assert.Throws<MigrationKitException>(() => TableSelection.Apply(Tables, ["nope"], []));
        Assert.Contains("--tables or --exclude names table nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_catches_a_row_the_target_changed_behind_the_copys_back()
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync("""
            CREATE FUNCTION tamper() RETURNS trigger AS 'BEGIN IF NEW.id = 42 THEN NEW.label := ''changed''; END IF; RETURN NEW; END' LANGUAGE plpgsql;
            CREATE TRIGGER tags_tamper BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION tamper();
            """);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, new CopyOptions { Verify = true }));

        Assert.Equal("Verification failed: tags: the checksums of its 100 rows differ.", error.Message);
    }

    [Fact]
    public async Task Verify_catches_a_missing_row()
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync("""
            CREATE FUNCTION drop_one() RETURNS trigger AS 'BEGIN IF NEW.id = 7 THEN RETURN NULL; END IF; RETURN NEW; END' LANGUAGE plpgsql;
            CREATE TRIGGER items_drop BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION drop_one();
            """);

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync([Tables[0]], new CopyOptions { Verify = true }));

        Assert.Equal("Verification failed: items: 100 rows on the source, 99 on the target.", error.Message);
    }

    [Fact]
    public async Task A_failed_table_leaves_the_finished_ones_and_resume_copies_only_what_is_missing()
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync("INSERT INTO items VALUES (1000, 'x', 0); INSERT INTO tags VALUES (50, 1000, 'in the way')");

        await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables));
        Assert.Equal(101, await databases.Target.CountAsync("items"));
        Assert.Equal(1, await databases.Target.CountAsync("tags"));
        Assert.Equal(["items"], await databases.Target.QueryAsync("SELECT table_name FROM migratekit_copy_progress"));

        await databases.Target.ExecuteAsync("DELETE FROM tags");
        var result = await databases.CopyAsync(Tables, new CopyOptions { Resume = true, Verify = false });

        Assert.True(result.Tables.Single(t => t.Table == "items").Skipped);
        Assert.Equal(100, result.Tables.Single(t => t.Table == "tags").Rows);
        Assert.Equal(101, await databases.Target.CountAsync("items"));
        await databases.AssertSameRowsAsync("tags");
        Assert.DoesNotContain("migratekit_copy_progress", await databases.Target.TablesAsync());
    }

    [Fact]
    public async Task A_copy_waits_while_the_targets_migration_lock_is_held_as_upgrade_holds_it()
    {
        var databases = await SeededAsync();
        var target = new NpgsqlConnectionStringBuilder(databases.Target.ConnectionString);
        await using var upgrade = new NpgsqlConnection(databases.Target.ConnectionString);
        await upgrade.OpenAsync();
        var key = MigrationLockKey.ForPostgres(target.Database!, ScratchDatabase.VersionTable);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({key})", upgrade))
        {
            await take.ExecuteScalarAsync();
        }

        var copy = databases.CopyAsync(Tables);
        // The lock is polled (so that every wait ends), not waited for on the server: give the copy time to try.
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.False(copy.IsCompleted, "The copy finished while the migration lock was held.");
        Assert.Equal(0, await databases.Target.CountAsync("items"));
        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({key})", upgrade))
        {
            await release.ExecuteScalarAsync();
        }

        await copy;
        await databases.AssertSameRowsAsync("items", "tags");
    }

    [Fact]
    public async Task A_wrong_password_is_one_message_that_names_the_server_but_not_the_password()
    {
        var databases = await SeededAsync();
        var wrong = new NpgsqlConnectionStringBuilder(databases.Source.ConnectionString) { Password = "s3cret-wrong" }.ConnectionString;

        var error = await Assert.ThrowsAsync<MigrationKitException>(() =>
            new Postgres.PostgresCopy(wrong, databases.Target.ConnectionString, new CopyOptions()).RunAsync(Tables, CancellationToken.None));

        Assert.StartsWith("Cannot connect to the source database", error.Message, StringComparison.Ordinal);
        Assert.Contains("password authentication failed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-wrong", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_target_is_one_message()
    {
        var databases = await SeededAsync();
        var nowhere = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Host = "127.0.0.1", Port = 1, Database = "x", Timeout = 3 }.ConnectionString;

        var error = await Assert.ThrowsAsync<MigrationKitException>(() =>
            new Postgres.PostgresCopy(databases.Source.ConnectionString, nowhere, new CopyOptions()).RunAsync(Tables, CancellationToken.None));

        Assert.StartsWith("Cannot connect to the target database 127.0.0.1:1/x", error.Message, StringComparison.Ordinal);
    }
}
