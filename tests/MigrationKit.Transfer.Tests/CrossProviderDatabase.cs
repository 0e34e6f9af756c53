using System.Globalization;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Testing;
using MigrationKit.Transfer.Rows;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// One end of a copy between SQLite and PostgreSQL: a real SQLite file or a real PostgreSQL
/// database whose schema EF Core built from <see cref="KindsModel"/> (as `upgrade head` would),
/// stamped at a revision. Rows go in and come back through EF Core, as the app would see them.
/// </summary>
internal sealed class CrossProviderDatabase : ScratchDatabase
{
    public const string Revision = "b1b2b3b4b5b6";

    private CrossProviderDatabase(string provider, string connectionString, TempDirectory? folder)
        : base(provider, connectionString, folder)
    {
    }

    public TransferEndpoint Endpoint => new(Provider == Postgres ? DatabaseKind.PostgreSql : DatabaseKind.Sqlite, ConnectionString);

    public static async Task<CrossProviderDatabase> CreateAsync(string provider, string? revision = Revision)
    {
        var (connectionString, folder) = await CreateEmptyAsync(provider, "app.db");
        var database = new CrossProviderDatabase(provider, connectionString, folder);
        await using (var context = KindsModel.For(database))
        {
            await context.Database.EnsureCreatedAsync();
        }

        if (revision is not null)
        {
            await database.ExecuteAsync($"CREATE TABLE {VersionTable} (version_num varchar(255) PRIMARY KEY); INSERT INTO {VersionTable} VALUES ('{revision}')");
        }

        return database;
    }

    /// <summary>This database's rows into <paramref name="target"/>, the tables named by the source's model.</summary>
    public Task<CopyResult> CopyToAsync(
        CrossProviderDatabase target, CopyOptions? options = null, CancellationToken cancellationToken = default, ITransferProgress? progress = null)
    {
        using var context = KindsModel.For(this);
        return new RowCopy(Endpoint, target.Endpoint, options ?? new CopyOptions(), progress, Serilog.Core.Logger.None)
            .RunAsync(ModelTables.Of(context, VersionTable), cancellationToken);
    }

    public async Task SeedAsync(Action<KindsModel>? add = null)
    {
        await using var context = KindsModel.For(this);
        if (add is null)
        {
            // Npgsql writes only UTC instants to timestamptz, as the app would have had to.
            context.Accounts.AddRange(Accounts().Select(a => Provider == Postgres ? Utc(a) : a));
        }
        else
        {
            add(context);
        }

        await context.SaveChangesAsync();
        if (add is null)
        {
            context.Entries.AddRange(Enumerable.Range(1, 12).Select(i => new Entry { AccountId = 1 + i % 3, Memo = i % 4 == 0 ? "" : $"entry {i} — ✓", Amount = i * 1.25m - 3 }));
            await context.SaveChangesAsync();
            context.Attachments.AddRange(Enumerable.Range(1, 5).Select(i => new Attachment { EntryId = i, Content = [(byte)i, 0, 255], Caption = i % 2 == 0 ? null : "scan 📎" }));
            await context.SaveChangesAsync();
        }
    }

    /// <summary>Every kind of value, including the awkward ones: NULL next to empty, Unicode, offsets, extremes.</summary>
    public static Account[] Accounts() =>
    [
        new()
        {
            Name = "Zoë Ångström", Note = "", Active = true, Balance = 1234567.8912m, Ratio = 0.1, Small = -32768, Big = long.MaxValue, Kind = Kind.Business,
            OpenedAt = new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234560), ClosedAt = new DateTimeOffset(2025, 1, 1, 10, 0, 0, TimeSpan.FromHours(5.5)),
            Day = new DateOnly(1999, 12, 31), Time = new TimeOnly(23, 59, 59, 999, 999), Span = new TimeSpan(1, 2, 3, 4, 567),
            PublicId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), Avatar = [0, 1, 2, 255],
        },
        new()
        {
            Name = "李小龍 🐉", Note = null, Active = false, Balance = 0m, Ratio = -1e-300, Small = 0, Big = 0, Kind = Kind.Personal,
            OpenedAt = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc), ClosedAt = null,
            Day = DateOnly.MinValue, Time = TimeOnly.MinValue, Span = TimeSpan.Zero, PublicId = Guid.Empty, Avatar = null,
        },
        new()
        {
            Name = "O'Brien \"quoted\"\nline two", Note = "note; DROP TABLE accounts", Active = true, Balance = -0.0001m, Ratio = double.MaxValue, Small = 32767, Big = long.MinValue, Kind = Kind.Business,
            OpenedAt = new DateTime(2030, 6, 15, 12, 0, 0, DateTimeKind.Utc), ClosedAt = new DateTimeOffset(2030, 6, 15, 12, 0, 0, TimeSpan.Zero),
            Day = new DateOnly(2030, 6, 15), Time = new TimeOnly(12, 0), Span = TimeSpan.FromDays(-3), PublicId = Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"), Avatar = [],
        },
    ];

    private static Account Utc(Account account)
    {
        account.ClosedAt = account.ClosedAt?.ToUniversalTime();
        return account;
    }

    /// <summary>Every row of every table as EF Core reads it back, each value in one spelling whatever the provider.</summary>
    public async Task<List<string>> RowsAsync()
    {
        await using var context = KindsModel.For(this);
        var rows = new List<string>();
        foreach (var a in (await context.Accounts.ToListAsync()).OrderBy(a => a.Id))
        {
            rows.Add(Line("account", a.Id, a.Name, a.Note, a.Active, a.Balance.ToString("F4", CultureInfo.InvariantCulture), a.Ratio.ToString("R", CultureInfo.InvariantCulture),
                a.Small, a.Big, a.Kind, a.OpenedAt.Ticks, a.ClosedAt?.UtcTicks, a.Day.DayNumber, a.Time.Ticks, a.Span.Ticks, a.PublicId, a.Avatar is null ? null : Convert.ToHexString(a.Avatar)));
        }

        foreach (var e in (await context.Entries.ToListAsync()).OrderBy(e => e.Id))
        {
            rows.Add(Line("entry", e.Id, e.AccountId, e.Memo, e.Amount.ToString("F4", CultureInfo.InvariantCulture)));
        }

        foreach (var t in (await context.Attachments.ToListAsync()).OrderBy(t => t.Id))
        {
            rows.Add(Line("attachment", t.Id, t.EntryId, Convert.ToHexString(t.Content), t.Caption));
        }

        foreach (var t in (await context.Tags.ToListAsync()).OrderBy(t => t.Id))
        {
            rows.Add(Line("tag", t.Id, t.Label));
        }

        return rows;
    }

    public async Task<long> CountAsync(string table) => long.Parse((await QueryAsync($"SELECT count(*) FROM {table}")).Single(), CultureInfo.InvariantCulture);

    private static string Line(params object?[] values)
        => string.Join(" | ", values.Select(v => v is null ? "<null>" : Convert.ToString(v, CultureInfo.InvariantCulture)));
}
