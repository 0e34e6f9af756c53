using MigrationKit.EndToEnd.Infrastructure;
using Npgsql;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`copy` through the packed tool: an app's model copied from one PostgreSQL database into its own.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class CopyTests(PackedTool tool)
{
    private const string Revision = "c0c0c0c0c0c1";

    private const string Model = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class Author
        {
            public int Id { get; set; }
            public string Name { get; set; } = "";
        }

        public class Book
        {
            public int Id { get; set; }
            public int AuthorId { get; set; }
            public string? Title { get; set; }
        }

        public class AppDbContext : DbContext
        {
            protected override void OnConfiguring(DbContextOptionsBuilder options) => options.UseNpgsql("Host=localhost;Database=app");

            protected override void OnModelCreating(ModelBuilder modelBuilder)
            {
                modelBuilder.Entity<Author>(e =>
                {
                    e.ToTable("authors");
                    e.Property(a => a.Id).HasColumnName("id");
                    e.Property(a => a.Name).HasColumnName("name");
                });
                modelBuilder.Entity<Book>(e =>
                {
                    e.ToTable("books");
                    e.Property(b => b.Id).HasColumnName("id");
                    e.Property(b => b.AuthorId).HasColumnName("author_id");
                    e.Property(b => b.Title).HasColumnName("title");
                    e.HasOne<Author>().WithMany().HasForeignKey(b => b.AuthorId);
                });
            }
        }
        """;

    private Task<ThrowawayApp> AppAsync() => tool.SharedAppAsync("Copy", t => ThrowawayApp.CreateAsync(t, "Copy", app =>
    {
        app.WriteFile("AppDbContext.cs", Model);
        app.WriteRevision(Revision, [], "authors and books",
            Lines(
                Sql("CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL)"),
                Sql("CREATE TABLE books (id serial PRIMARY KEY, author_id int NOT NULL REFERENCES authors, title text)")),
            Lines(DropTable("books"), DropTable("authors")));
    }));

    private async Task<AppDatabase> UpgradedAsync(ThrowawayApp app)
    {
        var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        Succeeded(await app.RunAsync(database.Environment, "upgrade", "head", "--no-build"));
        return database;
    }

    [Fact]
    public async Task Copy_moves_every_table_into_the_apps_database_verified_and_the_next_insert_succeeds()
    {
        var app = await AppAsync();
        using var source = await UpgradedAsync(app);
        using var target = await UpgradedAsync(app);
        await source.ExecuteAsync("""
            INSERT INTO authors (name) SELECT 'author ' || g FROM generate_series(1, 50) g;
            INSERT INTO books (author_id, title) SELECT 1 + g % 50, CASE WHEN g % 7 = 0 THEN NULL ELSE 'Ünïcode 📚 ' || g END FROM generate_series(1, 500) g;
            """);

        var result = Succeeded(await app.RunAsync(target.Environment, "copy", "--from", source.ConnectionString, "--verify", "--jobs", "2", "--no-build"));

        Assert.Equal(["Copied 2 tables, 550 rows, verified."], result.OutputLines);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("Copied books: 500 rows,", StringComparison.Ordinal));
        Assert.Equal(await source.QueryAsync("SELECT b::text FROM books b ORDER BY id"), await target.QueryAsync("SELECT b::text FROM books b ORDER BY id"));
        await target.ExecuteAsync("INSERT INTO authors (name) VALUES ('new')");
        Assert.Equal(["51"], await target.QueryAsync("SELECT max(id) FROM authors"));
        Assert.Equal([Revision], await target.VersionRowsAsync());
    }

    [Fact]
    public async Task A_wrong_source_password_or_a_source_at_another_revision_is_one_line_and_nothing_moves()
    {
        var app = await AppAsync();
        using var source = await UpgradedAsync(app);
        using var target = await UpgradedAsync(app);
        await source.ExecuteAsync("INSERT INTO authors (name) VALUES ('a')");
        var secret = "Copy-Secret-" + Guid.NewGuid().ToString("N")[..8];
        var wrong = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Password = secret }.ConnectionString;

        var denied = await app.RunAsync(target.Environment, "copy", "--from", wrong, "--no-build");

        Assert.Contains("Cannot connect to the source database", FailedInOneLine(denied));
        Assert.Contains("password authentication failed", denied.StandardError);
        DoesNotPrint(denied, secret);

        await source.ExecuteAsync("UPDATE migratekit_version SET version_num = 'ffffffffffff'");
        var refused = await app.RunAsync(target.Environment, "copy", "--from", source.ConnectionString, "--no-build");

        Assert.Contains($"the source is at revision ffffffffffff, the target at {Revision}", FailedInOneLine(refused));
        DoesNotPrint(refused, new NpgsqlConnectionStringBuilder(source.ConnectionString).Password!);
        Assert.Equal(["0"], await target.QueryAsync("SELECT count(*) FROM authors"));
    }

    [Fact]
    public async Task A_copy_killed_mid_table_leaves_that_table_as_it_was_and_resume_finishes_only_what_is_missing()
    {
        var app = await AppAsync();
        using var source = await UpgradedAsync(app);
        using var target = await UpgradedAsync(app);
        await source.ExecuteAsync("""
            INSERT INTO authors (name) SELECT 'author ' || g FROM generate_series(1, 100) g;
            INSERT INTO books (author_id, title) SELECT 1 + g % 100, 'book ' || g FROM generate_series(1, 1000) g;
            """);
        // Loading books waits, after its rows are in, for a lock this test holds: the kill lands inside
        // the books transaction, after authors committed.
        await target.ExecuteAsync("""
            CREATE FUNCTION pause() RETURNS trigger AS 'BEGIN PERFORM pg_advisory_lock(4242); RETURN NULL; END' LANGUAGE plpgsql;
            CREATE TRIGGER books_pause AFTER INSERT ON books FOR EACH STATEMENT EXECUTE FUNCTION pause();
            """);
        await using (var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await holder.OpenAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(4242)", holder))
            {
                await take.ExecuteNonQueryAsync();
            }

            using var run = app.Start(target.Environment, "copy", "--from", source.ConnectionString, "--jobs", "1", "--no-build");
            Assert.True(await run.ErrorLineSeenAsync("Copied authors:"), "authors never finished.");
            while ((await target.QueryAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).Single() == "0")
            {
                Assert.False(run.Exited.IsCompleted, "The copy ended before it reached the books trigger.");
                await Task.Delay(50);
            }

            Assert.True(run.KillTree(), "The copy ended before it was killed.");
        }

        await target.WaitForOtherSessionsToEndAsync();
        Assert.Equal(["100"], await target.QueryAsync("SELECT count(*) FROM authors"));
        Assert.Equal(["0"], await target.QueryAsync("SELECT count(*) FROM books"));
        await target.ExecuteAsync("DROP TRIGGER books_pause ON books");

        var resumed = Succeeded(await app.RunAsync(target.Environment, "copy", "--from", source.ConnectionString, "--resume", "--verify", "--no-build"));

        Assert.Equal(["Copied 1 tables, 1000 rows, verified."], resumed.OutputLines);
        Assert.Contains("Skipped authors: an earlier copy finished it", resumed.ErrorLines);
        Assert.Equal(await source.QueryAsync("SELECT b::text FROM books b ORDER BY id"), await target.QueryAsync("SELECT b::text FROM books b ORDER BY id"));
    }

    [Fact]
    public async Task Export_then_import_moves_the_data_through_csv_files_verified_against_the_manifest()
    {
        var app = await AppAsync();
        using var source = await UpgradedAsync(app);
        using var target = await UpgradedAsync(app);
        using var folder = new MigrationKit.Testing.TempDirectory("migratekit-e2e-export");
        await source.ExecuteAsync("""
            INSERT INTO authors (name) VALUES ('a, "quoted"'), ('');
            INSERT INTO books (author_id, title) VALUES (1, NULL), (2, 'two');
            """);

        var exported = Succeeded(await app.RunAsync(source.Environment, "export", folder.Path, "--no-build"));
        var imported = Succeeded(await app.RunAsync(target.Environment, "import", folder.Path, "--no-build"));

        Assert.Equal([$"Exported 2 tables, 4 rows, to {folder.Path}."], exported.OutputLines);
        Assert.Equal(["Imported 2 tables, 4 rows, verified against the manifest."], imported.OutputLines);
        Assert.True(File.Exists(folder.File("authors.csv")) && File.Exists(folder.File("books.csv")) && File.Exists(folder.File("manifest.json")));
        Assert.Equal(await source.QueryAsync("SELECT a::text FROM authors a ORDER BY id"), await target.QueryAsync("SELECT a::text FROM authors a ORDER BY id"));
        Assert.Equal(await source.QueryAsync("SELECT b::text FROM books b ORDER BY id"), await target.QueryAsync("SELECT b::text FROM books b ORDER BY id"));

        var again = await app.RunAsync(source.Environment, "export", folder.Path, "--no-build");
        Assert.Contains($"{folder.Path} already holds an export (manifest.json). Pass --overwrite", FailedInOneLine(again));
        Succeeded(await app.RunAsync(source.Environment, "export", folder.Path, "--overwrite", "--no-build"));
    }
}
