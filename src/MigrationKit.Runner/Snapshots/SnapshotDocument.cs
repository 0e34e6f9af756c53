using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MigrationKit.Core;

namespace MigrationKit.Runner.Snapshots;

/// <summary>
/// A model snapshot as data: the model's own part (annotations, sequences) and one JSON object per
/// entity type, by name. On disk either whole, or as what differs from a base model (the revision's
/// first parent's): entity types added or changed (each whole), removed, and the model's part.
/// </summary>
internal sealed class SnapshotDocument(JsonObject model, SortedDictionary<string, JsonObject> entities)
{
    private const int FormatVersion = 1;

    public JsonObject Model { get; } = model;

    public SortedDictionary<string, JsonObject> Entities { get; } = entities;

    /// <summary>A file's JSON, its format version checked.</summary>
    public static JsonObject Parse(string text)
    {
        var root = JsonNode.Parse(text)?.AsObject() ?? throw new MigrationKitException("A data snapshot is empty.");
        return (int?)root["v"] == FormatVersion ? root
            : throw new MigrationKitException(
                $"A data snapshot has format version {root["v"]}, which this MigrationKit does not read (it reads {FormatVersion}).",
                "Update MigrationKit.");
    }

    /// <summary>Whether a file holds a difference from a base model rather than a whole one.</summary>
    public static bool IsDelta(JsonObject file) => file["delta"] is not null;

    /// <summary>The whole model, written with nothing left to a base.</summary>
    public string ToFullText() => Serialize(Model, Entities, removed: null);

    /// <summary>
    /// What differs from <paramref name="baseModel"/>: null when nothing does (the revision then
    /// records no snapshot of its own and carries its parent's forward).
    /// </summary>
    public string? ToDeltaText(SnapshotDocument baseModel)
    {
        var changed = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (name, entity) in Entities)
        {
            if (!baseModel.Entities.TryGetValue(name, out var before) || !JsonNode.DeepEquals(before, entity))
            {
                changed[name] = entity;
            }
        }

        var removed = baseModel.Entities.Keys.Where(name => !Entities.ContainsKey(name)).ToList();
        return changed.Count == 0 && removed.Count == 0 && JsonNode.DeepEquals(baseModel.Model, Model)
            ? null
            : Serialize(Model, changed, removed);
    }

    /// <summary>Reads a whole document; a delta needs the base it applies to.</summary>
    public static SnapshotDocument Read(JsonObject root, Func<SnapshotDocument?> baseModel)
    {
        var entities = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        if (IsDelta(root))
        {
            var based = baseModel() ?? throw new MigrationKitException(
                "A data snapshot holds only changes, and the revision it builds on has no model.",
                "Write the snapshot again in full: run autogenerate's revision again, or keep a C# snapshot.");
            foreach (var (name, entity) in based.Entities)
            {
                entities[name] = entity;
            }

            foreach (var name in root["removed"]?.AsArray() ?? [])
            {
                entities.Remove((string)name!);
            }
        }

        foreach (var (name, entity) in root["entities"]?.AsObject() ?? [])
        {
            entities[name] = entity!.AsObject();
        }

        return new SnapshotDocument(root["model"]!.AsObject(), entities);
    }

    private static string Serialize(JsonObject model, SortedDictionary<string, JsonObject> entities, List<string>? removed)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            if (removed is not null)
            {
                writer.WriteBoolean("delta", true);
                if (removed.Count > 0)
                {
                    writer.WriteStartArray("removed");
                    removed.ForEach(writer.WriteStringValue);
                    writer.WriteEndArray();
                }
            }

            writer.WritePropertyName("model");
            model.WriteTo(writer);
            writer.WriteStartObject("entities");
            foreach (var (name, entity) in entities)
            {
                writer.WritePropertyName(name);
                entity.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
