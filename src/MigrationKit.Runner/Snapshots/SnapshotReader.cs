using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using MigrationKit.Core;

namespace MigrationKit.Runner.Snapshots;

/// <summary>
/// Builds the model a <see cref="SnapshotDocument"/> describes through EF Core's metadata API, on
/// a model builder without conventions, as a C# snapshot's <c>BuildTargetModel</c> builds its own:
/// entity types as property bags named as the app's types, then their foreign keys, then seed data.
/// </summary>
internal static class SnapshotReader
{
    /// <param name="types">Resolves the app's types (enums the provider maps as they are) in the app's load context.</param>
    public static IMutableModel Build(SnapshotDocument document, Assembly types)
    {
        var model = new ModelBuilder().Model;
        SetAnnotations(model, document.Model["ann"], types);
        foreach (var node in document.Model["seq"]?.AsArray() ?? [])
        {
            var sequence = model.AddSequence((string)node!["n"]!, (string?)node["s"]);
            if ((string?)node["t"] is { } type)
            {
                sequence.Type = SnapshotValues.ResolveType(type, types);
            }

            sequence.StartValue = (long)node["start"]!;
            sequence.IncrementBy = (int)node["by"]!;
            sequence.MinValue = (long?)node["min"];
            sequence.MaxValue = (long?)node["max"];
            sequence.IsCyclic = node["cyclic"] is not null;
            SetAnnotations(sequence, node["ann"], types);
        }

        var entityTypes = new Dictionary<string, IMutableEntityType>(StringComparer.Ordinal);
        foreach (var (name, node) in InCreationOrder(document.Entities))
        {
            var entityType = node["owned"] is null ? model.AddEntityType(name) : model.AddOwnedEntityType(name);
            entityTypes[name] = entityType;
            if ((string?)node["base"] is { } baseName)
            {
                entityType.BaseType = entityTypes[baseName];
            }

            foreach (var propertyNode in node["props"]?.AsArray() ?? [])
            {
                var property = entityType.AddIndexerProperty((string)propertyNode!["n"]!, SnapshotValues.ResolveType((string)propertyNode["t"]!, types));
                property.IsNullable = propertyNode["null"] is not null;
                if ((string?)propertyNode["gen"] is { } generated)
                {
                    property.ValueGenerated = Enum.Parse<ValueGenerated>(generated);
                }

                property.IsConcurrencyToken = propertyNode["conc"] is not null;
                SetAnnotations(property, propertyNode["ann"], types);
            }

            foreach (var keyNode in node["keys"]?.AsArray() ?? [])
            {
                var properties = Properties(entityType, keyNode!["p"]);
                var key = keyNode["pk"] is null ? entityType.AddKey(properties) : entityType.SetPrimaryKey(properties)!;
                SetAnnotations(key, keyNode["ann"], types);
            }

            foreach (var indexNode in node["idx"]?.AsArray() ?? [])
            {
                var properties = Properties(entityType, indexNode!["p"]);
                var index = (string?)indexNode["n"] is { } indexName ? entityType.AddIndex(properties, indexName) : entityType.AddIndex(properties);
                index.IsUnique = indexNode["u"] is not null;
                index.IsDescending = indexNode["d"]?.AsArray().Select(d => (bool)d!).ToArray();
                SetAnnotations(index, indexNode["ann"], types);
            }

            foreach (var checkNode in node["checks"]?.AsArray() ?? [])
            {
                var check = entityType.AddCheckConstraint((string)checkNode!["n"]!, (string)checkNode["sql"]!);
                if ((string?)checkNode["db"] is { } databaseName)
                {
                    check.Name = databaseName;
                }

                SetAnnotations(check, checkNode["ann"], types);
            }

            // After the properties: a discriminator annotation names one.
            SetAnnotations(entityType, node["ann"], types);
        }

        foreach (var (name, node) in document.Entities)
        {
            var entityType = entityTypes[name];
            foreach (var fkNode in node["fks"]?.AsArray() ?? [])
            {
                var principal = entityTypes[(string)fkNode!["to"]!];
                var principalKey = principal.FindKey(Properties(principal, fkNode["k"]))
                                   ?? throw Corrupt($"a foreign key of {name} references a key {principal.Name} does not have");
                var foreignKey = entityType.AddForeignKey(Properties(entityType, fkNode["p"]), principalKey, principal);
                foreignKey.DeleteBehavior = Enum.Parse<DeleteBehavior>((string)fkNode["del"]!);
                foreignKey.IsUnique = fkNode["u"] is not null;
                foreignKey.IsRequired = fkNode["req"] is not null;
                foreignKey.IsRequiredDependent = fkNode["reqdep"] is not null;
                if ((string?)fkNode["nav"] is { } navigation)
                {
                    foreignKey.SetDependentToPrincipal(navigation);
                }

                if ((string?)fkNode["inv"] is { } inverse)
                {
                    foreignKey.SetPrincipalToDependent(inverse);
                }

                // After the navigations: EF refuses an ownership without one.
                foreignKey.IsOwnership = fkNode["own"] is not null;

                SetAnnotations(foreignKey, fkNode["ann"], types);
            }
        }

        foreach (var (name, node) in document.Entities)
        {
            if (node["data"] is JsonArray rows)
            {
                entityTypes[name].AddData(rows.Select(row => (object)row!.AsObject().ToDictionary(
                    value => value.Key, value => SnapshotValues.Read(value.Value, types))).ToList());
            }
        }

        return model;
    }

    /// <summary>Base types before derived ones, owners before the types they own.</summary>
    private static List<(string Name, JsonObject Node)> InCreationOrder(SortedDictionary<string, JsonObject> entities)
    {
        var ordered = new List<(string, JsonObject)>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(string name, int depth)
        {
            if (placed.Contains(name))
            {
                return;
            }

            if (depth > entities.Count || !entities.TryGetValue(name, out var node))
            {
                throw Corrupt($"entity type {name} is named but not described, or is its own base or owner");
            }

            foreach (var dependsOn in Prerequisites(node))
            {
                Place(dependsOn, depth + 1);
            }

            placed.Add(name);
            ordered.Add((name, node));
        }

        foreach (var name in entities.Keys)
        {
            Place(name, 0);
        }

        return ordered;
    }

    private static IEnumerable<string> Prerequisites(JsonObject node)
    {
        if ((string?)node["base"] is { } baseName)
        {
            yield return baseName;
        }

        foreach (var fk in node["fks"]?.AsArray() ?? [])
        {
            if (fk!["own"] is not null)
            {
                yield return (string)fk["to"]!;
            }
        }
    }

    private static List<IMutableProperty> Properties(IMutableEntityType entityType, JsonNode? names)
        => names!.AsArray().Select(n => entityType.FindProperty((string)n!)
                                        ?? throw Corrupt($"{entityType.Name} has no property {n}")).ToList();

    private static void SetAnnotations(IMutableAnnotatable annotatable, JsonNode? annotations, Assembly types)
    {
        foreach (var (name, value) in annotations?.AsObject() ?? [])
        {
            annotatable.SetAnnotation(name, SnapshotValues.Read(value, types));
        }
    }

    private static MigrationKitException Corrupt(string what) => new(
        $"A data snapshot is inconsistent: {what}.", "Restore the .model.json file from version control.");
}
