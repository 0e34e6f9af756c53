using Microsoft.EntityFrameworkCore;
using MigrationKit.Testing;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// An app's model that runs on SQLite and on PostgreSQL alike, with every kind of value a copy
/// between them must carry: integers of each size, decimals, doubles, text with Unicode, empty
/// strings and NULLs, booleans, dates and times of each kind, GUIDs, bytes. accounts ← entries ←
/// attachments is a foreign-key chain; tags stays empty.
/// </summary>
public sealed class KindsModel(DbContextOptions<KindsModel> options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<Entry> Entries => Set<Entry>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<Tag> Tags => Set<Tag>();

    public static KindsModel For(ScratchDatabase database) => new(database.Provider == ScratchDatabase.Postgres
        ? new DbContextOptionsBuilder<KindsModel>().UseNpgsql(database.ConnectionString).Options
        : new DbContextOptionsBuilder<KindsModel>().UseSqlite(database.ConnectionString).Options);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Account>(e =>
        {
            e.ToTable("accounts");
            e.Property(a => a.Balance).HasPrecision(18, 4);
        });
        modelBuilder.Entity<Entry>(e =>
        {
            e.ToTable("entries");
            e.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
        });
        modelBuilder.Entity<Attachment>(e =>
        {
            e.ToTable("attachments");
            e.HasOne<Entry>().WithMany().HasForeignKey(x => x.EntryId);
        });
        modelBuilder.Entity<Tag>().ToTable("tags");
    }
}

public enum Kind
{
    Personal = 1,
    Business = 7,
}

public sealed class Account
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Note { get; set; }
    public bool Active { get; set; }
    public decimal Balance { get; set; }
    public double Ratio { get; set; }
    public short Small { get; set; }
    public long Big { get; set; }
    public Kind Kind { get; set; }
    public DateTime OpenedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateOnly Day { get; set; }
    public TimeOnly Time { get; set; }
    public TimeSpan Span { get; set; }
    public Guid PublicId { get; set; }
    public byte[]? Avatar { get; set; }
}

public sealed class Entry
{
    public long Id { get; set; }
    public int AccountId { get; set; }
    public string Memo { get; set; } = "";
    public decimal Amount { get; set; }
}

public sealed class Attachment
{
    public int Id { get; set; }
    public long EntryId { get; set; }
    public byte[] Content { get; set; } = [];
    public string? Caption { get; set; }
}

public sealed class Tag
{
    public int Id { get; set; }
    public string Label { get; set; } = "";
}
