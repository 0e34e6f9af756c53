using MigrationKit.Core;
using MigrationKit.Testing;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// --truncate empties each table inside the transaction that loads it: a copy or import that fails,
/// or is cancelled, leaves every table it did not commit with the rows it had, on either engine.
/// </summary>
public sealed class TruncateTests
{
    private const string Postgres = ScratchDatabase.Postgres;
    private const string Sqlite = ScratchDatabase.Sqlite;

    public static TheoryData<string, string> Pairs => new() { { Postgres, Postgres }, { Sqlite, Postgres }, { Postgres, Sqlite }, { Sqlite, Sqlite } };

    /// <summary>A source with the seed rows, and a target holding rows of its own (other names, a tag), which a failed load must leave.</summary>
    private static async Task<(CrossProviderDatabase Source, CrossProviderDatabase Target)> SeededAsync(string from, string to)
    {
        var source = await CrossProviderDatabase.CreateAsync(from);
        await source.SeedAsync();
        var target = await CrossProviderDatabase.CreateAsync(to);
        await target.SeedAsync();
        await target.SeedAsync(db => db.Tags.Add(new Tag { Label = "kept" }));
        await target.ExecuteAsync("""UPDATE accounts SET "Name" = 'target''s ' || "Name"; UPDATE entries SET "Memo" = 'target''s memo'""");
        return (source, target);
    }

    /// <summary>The path the `copy` command takes: binary COPY between two PostgreSQL databases, values with SQLite at an end.</summary>
    private static async Task<CopyResult> CopyAsync(
        CrossProviderDatabase source, CrossProviderDatabase target, CopyOptions options, string[]? tables = null, ITransferProgress? progress = null, CancellationToken cancellationToken = default)
    {
        await using var app = KindsModel.For(target);
        return await TransferOperations.CopyAsync(app, source.ConnectionString, target.ConnectionString, tables ?? [], [], options, progress, cancellationToken);
    }

    private static string FailOnInsert(string engine, string table, int id) => engine == Postgres
        ? $"""
          CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'interrupted'; END $$;
          CREATE TRIGGER boom BEFORE INSERT ON {table} FOR EACH ROW WHEN (NEW."Id" = {id}) EXECUTE FUNCTION boom();
          """
        : $"""CREATE TRIGGER boom BEFORE INSERT ON {table} WHEN NEW."Id" = {id} BEGIN SELECT RAISE(ABORT, 'interrupted'); END""";

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task A_failing_copy_with_truncate_leaves_every_table_it_did_not_commit_as_it_was_and_says_so(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        await target.ExecuteAsync(FailOnInsert(to, "attachments", 3));
        var before = await target.RowsAsync();

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => CopyAsync(source, target, new CopyOptions { Truncate = true, Jobs = 1 }));

