using Microsoft.EntityFrameworkCore;

namespace BenchApp;

public class Region
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
}

public class Customer
{
    public long Id { get; set; }
    public int RegionId { get; set; }
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public class Product
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public decimal Price { get; set; }
}

public class Order
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public DateTimeOffset OrderedAt { get; set; }
    public string Status { get; set; } = "";
}

public class OrderItem
{
    public long Id { get; set; }
    public long OrderId { get; set; }
    public int ProductId { get; set; }
    public int Quantity { get; set; }
    public decimal Price { get; set; }
}

/// <summary>The shop of the transfer benchmark; bench/transfer.sh creates the same tables in SQL.</summary>
public class ShopContext : DbContext
{
    public ShopContext()
    {
    }

    public ShopContext(DbContextOptions<ShopContext> options)
        : base(options)
    {
    }

    public DbSet<Region> Regions => Set<Region>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderItem> OrderItems => Set<OrderItem>();

    protected override void OnConfiguring(DbContextOptionsBuilder options)
    {
        if (!options.IsConfigured)
        {
            options.UseNpgsql(Environment.GetEnvironmentVariable("MIGRATEKIT_CONNECTION") ?? "Host=localhost;Database=shop");
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Region>(e =>
        {
            e.ToTable("regions");
            e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(x => x.Name).HasColumnName("name");
        });
        modelBuilder.Entity<Customer>(e =>
        {
            e.ToTable("customers");
            e.Property(x => x.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(x => x.RegionId).HasColumnName("region_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Email).HasColumnName("email");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.HasOne<Region>().WithMany().HasForeignKey(x => x.RegionId);
        });
        modelBuilder.Entity<Product>(e =>
        {
            e.ToTable("products");
            e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Price).HasColumnName("price").HasPrecision(10, 2);
        });
        modelBuilder.Entity<Order>(e =>
        {
            e.ToTable("orders");
            e.Property(x => x.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(x => x.CustomerId).HasColumnName("customer_id");
            e.Property(x => x.OrderedAt).HasColumnName("ordered_at");
            e.Property(x => x.Status).HasColumnName("status");
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId);
        });
        modelBuilder.Entity<OrderItem>(e =>
        {
            e.ToTable("order_items");
            e.Property(x => x.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(x => x.OrderId).HasColumnName("order_id");
            e.Property(x => x.ProductId).HasColumnName("product_id");
            e.Property(x => x.Quantity).HasColumnName("quantity");
            e.Property(x => x.Price).HasColumnName("price").HasPrecision(10, 2);
            e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId);
            e.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId);
        });
    }
}
