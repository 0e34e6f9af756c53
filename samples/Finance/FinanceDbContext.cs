using Microsoft.EntityFrameworkCore;

namespace Finance;

/// <summary>
/// The app's model. SQLite by default (a file beside the app, no server needed);
/// set FINANCE_PROVIDER=postgres and FINANCE_CONNECTION to run on PostgreSQL.
/// </summary>
public class FinanceDbContext : DbContext
{
    public DbSet<User> Users => Set<User>();

    public DbSet<EmailVerification> EmailVerifications => Set<EmailVerification>();

    public DbSet<Stock> Stocks => Set<Stock>();

    protected override void OnConfiguring(DbContextOptionsBuilder options)
    {
        if (options.IsConfigured)
        {
            return;
        }

        var connection = Environment.GetEnvironmentVariable("FINANCE_CONNECTION");
        if (string.Equals(Environment.GetEnvironmentVariable("FINANCE_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase))
        {
            options.UseNpgsql(connection ?? "Host=localhost;Database=finance;Username=finance");
        }
        else
        {
            options.UseSqlite(connection ?? "Data Source=finance.db");
        }
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasIndex(u => u.Email).IsUnique();
        });
        model.Entity<EmailVerification>().ToTable("email_verifications");
        model.Entity<Stock>(stock =>
        {
            stock.ToTable("stocks");
            stock.HasIndex(s => s.Symbol);
        });
    }
}

public class User
{
    public int Id { get; set; }

    public required string Email { get; set; }

    public string? DisplayName { get; set; }

    public DateTime CreatedAt { get; set; }
}

public class EmailVerification
{
    public int Id { get; set; }

    public int UserId { get; set; }

    public User? User { get; set; }

    public required string Token { get; set; }

    public DateTime ExpiresAt { get; set; }
}

public class Stock
{
    public int Id { get; set; }

    public int UserId { get; set; }

    public User? User { get; set; }

    public required string Symbol { get; set; }

    public decimal Quantity { get; set; }
}
