using MigrationKit.Testing;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>A large table read as key ranges on several sessions at once still arrives whole, once, and all or nothing.</summary>
public sealed class KeyRangeTests
{
    private const string Schema = """
        CREATE TABLE items (id int PRIMARY KEY, name text, price int);
        CREATE TABLE tags (id bigint PRIMARY KEY, item_id int NOT NULL REFERENCES items, label text, body text);
        CREATE TABLE words (word text PRIMARY KEY, n int);
        """;

    private static readonly TransferTable[] Tables =
    [
        Describe.Table("items", ["id", "name", "price"]),
        Describe.Table("tags", ["id", "item_id", "label", "body"], null, ("tags_item_id_fkey", "items")),
        Describe.Table("words", ["word", "n"], ["word"]),
    ];

    // Every table splits; buffers far smaller than some rows, so rows straddle buffers and some outgrow one.
    private static readonly CopyOptions Split = new() { Jobs = 3, SplitAbove = 1, BufferSize = 1024, Verify = true };

    private static async Task<TransferDatabases> SeededAsync()
    {
        var databases = await TransferDatabases.CreateAsync(Schema);
        await databases.Source.ExecuteAsync("""
            INSERT INTO items SELECT g, 'item ' || g, g * 10 FROM generate_series(1, 3000) g;
            INSERT INTO tags SELECT g * 7, 1 + g % 3000, CASE WHEN g % 5 = 0 THEN NULL WHEN g % 7 = 0 THEN '' ELSE 'tag ' || g END,
                CASE WHEN g % 1000 = 0 THEN repeat('é', 3000) END FROM generate_series(1, 20000) g;
            INSERT INTO words SELECT md5(g::text) || 'ü', g FROM generate_series(1, 5000) g;
            """);
        return databases;
    }

    [Fact]
    public async Task Ranges_of_an_integer_or_a_text_key_cover_every_row_once()
    {
        var databases = await SeededAsync();
        await using var source = new NpgsqlConnection(databases.Source.ConnectionString);
        await source.OpenAsync();

        foreach (var (table, type, rows) in new[] { (Tables[1], "bigint", 20000L), (Tables[2], "text", 5000L) })
        {
            var plan = new TablePlan(table, table.Columns.Select(c => c.Name).ToList(), null);
            var ranges = await KeyRanges.PlanAsync(source, plan, type, threshold: 1, jobs: 4, CancellationToken.None);

            Assert.Equal(4, ranges.Count);
            var counts = new List<long>();
            foreach (var range in ranges)
            {
                counts.Add(long.Parse((await databases.Source.QueryAsync($"SELECT count(*) FROM {table.Name} WHERE {range}")).Single(), System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.Equal(rows, counts.Sum());
            Assert.All(counts, c => Assert.True(c > rows / 10, $"uneven ranges: {string.Join(", ", counts)}"));
        }
    }

    [Fact]
    public async Task A_table_stays_whole_below_the_threshold_with_one_job_or_a_key_of_several_columns()
    {
        var databases = await SeededAsync();
        await using var source = new NpgsqlConnection(databases.Source.ConnectionString);
        await source.OpenAsync();
        var plan = new TablePlan(Tables[1], ["id"], null);

        Assert.Empty(await KeyRanges.PlanAsync(source, plan, "bigint", threshold: 1L << 30, jobs: 4, CancellationToken.None));
        Assert.Empty(await KeyRanges.PlanAsync(source, plan, "bigint", threshold: 1, jobs: 1, CancellationToken.None));
        var twoColumns = new TablePlan(Tables[1] with { Key = ["id", "item_id"] }, ["id"], null);
        Assert.Empty(await KeyRanges.PlanAsync(source, twoColumns, "bigint", threshold: 1, jobs: 4, CancellationToken.None));
    }

    [Fact]
    public async Task Tables_split_into_key_ranges_arrive_complete_and_verified_with_and_without_where()
    {
        var databases = await SeededAsync();

        var result = await databases.CopyAsync(Tables, Split);

        await databases.AssertSameRowsAsync("items", "tags", "words");
        Assert.Equal(20000, result.Tables.Single(t => t.Table == "tags").Rows);

        var filtered = await TransferDatabases.CreateAsync(Schema);
        await filtered.Source.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 3000) g");
        var where = new Dictionary<string, string> { ["items"] = "price % 3 = 0" };

        await filtered.CopyAsync([Tables[0]], Split with { Where = where });

        Assert.Equal(1000, await filtered.Target.CountAsync("items"));
        Assert.Equal(await filtered.Source.QueryAsync("SELECT i::text FROM items i WHERE price % 3 = 0 ORDER BY 1"), await filtered.Target.QueryAsync(TransferDatabases.RowsSql("items")));
    }

    [Fact]
    public async Task A_split_table_whose_connection_dies_mid_load_stays_as_it_was_and_resume_finishes_it()
    {
        var databases = await SeededAsync();
        // Loading tags stops, after all its ranges are in, at a lock this test holds; then its session is killed.
        await databases.Target.ExecuteAsync("""
            CREATE FUNCTION pause() RETURNS trigger AS 'BEGIN PERFORM pg_advisory_lock(4242); RETURN NULL; END' LANGUAGE plpgsql;
            CREATE TRIGGER tags_pause AFTER INSERT ON tags FOR EACH STATEMENT EXECUTE FUNCTION pause();
            """);
        await using (var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(databases.Target.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await holder.OpenAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(4242)", holder))
            {
                await take.ExecuteNonQueryAsync();
            }

            var copy = databases.CopyAsync(Tables, Split with { Verify = false });
            var paused = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted";
            for (var i = 0; i < 300 && (await databases.Target.QueryAsync(paused)).Count == 0; i++)
            {
                Assert.False(copy.IsCompleted, "The copy ended before it reached the tags trigger.");
                await Task.Delay(100);
            }

            Assert.Single(await databases.Target.QueryAsync($"SELECT pg_terminate_backend(pid) FROM ({paused}) p"));
            await Assert.ThrowsAnyAsync<Exception>(() => copy);
        }

        Assert.Equal(3000, await databases.Target.CountAsync("items"));
        Assert.Equal(0, await databases.Target.CountAsync("tags"));
        Assert.DoesNotContain("tags", await databases.Target.QueryAsync("SELECT table_name FROM migratekit_copy_progress"));
        await databases.Target.ExecuteAsync("DROP TRIGGER tags_pause ON tags");

        var resumed = await databases.CopyAsync(Tables, Split with { Resume = true });

        Assert.True(resumed.Tables.Single(t => t.Table == "items").Skipped);
        Assert.Equal(20000, resumed.Tables.Single(t => t.Table == "tags").Rows);
        await databases.AssertSameRowsAsync("items", "tags", "words");
    }
}
