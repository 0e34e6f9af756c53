using System.Data.Common;
using System.Text.RegularExpressions;
using MigrationKit.Core;
using MigrationKit.Runner.Database;

namespace MigrationKit.Runner.Fleet.Targets;

/// <summary>
/// What every target source does to a connection string it was given: check it parses, name the
/// target when no name was given, anchor a relative SQLite file, and refuse a name given twice.
/// Messages never quote a connection string (it may hold a password).
/// </summary>
internal static class TargetConnections
{
    private static readonly string[] DatabaseKeys = ["Database", "Initial Catalog", "DB"];
    private static readonly string[] HostKeys = ["Host", "Server", "Data Source"];
    private static readonly string[] FileKeys = ["Data Source", "DataSource", "Filename"];

    /// <summary>
    /// A target for <paramref name="connectionString"/>, or the reason it cannot be one (<paramref name="problem"/>),
    /// worded to follow "file line N: ". <paramref name="provider"/>, when known, parses it too, so an unknown keyword is named here.
    /// </summary>
    public static FleetTarget? Create(string? name, string connectionString, string? schema, string? projectDirectory,
        DbProviderFactory? provider, out string? problem)
    {
        DbConnectionStringBuilder parsed;
        try
        {
            parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (ArgumentException)
        {
            problem = "not a connection string (keyword=value pairs separated by ';').";
            return null;
        }

        if (provider?.CreateConnectionStringBuilder() is { } builder)
        {
            if (parsed.Keys.Cast<string>().FirstOrDefault(k => !builder.ContainsKey(k)) is { } unknown)
            {
                problem = $"the connection string has an unknown keyword '{unknown}'.";
                return null;
            }

            try
            {
                builder.ConnectionString = connectionString;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
            {
                problem = "the connection string has a value its provider does not accept.";
                return null;
            }
        }

        name = string.IsNullOrWhiteSpace(name) ? DefaultName(parsed) : name.Trim();
        if (name is null)
        {
            problem = "the connection string names no database (Database=... or Data Source=...).";
            return null;
        }

        problem = null;
        return new FleetTarget(name, IsFile(parsed) && projectDirectory is not null
            ? SqliteDialect.AnchoredAt(connectionString, projectDirectory) ?? connectionString
            : connectionString, string.IsNullOrWhiteSpace(schema) ? null : schema);
    }

    /// <summary>host/database for a server's database, the file name for a SQLite file; null when neither is named.</summary>
    private static string? DefaultName(DbConnectionStringBuilder parsed)
    {
        if (Value(parsed, DatabaseKeys) is { } database)
        {
            return Value(parsed, HostKeys) is { } host ? host + "/" + database : database;
        }

        return Value(parsed, FileKeys) is { } file ? Path.GetFileName(file.TrimEnd('/', '\\')) is { Length: > 0 } fileName ? fileName : file : null;
    }

    /// <summary>A SQLite-style string: a file, no database on a server.</summary>
    private static bool IsFile(DbConnectionStringBuilder parsed) => Value(parsed, DatabaseKeys) is null && Value(parsed, FileKeys) is not null;

    private static string? Value(DbConnectionStringBuilder parsed, string[] keys)
        => keys.Select(k => parsed.TryGetValue(k, out var value) ? value as string : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary><paramref name="template"/> with its database (PostgreSQL) or file (SQLite) replaced, all else kept.</summary>
    public static string WithDatabase(string template, string database, bool file)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = template };
        foreach (var key in file ? FileKeys : DatabaseKeys)
        {
            builder.Remove(key);
        }

        builder[file ? "Data Source" : "Database"] = database;
        return builder.ConnectionString;
    }

    /// <summary>A name pattern with <c>*</c> (any run of characters) and <c>?</c> (one character); everything else literal.</summary>
    public static Regex Wildcard(string pattern)
        => new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

    /// <summary>The first name given twice, with the indexes of both, for a one-line refusal.</summary>
    public static (string Name, int First, int Second)? Duplicate(IReadOnlyList<FleetTarget> targets)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < targets.Count; i++)
        {
            if (!seen.TryAdd(targets[i].Name, i))
            {
                return (targets[i].Name, seen[targets[i].Name], i);
            }
        }

        return null;
    }

    /// <summary>Refuses a fleet whose names are not unique, naming the first such name and where it comes from.</summary>
    public static IReadOnlyList<FleetTarget> Unique(IReadOnlyList<FleetTarget> targets, string source)
        => Duplicate(targets) is { } twice
            ? throw new MigrationKitException($"The target name '{twice.Name}' appears twice in {source}; each target needs its own name.",
                "Give the targets names of their own.")
            : targets;
}
