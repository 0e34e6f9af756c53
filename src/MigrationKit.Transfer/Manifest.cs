using System.Text.Json;
using System.Text.Json.Serialization;
using MigrationKit.Core;

namespace MigrationKit.Transfer;

/// <summary>
/// manifest.json beside an export's CSV files: the revision the data belongs to, and per table its
/// file, columns, row count and checksum, which import checks the loaded rows against.
/// </summary>
internal sealed record Manifest(IReadOnlyList<string> Revision, IReadOnlyList<ManifestTable> Tables)
{
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Refuses a database at another revision than the export's.</summary>
    public void RequireRevision(IReadOnlyList<string> revision)
    {
        if (!revision.SequenceEqual(Revision, StringComparer.Ordinal))
        {
            throw new MigrationKitException(
                $"The export is of revision {Describe(Revision)}, and the database is at {Describe(revision)}.",
                $"Upgrade or downgrade the database to {Describe(Revision)} first.");
        }
    }

    /// <summary>Refuses a table's loaded rows that are not the exported ones.</summary>
    public static void RequireMatch(string table, ManifestTable entry, long rows, bool sameChecksum)
    {
        if (rows != entry.Rows || !sameChecksum)
        {
            throw new MigrationKitException(
                $"{table} does not match the manifest after loading ({rows} rows, the manifest says {entry.Rows}, checksums {(sameChecksum ? "equal" : "differ")}); it was left as it was.",
                "The CSV file was changed after the export, or a trigger in the database changed the rows.");
        }
    }

    /// <summary>Refuses to write over an export (its manifest) unless asked to: its files would be replaced one by one.</summary>
    public static void RequireNoExport(string directory, bool overwrite)
    {
        if (!overwrite && File.Exists(Path.Combine(directory, FileName)))
        {
            throw new MigrationKitException(
                $"{directory} already holds an export ({FileName}).",
                "Pass --overwrite to replace it, or give another folder.");
        }
    }

    private static string Describe(IReadOnlyList<string> revision) => revision.Count == 0 ? "none" : string.Join(" + ", revision);

    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        await using var file = File.Create(Path.Combine(directory, FileName));
        await JsonSerializer.SerializeAsync(file, this, Json, cancellationToken);
    }

    public static async Task<Manifest> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new MigrationKitException($"{path} does not exist.", "Give the folder `export` wrote.");
        }

        try
        {
            await using var file = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<Manifest>(file, Json, cancellationToken)
                ?? throw new MigrationKitException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new MigrationKitException($"{path} is not a manifest `export` wrote: {e.Message}");
        }
    }
}

/// <param name="Table">The table's display name (schema.name outside the default schema).</param>
/// <param name="Checksum">PostgreSQL's own checksum of the rows (<see cref="Postgres.Checksums"/>); null in an export from SQLite.</param>
/// <param name="ValueChecksum">
/// The checksum of the rows' values in their canonical form (<see cref="Rows.RowChecksum"/>), which
/// either engine can compute; null when a column's type has no CSV spelling both read.
/// </param>
internal sealed record ManifestTable(string Table, string File, IReadOnlyList<string> Columns, long Rows, string? Checksum, string? ValueChecksum = null);
