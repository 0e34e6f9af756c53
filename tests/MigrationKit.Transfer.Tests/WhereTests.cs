using MigrationKit.Core;
using MigrationKit.Testing;
using MigrationKit.Transfer.Tables;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// --where copies a subset: a predicate is parsed and rendered by us, so it reads its own table's
/// row and nothing else, and never runs a second statement.
/// </summary>
public sealed class WhereTests
{
    private const string Secret = "top-secret-value";

    private static readonly TransferTable[] Tables = [Describe.Table("Orders", ["id", "status"]), Describe.Table("other", ["id", "secret"])];

    private static async Task<TransferDatabases> SeededAsync()
    {
        var databases = await TransferDatabases.CreateAsync("""
            CREATE TABLE "Orders" (id int PRIMARY KEY, status text);
            CREATE TABLE other (id int PRIMARY KEY, secret text);
            """);
        await databases.Source.ExecuteAsync($"""
            INSERT INTO "Orders" SELECT g, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed; really' END FROM generate_series(1, 30) g;
            INSERT INTO other VALUES (1, '{Secret}');
            """);
        return databases;
    }

    private static CopyOptions Filter(string predicate, bool truncate = false)
        => new() { Where = new Dictionary<string, string> { ["Orders"] = predicate }, Truncate = truncate };

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

        await databases.CopyAsync(Tables, Filter("status = 'closed; really'"));

