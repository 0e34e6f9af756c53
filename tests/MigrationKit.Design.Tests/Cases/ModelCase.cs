using Microsoft.EntityFrameworkCore;

namespace MigrationKit.Design.Tests.Cases;

/// <summary>One model change: the model before and after it, each as the app's OnModelCreating would build it.</summary>
public sealed record ModelCase(string Name, Action<ModelBuilder> Before, Action<ModelBuilder> After)
{
    /// <summary>Why EF Core's SQLite provider cannot build this change, or null when it can.</summary>
    public string? NotOnSqlite { get; init; }

    /// <summary>Why EF Core's PostgreSQL provider (Npgsql) cannot build this change, or null when it can.</summary>
    public string? NotOnPostgres { get; init; }

    /// <summary>
    /// Why the provider cannot generate the way back, or null when it can. Such a case proves
    /// instead that `downgrade -1` fails in one clear line and leaves the schema as it was.
    /// </summary>
    public string? DowngradeRefused { get; init; }

    public override string ToString() => Name;
}
