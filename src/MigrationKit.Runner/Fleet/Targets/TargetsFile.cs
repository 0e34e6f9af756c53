using System.Data.Common;
using System.Text;
using System.Text.Json;
using MigrationKit.Core;

namespace MigrationKit.Runner.Fleet.Targets;

/// <summary>
/// A targets file: a JSON list when it starts with <c>[</c>, else one connection string a line
/// (blank lines and lines starting with <c>#</c> skipped). A line is a connection string and only
/// that: names come with the JSON form. Every refusal names the file and the line, never the line's text.
/// </summary>
internal static class TargetsFile
{
    public static IReadOnlyList<FleetTarget> Read(string path, string? projectDirectory, DbProviderFactory? provider)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MigrationKitException($"Cannot read the targets file '{path}': {RevisionRunner.OneLine(e.Message)}");
        }

        var text = bytes.AsSpan();
        if (text.StartsWith(Encoding.UTF8.Preamble))
        {
            text = text[Encoding.UTF8.Preamble.Length..];
        }

        var entries = text.TrimStart(" \t\r\n"u8).StartsWith("["u8) ? JsonEntries(path, text.ToArray()) : LineEntries(Encoding.UTF8.GetString(text));
        var targets = new List<FleetTarget>(entries.Count);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var target = TargetConnections.Create(entry.Name, entry.Connection, entry.Schema, projectDirectory, provider, out var problem)
                         ?? throw new MigrationKitException($"{path} line {entry.Line}: {problem}");
            if (!lines.TryAdd(target.Name, entry.Line))
            {
                throw new MigrationKitException(
                    $"{path} line {entry.Line}: the target name '{target.Name}' is also the name on line {lines[target.Name]}; each target needs its own.",
                    "Name the targets in a JSON list: [{\"name\": \"...\", \"connection\": \"...\"}].");
            }

            targets.Add(target);
        }

        return targets;
    }

    private sealed record Entry(int Line, string? Name, string Connection, string? Schema);

    private static List<Entry> LineEntries(string text)
    {
        var entries = new List<Entry>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && trimmed[0] != '#')
            {
                entries.Add(new Entry(number, null, trimmed, null));
            }
        }

        return entries;
    }

    private static List<Entry> JsonEntries(string path, byte[] json)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, options);
        }
        catch (JsonException e)
        {
            // Its message may quote a character of the file; the line is enough.
            throw new MigrationKitException($"{path} line {e.LineNumber + 1}: not valid JSON.");
        }

        using (document)
        {
            var lines = ItemLines(json);
            var entries = new List<Entry>();
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                entries.Add(JsonEntry(path, lines[index++], item));
            }

            return entries;
        }
    }

    private static Entry JsonEntry(string path, int line, JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            return new Entry(line, null, item.GetString()!, null);
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new MigrationKitException($"{path} line {line}: an item is a connection string or an object with \"connection\" (and \"name\", \"schema\").");
        }

        string? name = null, connection = null, schema = null;
        foreach (var property in item.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw new MigrationKitException($"{path} line {line}: \"{property.Name}\" must be a string.");
            }

            var value = property.Value.GetString();
            switch (property.Name.ToLowerInvariant())
            {
                case "name": name = value; break;
                case "connection": connection = value; break;
                case "schema": schema = value; break;
                default:
                    throw new MigrationKitException($"{path} line {line}: unknown property \"{property.Name}\"; an item has \"name\", \"connection\" and \"schema\".");
            }
        }

        return string.IsNullOrWhiteSpace(connection)
            ? throw new MigrationKitException($"{path} line {line}: the item has no \"connection\".")
            : new Entry(line, name, connection, schema);
    }

    /// <summary>The line each item of the top-level list starts on (JsonDocument keeps no positions).</summary>
    private static List<int> ItemLines(byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var lines = new List<int>();
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return lines;
        }

        var line = 1;
        var counted = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            line += json.AsSpan(counted, start - counted).Count((byte)'\n');
            counted = start;
            lines.Add(line);
            reader.Skip();
        }

        return lines;
    }
}