        Assert.Equal(20, await databases.Target.CountAsync("\"Orders\""));
    }

    [Theory]
    [InlineData("1=1) TO STDOUT (FORMAT binary); DROP TABLE other; --", "`;` is not allowed")]
    [InlineData("status = 'x'; DROP TABLE other", "`;` is not allowed")]
    [InlineData("1=1 -- ignore the rest", "comments are not allowed")]
    [InlineData("1=1 /* */", "comments are not allowed")]
    [InlineData("id = $$1$$", "`$` is not allowed")]
    [InlineData("status = E'\\'' ; DROP TABLE other; SELECT ''", "a string literal is not closed")]
    [InlineData("1=1) UNION (SELECT 1", "`)` is not expected there")]
    [InlineData("(1=1", "a ) closing the parenthesis is missing before the end")]
    [InlineData("status = 'unclosed", "a string literal is not closed")]
    // What the issue found passing the old check: reading another table, files, other sessions, large objects.
    [InlineData("id = (SELECT secret::int FROM other)", "a subquery is not allowed")]
    [InlineData("status IN (SELECT secret FROM other)", "an IN list holds literals only, not `SELECT`")]
    [InlineData("EXISTS (SELECT 1 FROM other)", "function EXISTS is not allowed")]
    [InlineData("status = other.secret", "`.` is not allowed")]
    [InlineData("length(pg_read_file('/etc/passwd')) > 0", "function pg_read_file is not allowed")]
    [InlineData("pg_terminate_backend(1)", "function pg_terminate_backend is not allowed")]
    [InlineData("lo_from_bytea(0, 'x') > 0", "function lo_from_bytea is not allowed")]
    [InlineData("lo_import('/etc/hostname') > 0", "function lo_import is not allowed")]
    [InlineData("set_config('default_transaction_read_only', 'off', false) = 'off'", "function set_config is not allowed")]
    [InlineData("status::regclass IS NULL", "a cast to regclass is not allowed")]
    [InlineData("nosuch = 1", "column nosuch is not a column of table Orders.")]
    [InlineData("", "the predicate is empty")]
    public async Task Anything_outside_the_grammar_is_refused_in_one_line_naming_the_part_before_anything_runs(string predicate, string refused)
    {
        var databases = await SeededAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, Filter(predicate)));

        Assert.StartsWith("--where: " + refused, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Equal(["Orders", "other"], await databases.Source.TablesAsync());
        Assert.Equal(0, await databases.Target.CountAsync("other"));
    }

    [Fact]
    public async Task Pg_terminate_backend_in_a_predicate_kills_no_session()
    {
        var databases = await SeededAsync();
        await using var bystander = new NpgsqlConnection(databases.Source.ConnectionString);
        await bystander.OpenAsync();
        await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", bystander);
        var bystanderPid = (int)(await pid.ExecuteScalarAsync())!;

        await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, Filter($"pg_terminate_backend({bystanderPid})")));

        await using var alive = new NpgsqlCommand("SELECT 1", bystander);
        Assert.Equal(1, await alive.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Large_object_functions_in_a_predicate_write_nothing_into_either_end()
    {
        var databases = await SeededAsync();

        await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, Filter("lo_from_bytea(0, 'x') > 0")));
        await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, Filter("lo_import('/etc/hostname') > 0")));

        Assert.Equal(["0"], await databases.Source.QueryAsync("SELECT count(*) FROM pg_largeobject_metadata"));
        Assert.Equal(["0"], await databases.Target.QueryAsync("SELECT count(*) FROM pg_largeobject_metadata"));
    }

    [Fact]
    public async Task A_function_the_user_created_is_not_called()
    {
        var databases = await SeededAsync();
        await databases.Source.ExecuteAsync("CREATE FUNCTION sneaky() RETURNS boolean AS 'DELETE FROM other; SELECT true' LANGUAGE sql");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables, Filter("sneaky()")));

        Assert.StartsWith("--where: function sneaky is not allowed", error.Message, StringComparison.Ordinal);
        Assert.Equal(["1"], await databases.Source.QueryAsync("SELECT count(*) FROM other"));
    }

    [Fact]
    public async Task A_predicate_for_a_table_not_in_the_model_is_refused()
    {
        var databases = await SeededAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(Tables,
            new CopyOptions { Where = new Dictionary<string, string> { ["orders"] = "true" } }));

        Assert.Contains("--where names table orders", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status > 5", "operator does not exist: text > integer")]
    [InlineData("id = 'abc'", "invalid input syntax for type integer")]
    [InlineData("gone = 1", "column \"gone\" does not exist")]
    public async Task A_predicate_the_source_cannot_run_fails_before_any_table_of_the_target_is_touched(string predicate, string reason)
    {
        var databases = await SeededAsync();
        await databases.Target.ExecuteAsync("INSERT INTO \"Orders\" VALUES (100, 'kept')");
        // The model knows a column the source lacks; --force copies the others.
        TransferTable[] tables = [Describe.Table("Orders", ["id", "status", "gone"]), Tables[1]];

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => databases.CopyAsync(tables, Filter(predicate, truncate: true) with { Force = true }));

        Assert.StartsWith("--where: the predicate for table Orders fails on the source: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(["100"], await databases.Target.QueryAsync("SELECT id FROM \"Orders\""));
        Assert.Equal(["Orders", "other"], await databases.Target.TablesAsync());
    }

    /// <summary>
    /// Accepted predicates: the rows the rendered predicate keeps are the rows the predicate as typed
    /// keeps when the engine runs it itself (what --where did before it had a grammar). Each entry
    /// gives the predicate and, where the engines spell it differently, what each engine runs as typed.
    /// </summary>
    public static TheoryData<string, string, string?, string?> Accepted => new()
    {
        { ScratchDatabase.Postgres, "\"Active\"", null, null },
        { ScratchDatabase.Postgres, "NOT \"Active\" OR \"Small\" > 0", null, null },
        { ScratchDatabase.Postgres, "\"Small\" >= 0 AND \"Big\" <= 0", null, null },
        { ScratchDatabase.Postgres, "small > 0", "\"Small\" > 0", null },
        { ScratchDatabase.Postgres, "\"Note\" IS NULL", null, null },
        { ScratchDatabase.Postgres, "\"Note\" IS NOT NULL AND \"Note\" != ''", null, null },
        { ScratchDatabase.Postgres, "\"Id\" IN (1, 3)", null, null },
        { ScratchDatabase.Postgres, "\"Id\" NOT IN (2, -1)", null, null },
        { ScratchDatabase.Postgres, "\"Id\" BETWEEN 2 AND 3", null, null },
        { ScratchDatabase.Postgres, "\"Id\" NOT BETWEEN 2 AND 3", null, null },
        { ScratchDatabase.Postgres, "\"Name\" LIKE 'O''Brien%'", null, null },
        { ScratchDatabase.Postgres, "lower(\"Name\") NOT LIKE '%brien%'", null, null },
        { ScratchDatabase.Postgres, "length(coalesce(\"Note\", '')) = 0", null, null },
        { ScratchDatabase.Postgres, "upper(\"Name\") <> \"Name\"", null, null },
        { ScratchDatabase.Postgres, "abs(\"Id\" - 2) = 1 AND (\"Id\" * 2) % 3 <> 1", null, null },
        { ScratchDatabase.Postgres, "CAST(\"Small\" AS bigint) < 0 OR \"Ratio\" > 1e10", null, null },
        { ScratchDatabase.Postgres, "NOT (\"Id\" = 1 OR \"Kind\" = 1)", null, null },
        { ScratchDatabase.Postgres, "\"Id\"::text = '2'", null, null },
        { ScratchDatabase.Postgres, "\"OpenedAt\" >= '2024-01-01'::timestamptz AND \"OpenedAt\" < now()", null, null },
        { ScratchDatabase.Postgres, "date_trunc('year', \"OpenedAt\") = CAST('2030-01-01' AS timestamp with time zone)", null, null },
        { ScratchDatabase.Postgres, "\"Name\" ILIKE 'zo%' OR \"Day\" > current_date", null, null },
        { ScratchDatabase.Postgres, "\"PublicId\" = '0f8fad5b-d9cb-469f-a165-70867728950e'::uuid", null, null },
        { ScratchDatabase.Sqlite, "\"Active\"", null, null },
        { ScratchDatabase.Sqlite, "NOT \"Active\" OR \"Small\" > 0", null, null },
        { ScratchDatabase.Sqlite, "\"Active\" = TRUE", null, null },
        { ScratchDatabase.Sqlite, "\"Small\" >= 0 AND \"Big\" <= 0", null, null },
        { ScratchDatabase.Sqlite, "small > 0", null, "\"Small\" > 0" },
        { ScratchDatabase.Sqlite, "\"Note\" IS NULL", null, null },
        { ScratchDatabase.Sqlite, "\"Note\" IS NOT NULL AND \"Note\" != ''", null, null },
        { ScratchDatabase.Sqlite, "\"Id\" IN (1, 3)", null, null },
        { ScratchDatabase.Sqlite, "\"Id\" NOT IN (2, -1)", null, null },
        { ScratchDatabase.Sqlite, "\"Id\" BETWEEN 2 AND 3", null, null },
        { ScratchDatabase.Sqlite, "\"Id\" NOT BETWEEN 2 AND 3", null, null },
        { ScratchDatabase.Sqlite, "\"Name\" LIKE 'O''Brien%'", null, null },
        { ScratchDatabase.Sqlite, "lower(\"Name\") NOT LIKE '%brien%'", null, null },
        { ScratchDatabase.Sqlite, "length(coalesce(\"Note\", '')) = 0", null, null },
        { ScratchDatabase.Sqlite, "upper(\"Name\") <> \"Name\"", null, null },
        { ScratchDatabase.Sqlite, "abs(\"Id\" - 2) = 1 AND (\"Id\" * 2) % 3 <> 1", null, null },
        { ScratchDatabase.Sqlite, "CAST(\"Small\" AS bigint) < 0 OR \"Ratio\" > 1e10", null, null },
        { ScratchDatabase.Sqlite, "NOT (\"Id\" = 1 OR \"Kind\" = 1)", null, null },
        { ScratchDatabase.Sqlite, "\"Id\"::text = '2'", null, "CAST(\"Id\" AS TEXT) = '2'" },
        { ScratchDatabase.Sqlite, "\"OpenedAt\" >= '2024-01-01' AND \"OpenedAt\" < CURRENT_TIMESTAMP", null, null },
        { ScratchDatabase.Sqlite, "\"Day\" > current_date OR \"Name\" LIKE 'zo%'", null, null },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task An_accepted_predicate_keeps_the_rows_the_engine_keeps_for_it_as_typed(string provider, string predicate, string? onPostgres, string? onSqlite)
    {
        using var database = await CrossProviderDatabase.CreateAsync(provider);
        await database.SeedAsync();
        var engine = provider == ScratchDatabase.Postgres ? DatabaseKind.PostgreSql : DatabaseKind.Sqlite;
        var asTyped = (engine == DatabaseKind.PostgreSql ? onPostgres : onSqlite) ?? predicate;
        TransferTable accounts;
        await using (var context = KindsModel.For(database))
        {
            accounts = ModelTables.Of(context, ScratchDatabase.VersionTable).Single(t => t.Name == "accounts");
        }

        var filter = RowFilter.Parse(accounts, predicate, engine);

        var expected = await database.QueryAsync($"SELECT \"Id\" FROM accounts WHERE ({asTyped}) ORDER BY 1");
        Assert.Equal(expected, await database.QueryAsync($"SELECT \"Id\" FROM accounts WHERE {filter.Sql(engine)} ORDER BY 1"));
    }

    [Theory]
    [InlineData("date_trunc('day', \"OpenedAt\") > '2024-01-01'", "function date_trunc is not available on SQLite")]
    [InlineData("\"OpenedAt\" < now()", "function now is not available on SQLite (use CURRENT_TIMESTAMP)")]
    [InlineData("\"Name\" ILIKE 'zo%'", "ILIKE is not available on SQLite")]
    [InlineData("\"Day\" > '2024-01-01'::date", "a cast to date is not available on SQLite")]
    public async Task What_sqlite_lacks_is_refused_in_one_line_when_either_end_is_sqlite(string predicate, string refused)
    {
        using var source = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Postgres);
        using var target = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Sqlite);
        await source.SeedAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target, new CopyOptions
        {
            Where = new Dictionary<string, string> { ["accounts"] = predicate },
        }));

        Assert.StartsWith("--where: " + refused, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(in the predicate for table accounts).", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await target.CountAsync("accounts"));
    }
}
