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

    /// <summary>PostgreSQL: seconds a statement may wait for a lock (<c>--lock-timeout</c>); 0 for none. Null: the runner's default.</summary>
    public double? LockTimeout { get; init; }

    /// <summary>PostgreSQL: retries of a revision that hit the lock timeout (<c>--retries</c>). Null: the runner's default.</summary>
    public int? Retries { get; init; }

    /// <summary>PostgreSQL: seconds a statement may run (<c>--statement-timeout</c>); 0 for none. Null: the server's setting.</summary>
    public double? StatementTimeout { get; init; }

    /// <summary>The connection goes through a pooler in transaction mode (<c>--transaction-pooler</c>): runs refuse.</summary>
    public bool? TransactionPooler { get; init; }

    /// <summary>The four settings above, checked.</summary>
    public Commands.LiveDatabaseChoices LiveDatabase => new(
        Seconds(LockTimeout, "lockTimeout"),
        Retries is < 0 ? throw Invalid("retries", "a whole number, 0 or more", Retries.Value) : Retries,
        Seconds(StatementTimeout, "statementTimeout"),
        TransactionPooler == true);

    private static TimeSpan? Seconds(double? seconds, string name)
        => seconds is null ? null
            : seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds.Value)
            : throw Invalid(name, "a number of seconds, 0 or more", seconds.Value);

    private static MigrationKitException Invalid(string name, string what, double value)
        => new($"\"{name}\" in {FileName} must be {what}, not {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");

    /// <summary>Lint before `upgrade`: <c>"lint": {"strict": true}</c> makes unacknowledged findings stop it.</summary>
    public LintToolSettings? Lint { get; init; }

    /// <summary>`upgrade` and `downgrade` stop before a revision that would lose data, as with `--refuse-data-loss`.</summary>
    public bool RefuseDataLoss { get; init; }

    /// <summary>`upgrade --backup` and `downgrade --backup` by default in the environments named, and where backups go.</summary>
    public BackupSettings? Backup { get; init; }

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

/// <summary>The <c>"lint"</c> section of <c>migratekit.json</c>.</summary>
internal sealed record LintToolSettings
{
    /// <summary>`upgrade` fails before running anything when lint finds what no revision acknowledges (as `upgrade --strict`).</summary>
    public bool Strict { get; init; }
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

/// <summary>The <c>"backup"</c> group of <c>migratekit.json</c>: <c>{"environments": ["Production"], "directory": "backups"}</c>.</summary>
internal sealed record BackupSettings
{
    /// <summary>`upgrade` and `downgrade` back up as with `--backup` when the environment (`--environment`, $DOTNET_ENVIRONMENT, $ASPNETCORE_ENVIRONMENT) is one of these, in any case.</summary>
    public List<string>? Environments { get; init; }

    /// <summary>Folder, relative to the project, of timestamped backups; default beside a SQLite file, else <c>backups</c>.</summary>
    public string? Directory { get; init; }

    /// <summary>PostgreSQL: the pg_dump to run, relative to the project (<c>--pg-dump</c>); default the one on PATH.</summary>
    public string? PgDump { get; init; }
}

/// <summary>The <c>autogenerate</c> group of <c>migratekit.json</c>.</summary>
internal sealed record AutogenerateSettings
{
    /// <summary>Every new index on an existing table is built with CREATE INDEX CONCURRENTLY (PostgreSQL).</summary>
    public bool ConcurrentIndexes { get; init; }

    /// <summary>Every new foreign key on an existing table is added NOT VALID, then validated in a transaction of its own (PostgreSQL).</summary>
    public bool NotValidForeignKeys { get; init; }

    /// <summary>Snapshots are written as C# (<c>BuildTargetModel</c>) in the revision, as before data snapshots; autogenerate and merge.</summary>
    [JsonPropertyName("csharpSnapshots")]
    public bool CSharpSnapshots { get; init; }
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
