using Microsoft.EntityFrameworkCore;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// An app's model with the column kinds a copy must carry unchanged: identity and serial keys, a
/// foreign-key chain, a generated column, an enum, jsonb, an array, bytea, timestamptz, and a table
/// that stays empty. Its create script plays the part of `upgrade head`.
/// </summary>
public sealed class TestModel(DbContextOptions<TestModel> options) : DbContext(options)
{
    public static TestModel Create() => new(new DbContextOptionsBuilder<TestModel>().UseNpgsql("Host=localhost;Database=unused").Options);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresEnum("mood", ["happy", "sad", "neutral"]);
        modelBuilder.Entity<Customer>(e =>
        {
            e.ToTable("customers");
            e.Property(c => c.Id).UseIdentityByDefaultColumn();
            e.Property(c => c.Mood).HasColumnType("mood");
            e.Property(c => c.Profile).HasColumnType("jsonb");
            e.Property(c => c.NameUpper).HasComputedColumnSql("upper(\"Name\")", stored: true);
        });
        modelBuilder.Entity<Order>(e =>
        {
            e.ToTable("orders");
            e.Property(o => o.Id).UseSerialColumn();
            e.HasOne<Customer>().WithMany().HasForeignKey(o => o.CustomerId);
            e.Property(o => o.Total).HasPrecision(12, 2);
        });
        modelBuilder.Entity<OrderLine>(e =>
        {
            e.ToTable("order_lines");
            e.Property(l => l.Id).UseIdentityAlwaysColumn();
            e.HasOne<Order>().WithMany().HasForeignKey(l => l.OrderId);
        });
        modelBuilder.Entity<AuditEntry>().ToTable("audit_entries");
    }
}

public sealed class Customer
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public string? Mood { get; set; }
    public string? Profile { get; set; }
    public string[]? Tags { get; set; }
    public byte[]? Photo { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? NameUpper { get; set; }
}

public sealed class Order
{
    public int Id { get; set; }
    public int CustomerId { get; set; }
    public decimal Total { get; set; }
}

public sealed class OrderLine
{
    public long Id { get; set; }
    public int OrderId { get; set; }
    public string Note { get; set; } = "";
}

public sealed class AuditEntry
{
    public int Id { get; set; }
    public string Text { get; set; } = "";
}
