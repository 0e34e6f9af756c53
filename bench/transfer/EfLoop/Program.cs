using BenchApp;
using Microsoft.EntityFrameworkCore;

// What the old merge() script did, through EF Core: every source row looked up in the target by key,
// inserted or updated, and saved one at a time. Usage: EfLoop SOURCE TARGET ROWS_PER_TABLE...
// (regions customers products orders order_items: the first N rows of each, by id).
var source = args[0];
var target = args[1];
var limits = args[2..].Select(long.Parse).ToArray();

await using var from = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(source).Options);
await using var to = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(target).Options);
var rows = 0L;
rows += await MergeAsync(from.Regions.Where(x => x.Id <= limits[0]).OrderBy(x => x.Id), x => x.Id);
rows += await MergeAsync(from.Customers.Where(x => x.Id <= limits[1]).OrderBy(x => x.Id), x => x.Id);
rows += await MergeAsync(from.Products.Where(x => x.Id <= limits[2]).OrderBy(x => x.Id), x => x.Id);
rows += await MergeAsync(from.Orders.Where(x => x.Id <= limits[3]).OrderBy(x => x.Id), x => x.Id);
rows += await MergeAsync(from.OrderItems.Where(x => x.Id <= limits[4]).OrderBy(x => x.Id), x => x.Id);
Console.WriteLine($"merged {rows} rows");

async Task<long> MergeAsync<T>(IQueryable<T> rows, Func<T, object> key) where T : class
{
    var count = 0L;
    await foreach (var row in rows.AsNoTracking().AsAsyncEnumerable())
    {
        var existing = await to.Set<T>().FindAsync(key(row));
        if (existing is null)
        {
            to.Add(row);
        }
        else
        {
            to.Entry(existing).CurrentValues.SetValues(row);
        }

        await to.SaveChangesAsync();
        to.ChangeTracker.Clear();
        count++;
    }

    return count;
}