        Assert.Contains("interrupted", error.Message);
        Assert.Contains("No table of the target was changed.", error.Message);
        Assert.Equal(before, await target.RowsAsync());
    }

    [Fact]
    public async Task A_failure_after_some_tables_committed_names_them()
    {
        var (source, target) = await SeededAsync(Postgres, Postgres);
        using var _ = source;
        using var __ = target;
        await source.SeedAsync(db => db.Tags.Add(new Tag { Label = "from the source" }));
        await target.ExecuteAsync(FailOnInsert(Postgres, "tags", 1));
        var tagsBefore = await target.QueryAsync("""SELECT "Label" FROM tags""");

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => CopyAsync(source, target, new CopyOptions { Truncate = true, Jobs = 1 }));

        Assert.StartsWith("Loading tags failed, and the target keeps them as they were: interrupted", error.Message);
        Assert.EndsWith("Loaded and committed before the failure: accounts, entries, attachments; every other table is as it was.", error.Message);
        Assert.Equal(tagsBefore, await target.QueryAsync("""SELECT "Label" FROM tags"""));
        Assert.Equal((await source.RowsAsync()).Where(r => !r.StartsWith("tag", StringComparison.Ordinal)), (await target.RowsAsync()).Where(r => !r.StartsWith("tag", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task A_copy_with_truncate_cancelled_mid_load_leaves_every_table_as_it_was(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        var before = await target.RowsAsync();
        using var cancel = new CancellationTokenSource();

        // Cancelled as the second table of the chain starts: the first is emptied and loaded, not committed.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            CopyAsync(source, target, new CopyOptions { Truncate = true, Jobs = 1 }, progress: new CancelOnStart("entries", cancel), cancellationToken: cancel.Token));

        Assert.Equal(before, await target.RowsAsync());
    }

    [Theory]
    [InlineData(Postgres)]
    [InlineData(Sqlite)]
    public async Task Truncating_a_parent_selected_alone_never_touches_its_unselected_children(string from)
    {
        var (source, target) = await SeededAsync(from, Sqlite);
        using var _ = source;
        using var __ = target;
        var entriesBefore = await target.QueryAsync("""SELECT "Id" || ' ' || "Memo" FROM entries ORDER BY "Id" """);

        // Every account the entries reference comes back: the load commits and the children keep their rows.
        await CopyAsync(source, target, new CopyOptions { Truncate = true }, ["accounts"]);

        Assert.Equal(await source.QueryAsync("""SELECT "Name" FROM accounts ORDER BY "Id" """), await target.QueryAsync("""SELECT "Name" FROM accounts ORDER BY "Id" """));
        Assert.Equal(entriesBefore, await target.QueryAsync("""SELECT "Id" || ' ' || "Memo" FROM entries ORDER BY "Id" """));
        Assert.Equal(5, await target.CountAsync("attachments"));

        // An account the entries reference does not come back: refused, and nothing changes.
        await source.ExecuteAsync("""DELETE FROM attachments; DELETE FROM entries WHERE "AccountId" = 3; DELETE FROM accounts WHERE "Id" = 3""");
        var before = await target.RowsAsync();
        var error = await Assert.ThrowsAsync<MigrationKitException>(() => CopyAsync(source, target, new CopyOptions { Truncate = true }, ["accounts"]));

        Assert.Contains("rows of entries reference rows of accounts that the load removes", error.Message);
        Assert.Equal(before, await target.RowsAsync());
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task A_failing_import_with_truncate_leaves_every_table_as_it_was(string from, string to)
    {
        var (source, target) = await SeededAsync(from, to);
        using var _ = source;
        using var __ = target;
        using var folder = new TempDirectory("migratekit-truncate");
        await using (var app = KindsModel.For(source))
        {
            await TransferOperations.ExportAsync(app, null, folder.Path, [], [], ScratchDatabase.VersionTable, false, null, CancellationToken.None);
        }

        var attachments = folder.File("attachments.csv");
        var lines = await File.ReadAllLinesAsync(attachments);
        lines[3] = "not a number" + lines[3][lines[3].IndexOf(',', StringComparison.Ordinal)..];
        await File.WriteAllLinesAsync(attachments, lines);
        var before = await target.RowsAsync();

        await using var into = KindsModel.For(target);
        var error = await Assert.ThrowsAsync<MigrationKitException>(() =>
            TransferOperations.ImportAsync(into, null, folder.Path, truncate: true, ScratchDatabase.VersionTable, null, CancellationToken.None));

        Assert.Contains("attachments.csv, line 4", error.Message);
        Assert.Contains("No table of the target was changed.", error.Message);
        Assert.Equal(before, await target.RowsAsync());
    }

    /// <summary>Cancels the copy as it starts loading one table.</summary>
    private sealed class CancelOnStart(string table, CancellationTokenSource cancel) : ITransferProgress
    {
        public void Started(string started)
        {
            if (started == table)
            {
                cancel.Cancel();
            }
        }

        public void Advanced(string table, long rows, long bytes)
        {
        }

        public void Finished(TableResult result)
        {
        }
    }
}
