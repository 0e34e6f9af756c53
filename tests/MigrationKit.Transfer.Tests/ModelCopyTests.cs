using Microsoft.EntityFrameworkCore;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Tests;

/// <summary>A copy of an EF Core model's tables: every kind of value arrives unchanged, keys go on after it.</summary>
public sealed class ModelCopyTests
{
    private const string Seed = """
        INSERT INTO customers ("Name", "Email", "Mood", "Profile", "Tags", "Photo", "CreatedAt") VALUES
          ('Zoë Ångström', '', 'happy', '{"tier": "gold", "tags": ["a", "b"], "n": 1.5}', ARRAY['x', 'ü', ''], '\x00ff10'::bytea, '2024-02-29 23:59:59.123456+05:30'),
          ('李小龍 🐉', NULL, NULL, NULL, NULL, NULL, '1999-12-31 00:00:00+00'),
          ('O''Brien "quoted"', 'o@example.com', 'sad', '[]', ARRAY[]::text[], ''::bytea, '2030-01-01 12:00:00-08');
        INSERT INTO orders ("CustomerId", "Total") SELECT "Id", 10.25 * "Id" FROM customers;
        INSERT INTO orders ("CustomerId", "Total") SELECT "Id", 0 FROM customers WHERE "Email" IS NULL;
        INSERT INTO order_lines ("OrderId", "Note") OVERRIDING SYSTEM VALUE SELECT "Id", 'line ' || "Id" FROM orders;
        INSERT INTO order_lines ("OrderId", "Note") SELECT "Id", '' FROM orders;
        """;

    private static readonly string[] AllTables = ["customers", "orders", "order_lines", "audit_entries"];

    private static async Task<(TransferDatabases Databases, IReadOnlyList<TransferTable> Tables)> SeededAsync()
    {
        using var context = TestModel.Create();
        var databases = await TransferDatabases.CreateAsync(context.Database.GenerateCreateScript());
        await databases.Source.ExecuteAsync(Seed);
        return (databases, ModelTables.Of(context, "migratekit_version"));
    }

    [Fact]
    public void The_model_gives_tables_keys_foreign_keys_and_generated_columns()
    {
        using var context = TestModel.Create();
        var tables = ModelTables.Of(context, "migratekit_version").ToDictionary(t => t.Name);

        Assert.Equal(["audit_entries", "customers", "order_lines", "orders"], tables.Keys.Order());
        Assert.Equal(["Id"], tables["customers"].Key);
        Assert.True(tables["customers"].Columns.Single(c => c.Name == "NameUpper").IsGenerated);
        Assert.False(tables["customers"].Columns.Single(c => c.Name == "Name").IsGenerated);
        Assert.Equal(["customers"], tables["orders"].ForeignKeys.Select(f => f.Principal));
        Assert.Equal(["orders"], tables["order_lines"].ForeignKeys.Select(f => f.Principal));
    }

    [Fact]
    public async Task Every_value_arrives_unchanged_enums_jsonb_arrays_bytea_timestamptz_nulls_empty_strings_and_unicode()
    {
        var (databases, tables) = await SeededAsync();

        var result = await databases.CopyAsync(tables);

        await databases.AssertSameRowsAsync(AllTables);
        Assert.Equal(["", "<null>", "o@example.com"], await databases.Target.QueryAsync("""SELECT coalesce("Email", '<null>') FROM customers ORDER BY "Id" """));
        Assert.Equal(3, result.Tables.Single(t => t.Table == "customers").Rows);
        Assert.Equal(4, result.Tables.Single(t => t.Table == "orders").Rows);
        Assert.Equal(8, result.Tables.Single(t => t.Table == "order_lines").Rows);
        Assert.Equal(0, result.Tables.Single(t => t.Table == "audit_entries").Rows);
        Assert.Equal(0, await databases.Target.CountAsync("audit_entries"));
    }

    [Fact]
    public async Task Generated_columns_are_not_copied_but_recomputed_by_the_target()
    {
        var (databases, tables) = await SeededAsync();
        // A target whose generated column computes something else shows that the value was computed there, not copied.
        await databases.Target.ExecuteAsync("""
            ALTER TABLE customers DROP COLUMN "NameUpper";
            ALTER TABLE customers ADD COLUMN "NameUpper" text GENERATED ALWAYS AS (lower("Name")) STORED;
            """);

        await databases.CopyAsync(tables);

        Assert.Equal(
            await databases.Source.QueryAsync("""SELECT lower("Name") FROM customers ORDER BY "Id" """),
            await databases.Target.QueryAsync("""SELECT "NameUpper" FROM customers ORDER BY "Id" """));
    }

