using MigrationKit.Core;

namespace MigrationKit.Transfer.Tests;

/// <summary>--where copies a subset; a predicate can never run a second statement.</summary>
public sealed class WhereTests
{
    private static readonly Tables.TransferTable[] Tables = [Describe.Table("Orders", ["id", "status"]), Describe.Table("other", ["id"])];

    private static async Task<TransferDatabases> SeededAsync()
    {
        var databases = await TransferDatabases.CreateAsync("""
            CREATE TABLE "Orders" (id int PRIMARY KEY, status text);
            CREATE TABLE other (id int PRIMARY KEY);
            """);
        await databases.Source.ExecuteAsync("""
            INSERT INTO "Orders" SELECT g, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed; really' END FROM generate_series(1, 30) g;
            INSERT INTO other VALUES (1);
            """);
        return databases;
    }

    [Fact]
    public async Task A_predicate_copies_only_the_matching_rows_of_its_table_and_verify_compares_that_subset()
    {
        var databases = await SeededAsync();

        var result = await databases.CopyAsync(Tables, new CopyOptions
        {
            Where = new Dictionary<string, string> { ["Orders"] = "status = 'open' AND id > 10" },
            Verify = true,
        });

        Assert.Equal(["12", "15", "18", "21", "24", "27", "30"], await databases.Target.QueryAsync("SELECT id FROM \"Orders\" ORDER BY id"));
        Assert.Equal(7, result.Tables.Single(t => t.Table == "Orders").Rows);
        Assert.Equal(1, await databases.Target.CountAsync("other"));
    }

    [Fact]
    public async Task A_semicolon_inside_a_string_literal_is_part_of_the_value()
    {
        var databases = await SeededAsync();

        await databases.CopyAsync(Tables, new CopyOptions { Where = new Dictionary<string, string> { ["Orders"] = "status = 'closed; really'" } });

        Assert.Equal(20, await databases.Target.CountAsync("\"Orders\""));
    }

    [Theory]
    [InlineData("1=1) TO STDOUT (FORMAT binary); DROP TABLE other; --")]
    [InlineData("status = 'x'; DROP TABLE other")]
    [InlineData("1=1 -- ignore the rest")]
    [InlineData("1=1 /* */")]
    [InlineData("id = $$1$$")]
    [InlineData("status = E'\\'' ; DROP TABLE other; SELECT ''")]
    [InlineData("1=1) UNION (SELECT 1")]
    [InlineData("(1=1")]
    [InlineData("status = 'unclosed")]
    public async Task An_injection_attempt_is_refused_before_anything_runs(string predicate)
    {
        var databases = await SeededAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables,
            new CopyOptions { Where = new Dictionary<string, string> { ["Orders"] = predicate } }));

        Assert.StartsWith("The --where predicate for table Orders is refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(["Orders", "other"], await databases.Source.TablesAsync());
        Assert.Equal(0, await databases.Target.CountAsync("other"));
    }

    [Fact]
    public async Task A_predicate_for_a_table_not_in_the_model_is_refused()
    {
        var databases = await SeededAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables,
            new CopyOptions { Where = new Dictionary<string, string> { ["orders"] = "true" } }));

        Assert.Contains("--where names table orders", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_predicate_that_writes_fails_in_the_read_only_snapshot()
    {
        var databases = await SeededAsync();
        await databases.Source.ExecuteAsync("CREATE FUNCTION sneaky() RETURNS boolean AS 'DELETE FROM other; SELECT true' LANGUAGE sql");

        await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables,
            new CopyOptions { Where = new Dictionary<string, string> { ["Orders"] = "sneaky()" } }));

        Assert.Equal(["1"], await databases.Source.QueryAsync("SELECT count(*) FROM other"));
    }
}
