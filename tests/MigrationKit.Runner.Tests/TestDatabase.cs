using Microsoft.EntityFrameworkCore;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests;

/// <summary>A fresh database for one test, and runners over it.</summary>
public sealed class TestDatabase : ScratchDatabase
{
    private TestDatabase(string provider, string connectionString, TempDirectory? folder)
        : base(provider, connectionString, folder)
    {
    }

    public static TheoryData<string> Providers => new() { Postgres, Sqlite };

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        // Unpooled, so nothing holds the file once a runner is done with it.
        var (connectionString, folder) = await CreateEmptyAsync(provider, "test.db", ";Pooling=False");
        return new TestDatabase(provider, connectionString, folder);
    }

    /// <summary>A database another process created (the kill tests' child), which this one does not own.</summary>
    public static TestDatabase Attach(string provider, string connectionString) => new(provider, connectionString, null);

    public DbContext NewContext() => new TestContext(Options<TestContext>());

    /// <summary>Options of <typeparamref name="TContext"/> for this database, on its provider.</summary>
    public DbContextOptions<TContext> Options<TContext>()
        where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        if (Provider == Postgres)
        {
            options.UseNpgsql(ConnectionString);
        }
        else
        {
            options.UseSqlite(ConnectionString);
        }

        return options.Options;
    }

    public RevisionRunner Runner(Type[] revisions, RunnerOptions? options = null, Serilog.ILogger? log = null)
        => new(NewContext(), RevisionCatalog.FromTypes(revisions), options, log);

    private sealed class TestContext(DbContextOptions<TestContext> options) : DbContext(options);
}