    [Fact]
    public async Task Inserts_after_the_copy_succeed_on_identity_and_serial_keys()
    {
        var (databases, tables) = await SeededAsync();

        await databases.CopyAsync(tables);

        await databases.Target.ExecuteAsync("""
            INSERT INTO customers ("Name", "CreatedAt") VALUES ('new', now());
            INSERT INTO orders ("CustomerId", "Total") VALUES (1, 1);
            INSERT INTO order_lines ("OrderId", "Note") VALUES (1, 'new');
            INSERT INTO audit_entries ("Text") VALUES ('first');
            """);
        Assert.Equal(["4"], await databases.Target.QueryAsync("""SELECT max("Id") FROM customers"""));
        Assert.Equal(["5"], await databases.Target.QueryAsync("""SELECT max("Id") FROM orders"""));
        Assert.Equal(["9"], await databases.Target.QueryAsync("""SELECT max("Id") FROM order_lines"""));
        Assert.Equal(["1"], await databases.Target.QueryAsync("""SELECT max("Id") FROM audit_entries"""));
    }

    [Fact]
    public async Task Sequences_tied_to_a_column_only_by_its_default_are_set_and_a_shared_one_never_moves_back()
    {
        var databases = await TransferDatabases.CreateAsync("""
            CREATE SEQUENCE shared_ids;
            CREATE SEQUENCE "Ticket numbers" START 100;
            CREATE TABLE invoices (id bigint PRIMARY KEY DEFAULT nextval('shared_ids'), number int NOT NULL DEFAULT nextval('"Ticket numbers"'));
            CREATE TABLE credit_notes (id bigint PRIMARY KEY DEFAULT nextval('shared_ids'));
            """);
        await databases.Source.ExecuteAsync("""
            INSERT INTO invoices SELECT g, 100 + g FROM generate_series(1, 50) g;
            INSERT INTO credit_notes SELECT g FROM generate_series(1, 20) g;
            """);

        // One job, in the order given: invoices sets shared_ids to 50; credit_notes, loaded next with ids up to 20, must not move it back.
        await databases.CopyAsync(
            [Describe.Table("invoices", ["id", "number"]), Describe.Table("credit_notes", ["id"])], new CopyOptions { Jobs = 1 });

        await databases.Target.ExecuteAsync("INSERT INTO invoices DEFAULT VALUES; INSERT INTO credit_notes DEFAULT VALUES");
        Assert.Equal(["51", "151"], await databases.Target.QueryAsync("SELECT id || '' FROM invoices WHERE id = 51 UNION ALL SELECT number || '' FROM invoices WHERE id = 51"));
        Assert.Equal(["52"], await databases.Target.QueryAsync("SELECT max(id) FROM credit_notes"));
    }

    [Fact]
    public async Task The_version_table_is_not_copied_and_the_target_keeps_its_own()
    {
        var (databases, tables) = await SeededAsync();
        var withVersionTable = tables.Append(Describe.Table("migratekit_version", ["version_num"], ["version_num"])).ToList();

        var result = await databases.CopyAsync(withVersionTable);

        Assert.DoesNotContain(result.Tables, t => t.Table == "migratekit_version");
        Assert.Equal([TransferDatabases.Revision], await databases.Target.VersionRowsAsync());
        Assert.DoesNotContain("migratekit_copy_progress", await databases.Target.QueryAsync("SELECT tablename FROM pg_tables"));
    }

    [Fact]
    public async Task Verify_passes_on_a_faithful_copy_with_progress_reported_for_each_table()
    {
        var (databases, tables) = await SeededAsync();
        var progress = new RecordingProgress();

        await databases.CopyAsync(tables, new CopyOptions { Jobs = 3, Verify = true }, progress);

        Assert.Equal(AllTables.Order(), progress.FinishedTables.Select(r => r.Table).Order());
        Assert.Equal(AllTables.Order(), progress.StartedTables.Order());
    }

    private sealed class RecordingProgress : ITransferProgress
    {
        public List<string> StartedTables { get; } = [];

        public List<TableResult> FinishedTables { get; } = [];

        public void Started(string table)
        {
            lock (StartedTables)
            {
                StartedTables.Add(table);
            }
        }

        public void Advanced(string table, long rows, long bytes)
        {
        }

        public void Finished(TableResult result)
        {
            lock (FinishedTables)
            {
                FinishedTables.Add(result);
            }
        }
    }
}
