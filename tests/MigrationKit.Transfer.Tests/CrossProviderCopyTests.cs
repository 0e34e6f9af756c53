using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Runner.Database;
using MigrationKit.Testing;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// `copy` between a real SQLite file and a real PostgreSQL database, both ways: every value reads
/// back through EF Core as it was written, keys go on, and the checks, conflicts, filters, verify
/// and resume of a PostgreSQL copy hold too.
/// </summary>
public sealed class CrossProviderCopyTests
{
    private const string Postgres = MigrationKit.Testing.ScratchDatabase.Postgres;
    private const string Sqlite = MigrationKit.Testing.ScratchDatabase.Sqlite;

    public static TheoryData<string, string> Directions => new() { { Sqlite, Postgres }, { Postgres, Sqlite } };

    private static async Task<(CrossProviderDatabase Source, CrossProviderDatabase Target)> SeededAsync(string from, string to)
    {
        var source = await CrossProviderDatabase.CreateAsync(from);
        await source.SeedAsync();
        return (source, await CrossProviderDatabase.CreateAsync(to));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Every_value_reads_back_through_ef_core_as_written_with_nulls_empty_strings_unicode_and_an_empty_table(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;

        var result = await source.CopyToAsync(target, new CopyOptions { Verify = true });

        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
        Assert.Equal(
            [("accounts", 3L), ("entries", 12L), ("attachments", 5L), ("tags", 0L)],
            result.Tables.Select(t => (t.Table, t.Rows)));
        Assert.Equal(["", "<null>", "note; DROP TABLE accounts"], await target.QueryAsync("""SELECT coalesce("Note", '<null>') FROM accounts ORDER BY "Id" """));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Inserts_after_the_copy_take_the_next_key(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;

        await source.CopyToAsync(target);

        await target.SeedAsync(db =>
        {
            db.Accounts.Add(new Account { Name = "after", PublicId = Guid.NewGuid(), OpenedAt = DateTime.UtcNow });
            db.Tags.Add(new Tag { Label = "first" });
        });
        Assert.Equal(["4"], await target.QueryAsync("""SELECT max("Id") FROM accounts"""));
        Assert.Equal(["1"], await target.QueryAsync("""SELECT max("Id") FROM tags"""));
    }

    [Fact]
    public async Task Times_finer_than_postgresqls_microsecond_arrive_cut_to_it_and_verify_still_passes()
    {
        using var source = await CrossProviderDatabase.CreateAsync(Sqlite);
        using var target = await CrossProviderDatabase.CreateAsync(Postgres);
        var opened = new DateTime(2026, 11, 29, 20, 15, 0).AddTicks(1234567);
        var closed = new DateTimeOffset(1969, 7, 20, 20, 17, 40, TimeSpan.FromHours(-4)).AddTicks(9999999);
        await source.SeedAsync(db => db.Accounts.Add(new Account { Name = "ticks", OpenedAt = opened, ClosedAt = closed, PublicId = Guid.NewGuid() }));

        await source.CopyToAsync(target, new CopyOptions { Verify = true });

        await using var read = KindsModel.For(target);
        var account = await read.Accounts.SingleAsync();
        Assert.Equal(opened.AddTicks(-7), account.OpenedAt);
        Assert.Equal(closed.AddTicks(-9), account.ClosedAt);
    }

    [Fact]
    public async Task A_sqlite_target_holds_exactly_what_ef_core_writes_for_the_same_values()
    {
        var (source, target) = await SeededAsync(Postgres, Sqlite);
        using var _ = source;
        using var __ = target;
        await source.CopyToAsync(target);

        // The same entities as PostgreSQL hands them back, written by EF Core itself into a third file.
        using var written = await CrossProviderDatabase.CreateAsync(Sqlite);
        await using (var read = KindsModel.For(source))
        {
            var accounts = await read.Accounts.AsNoTracking().ToListAsync();
            var entries = await read.Entries.AsNoTracking().ToListAsync();
            var attachments = await read.Attachments.AsNoTracking().ToListAsync();
            await written.SeedAsync(db =>
            {
                db.Accounts.AddRange(accounts);
                db.Entries.AddRange(entries);
                db.Attachments.AddRange(attachments);
            });
        }

        foreach (var table in new[] { "accounts", "entries", "attachments" })
        {
            var columns = await written.QueryAsync($"SELECT name FROM pragma_table_info('{table}')");
            var raw = $"SELECT {string.Join(" || '|' || ", columns.Select(c => $"typeof(\"{c}\") || ':' || quote(\"{c}\")"))} FROM {table} ORDER BY \"Id\"";
            var expected = await written.QueryAsync(raw);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await target.QueryAsync(raw));
        }
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_row_already_in_the_target_fails_the_table_or_is_skipped_or_updated(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        await target.SeedAsync(db => db.Accounts.Add(new Account { Id = 2, Name = "kept by the target", PublicId = Guid.NewGuid(), OpenedAt = DateTime.UtcNow }));

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target));
        Assert.Contains("Loading accounts failed, and the target keeps them as they were", error.Message);
        Assert.Contains("--on-conflict", error.Hint);
        Assert.Equal(["1"], await target.QueryAsync("SELECT count(*) FROM accounts"));
        Assert.Equal(0, await target.CountAsync("entries"));

        await source.CopyToAsync(target, new CopyOptions { OnConflict = ConflictMode.Skip });
        Assert.Equal(["kept by the target", "Zoë Ångström"], await target.QueryAsync("""SELECT "Name" FROM accounts WHERE "Id" <= 2 ORDER BY "Id" DESC"""));
        Assert.Equal(12, await target.CountAsync("entries"));

        await source.CopyToAsync(target, new CopyOptions { OnConflict = ConflictMode.Update });
        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Where_copies_the_rows_a_predicate_with_quoted_identifiers_keeps_and_refuses_a_second_statement(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;

        var injection = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target, new CopyOptions
        {
            Where = new Dictionary<string, string> { ["accounts"] = "1 = 1; DROP TABLE accounts" },
        }));
        Assert.StartsWith("--where: `;` is not allowed", injection.Message, StringComparison.Ordinal);

        var result = await source.CopyToAsync(target, new CopyOptions
        {
            Verify = true,
            Where = new Dictionary<string, string>
            {
                ["entries"] = EntriesKept,
                ["attachments"] = "\"EntryId\" IN (1, 7, 10)",
            },
        });

        Assert.Equal(3, await source.CountAsync("accounts"));
        Assert.Equal(3, await target.CountAsync("accounts"));
        Assert.Equal(await ExpectedEntries(source), await target.QueryAsync("""SELECT "Id" FROM entries ORDER BY "Id" """));
        Assert.Equal(result.Tables.Single(t => t.Table == "entries").Rows, await target.CountAsync("entries"));
        Assert.Equal(["1"], await target.QueryAsync("SELECT count(*) FROM attachments"));
    }

    private const string EntriesKept = "\"AccountId\" = 2 AND \"Memo\" <> ''";

    private static Task<List<string>> ExpectedEntries(CrossProviderDatabase source)
        => source.QueryAsync($"SELECT \"Id\" FROM entries WHERE {EntriesKept} ORDER BY \"Id\"");

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Verify_catches_a_row_the_target_changed_behind_the_copys_back(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        await target.ExecuteAsync(to == Postgres
            ? """
              CREATE FUNCTION meddle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."Memo" := NEW."Memo" || '!'; RETURN NEW; END $$;
              CREATE TRIGGER meddle BEFORE INSERT ON entries FOR EACH ROW WHEN (NEW."Id" = 5) EXECUTE FUNCTION meddle();
              """
            : """CREATE TRIGGER meddle AFTER INSERT ON entries WHEN NEW."Id" = 5 BEGIN UPDATE entries SET "Memo" = "Memo" || '!' WHERE "Id" = 5; END""");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target, new CopyOptions { Verify = true }));

        Assert.Equal("Verification failed: entries: the checksums of its 12 rows differ.", error.Message);
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_target_at_another_revision_is_refused_before_a_row_moves_and_force_goes_on(string from, string to)
    {
        using var source = await CrossProviderDatabase.CreateAsync(from);
        await source.SeedAsync();
        using var target = await CrossProviderDatabase.CreateAsync(to, revision: "ffffffffffff");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target));

        Assert.Contains($"the source is at revision {CrossProviderDatabase.Revision}, the target at ffffffffffff", error.Message);
        Assert.Equal(0, await target.CountAsync("accounts"));
        await source.CopyToAsync(target, new CopyOptions { Force = true });
        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
    }

    [Fact]
    public async Task A_postgresql_column_that_cannot_hold_the_models_type_is_a_difference_and_force_copies_the_rest()
    {
        var (source, target) = await SeededAsync(Sqlite, Postgres);
        using var _ = source;
        using var __ = target;
        await target.ExecuteAsync("""ALTER TABLE accounts ALTER COLUMN "Note" TYPE integer USING NULL""");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target));

        Assert.Equal(
            "The source and the target differ: column accounts.Note is integer on the target, which does not hold the model's String values.",
            error.Message);
        Assert.Equal(0, await target.CountAsync("accounts"));
        var forced = await source.CopyToAsync(target, new CopyOptions { Force = true });
        Assert.Single(forced.Warnings);
        Assert.Equal(["<null>", "<null>", "<null>"], await target.QueryAsync("""SELECT coalesce("Note"::text, '<null>') FROM accounts ORDER BY "Id" """));
        Assert.Equal(12, await target.CountAsync("entries"));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_copy_that_fails_mid_table_leaves_that_table_as_it_was_and_resume_finishes_only_what_is_missing(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        await target.ExecuteAsync(to == Postgres
            ? """
              CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'interrupted'; END $$;
              CREATE TRIGGER boom BEFORE INSERT ON entries FOR EACH ROW WHEN (NEW."Id" = 9) EXECUTE FUNCTION boom();
              """
            : """CREATE TRIGGER boom BEFORE INSERT ON entries WHEN NEW."Id" = 9 BEGIN SELECT RAISE(ABORT, 'interrupted'); END""");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => source.CopyToAsync(target));

        Assert.Contains("Loading entries failed, and the target keeps them as they were", error.Message);
        Assert.Contains("interrupted", error.Message);
        Assert.Equal(3, await target.CountAsync("accounts"));
        Assert.Equal(0, await target.CountAsync("entries"));
        Assert.Equal(0, await target.CountAsync("attachments"));

        await target.ExecuteAsync(to == Postgres ? "DROP TRIGGER boom ON entries" : "DROP TRIGGER boom");
        var resumed = await source.CopyToAsync(target, new CopyOptions { Resume = true, Verify = true });

        Assert.True(resumed.Tables.Single(t => t.Table == "accounts").Skipped);
        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
        Assert.Empty(await target.QueryAsync(to == Postgres
            ? "SELECT 1 FROM pg_tables WHERE tablename = 'migratekit_copy_progress'"
            : "SELECT 1 FROM sqlite_master WHERE name = 'migratekit_copy_progress'"));
    }

    [Fact]
    public async Task A_copy_into_a_sqlite_file_waits_while_upgrade_holds_its_migration_lock()
    {
        var (source, target) = await SeededAsync(Postgres, Sqlite);
        using var _ = source;
        using var __ = target;
        await using var upgrade = new Microsoft.Data.Sqlite.SqliteConnection(target.ConnectionString);
        var held = await DatabaseDialect.For(DatabaseDialect.SqliteProvider).AcquireLockAsync(
            upgrade, ScratchDatabase.VersionTable, TimeSpan.Zero, Serilog.Log.Logger, CancellationToken.None);

        var copy = source.CopyToAsync(target);
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.False(copy.IsCompleted, "The copy finished while the migration lock was held.");
        Assert.Equal(0, await target.CountAsync("accounts"));
        await held.DisposeAsync();
        await copy;
        Assert.Equal(await source.RowsAsync(), await target.RowsAsync());
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task A_copy_gives_up_after_the_lock_wait_while_upgrade_holds_the_targets_migration_lock(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        await using System.Data.Common.DbConnection upgrade = to == Postgres
            ? new Npgsql.NpgsqlConnection(target.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection(target.ConnectionString);
        await upgrade.OpenAsync();
        await using var held = await DatabaseDialect.For(to == Postgres ? DatabaseDialect.PostgreSqlProvider : DatabaseDialect.SqliteProvider)
            .AcquireLockAsync(upgrade, ScratchDatabase.VersionTable, TimeSpan.Zero, Serilog.Log.Logger, CancellationToken.None);

        var error = await Assert.ThrowsAsync<MigrationKitException>(
            () => source.CopyToAsync(target, new CopyOptions { LockWait = TimeSpan.FromSeconds(1) }).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("Gave up after 1 s waiting for the migration lock of ", error.Message);
        Assert.Equal(0, await target.CountAsync("accounts"));
    }

    [Fact]
    public async Task A_cancelled_copy_leaves_the_table_it_was_loading_as_it_was()
    {
        var (source, target) = await SeededAsync(Sqlite, Postgres);
        using var _ = source;
        using var __ = target;
        using var cancel = new CancellationTokenSource();
        await target.ExecuteAsync("""
            CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$;
            CREATE TRIGGER slow BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION slow();
            """);

        // Cancelled once the entries' copy has started, a row or so into its 2.4 s of slow inserts:
        // a fixed delay from the start failed on a busy CI machine, before accounts were done.
        var progress = new CancelOnStart("entries", () => cancel.CancelAfter(TimeSpan.FromMilliseconds(300)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.CopyToAsync(target, cancellationToken: cancel.Token, progress: progress));

        Assert.Equal(3, await target.CountAsync("accounts"));
        Assert.Equal(0, await target.CountAsync("entries"));
    }

    private sealed class CancelOnStart(string table, Action cancel) : ITransferProgress
    {
        public void Started(string started)
        {
            if (started == table)
            {
                cancel();
            }
        }

        public void Advanced(string table, long rows, long bytes)
        {
        }

        public void Finished(TableResult result)
        {
        }
    }

    [Theory]
    [InlineData("Host=db.example.com;Database=app;Username=u", "PostgreSql")]
    [InlineData("Server=localhost;Port=5433;Database=app", "PostgreSql")]
    [InlineData("Data Source=/var/lib/app/finance.db", "Sqlite")]
    [InlineData("DataSource=finance.db;Mode=ReadOnly", "Sqlite")]
    [InlineData("Filename=finance.db", "Sqlite")]
    public void A_connection_string_is_told_by_its_keywords(string connectionString, string kind)
        => Assert.Equal(kind, TransferEndpoint.Parse(connectionString, "--from").Kind.ToString());

    [Theory]
    [InlineData("Database=app;Username=u")]
    [InlineData("Host=x;Data Source=y.db")]
    public void A_connection_string_that_names_no_server_and_no_file_is_one_line(string connectionString)
    {
        var error = Assert.Throws<MigrationKitException>(() => TransferEndpoint.Parse(connectionString, "--from"));
        Assert.Equal("The --from connection string names neither a PostgreSQL server nor a SQLite file.", error.Message);
    }
}
