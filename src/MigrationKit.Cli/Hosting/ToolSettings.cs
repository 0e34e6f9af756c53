using System.Text.Json;
using System.Text.Json.Serialization;
using MigrationKit.Core;

namespace MigrationKit.Cli.Hosting;

/// <summary>The project's <c>migratekit.json</c>, written by <c>init</c>; every setting has a default.</summary>
internal sealed record ToolSettings
{
    public const string FileName = "migratekit.json";

    /// <summary>Folder, relative to the project, where new revisions are written.</summary>
    public string VersionPath { get; init; } = "Revisions";

    /// <summary>Namespace of new revisions; default the project's root namespace plus the folder.</summary>
    public string? Namespace { get; init; }

    /// <summary>The DbContext to use when the app has several.</summary>
    public string? Context { get; init; }

    public string VersionTable { get; init; } = Runner.Database.VersionTable.DefaultName;

    /// <summary>Hex digits in generated revision ids.</summary>
    public int RevisionIdLength { get; init; } = 12;

    /// <summary>`upgrade` and `downgrade` stop before a revision that would lose data, as with `--refuse-data-loss`.</summary>
    public bool RefuseDataLoss { get; init; }

    /// <summary>The safe forms autogenerate writes for a live PostgreSQL database; all off by default.</summary>
    public AutogenerateSettings? Autogenerate { get; init; }

    /// <summary>
    /// The contexts that keep revisions of their own (`init --context`), by the name given there:
    /// the settings above are the default context's (<see cref="ContextChoice"/>).
    /// </summary>
    public Dictionary<string, ContextSettings>? Contexts { get; init; }

    /// <summary>The own settings of the context with this full type name; null when it has none (the default context).</summary>
    public ContextSettings? OwnSettingsOf(string contextFullName)
        => Contexts?.Where(c => ContextChoice.Names(contextFullName, c.Key)).Select(c => c.Value).FirstOrDefault();

    public static ToolSettings Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, FileName);
        if (!File.Exists(path))
        {
            return new ToolSettings();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ToolSettingsJson.Default.ToolSettings) ?? new ToolSettings();
        }
        catch (JsonException e)
        {
            throw new MigrationKitException($"Cannot read {path}: {e.Message}", "Fix the JSON, or delete the file and run `init`.");
        }
    }

    public void Save(string projectDirectory)
        => File.WriteAllText(Path.Combine(projectDirectory, FileName), JsonSerializer.Serialize(this, ToolSettingsJson.Default.ToolSettings) + Environment.NewLine);

    public string NamespaceFor(string rootNamespace, string versionPath)
        => Namespace ?? string.Join('.', new[] { rootNamespace }
            .Concat(versionPath.Split('/', '\\').Where(p => p.Length > 0 && p != "."))
            .Where(p => p.Length > 0));
}

/// <summary>Where a context that keeps revisions of its own keeps them.</summary>
internal sealed record ContextSettings
{
    /// <summary>Folder, relative to the project, where the context's new revisions are written.</summary>
    public string VersionPath { get; init; } = "";

    /// <summary>Namespace of the context's new revisions; default the project's root namespace plus the folder.</summary>
    public string? Namespace { get; init; }

    public string VersionTable { get; init; } = "";
}

/// <summary>The <c>autogenerate</c> group of <c>migratekit.json</c>.</summary>
internal sealed record AutogenerateSettings
{
    /// <summary>Every new index on an existing table is built with CREATE INDEX CONCURRENTLY (PostgreSQL).</summary>
    public bool ConcurrentIndexes { get; init; }

    /// <summary>Every new foreign key on an existing table is added NOT VALID, then validated in a transaction of its own (PostgreSQL).</summary>
    public bool NotValidForeignKeys { get; init; }
}

/// <summary>
/// The JSON of <see cref="ToolSettings"/>, generated at compile time: every command reads the
/// file, and the reflection-based serializer costs a run more time to set up than the read.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ToolSettings))]
internal sealed partial class ToolSettingsJson : JsonSerializerContext;
