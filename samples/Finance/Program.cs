using Finance;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Runner;

// The app upgrades its own database at start-up with the same plan, transactions and lock
// as `dotnet migratekit upgrade head`, then uses it.
await using var db = new FinanceDbContext();
await db.Database.UpgradeAsync();

var user = new User { Email = $"ada{Guid.NewGuid():N}@example.com", DisplayName = "Ada", CreatedAt = DateTime.UtcNow };
db.Users.Add(user);
db.Stocks.Add(new Stock { User = user, Symbol = "ACME", Quantity = 10 });
await db.SaveChangesAsync();
Console.WriteLine($"{await db.Users.CountAsync()} users, {await db.Stocks.CountAsync()} stock positions");
