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
internal sealed record ManifestTable(string Table, string File, IReadOnlyList<string> Columns, long Rows, string Checksum);
