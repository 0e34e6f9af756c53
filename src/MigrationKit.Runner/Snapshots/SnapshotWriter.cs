using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Internal;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MigrationKit.Runner.Snapshots;

/// <summary>
/// Writes an EF Core model as a <see cref="SnapshotDocument"/>: what EF's C# snapshot writes of it
/// (names, store facets, annotations, keys, indexes, foreign keys, ownership, seed data as provider
/// values), with a property's type as the provider's when a converter maps it, as the C# snapshot does.
/// </summary>
/// <param name="keepAnnotation">
/// Which annotations are the model's configuration rather than EF's run-time bookkeeping (at
/// design time, the provider's annotation code generator decides, as for the C# snapshot).
/// </param>
internal sealed class SnapshotWriter(Func<IEnumerable<IAnnotation>, IEnumerable<IAnnotation>>? keepAnnotation = null)
{
    // EF keeps these core facets as annotations; the snapshot carries them (the C# one as fluent calls).
    private static readonly HashSet<string> CoreFacets = new(StringComparer.Ordinal)
    {
        CoreAnnotationNames.MaxLength, CoreAnnotationNames.Precision, CoreAnnotationNames.Scale, CoreAnnotationNames.Unicode,
        CoreAnnotationNames.DiscriminatorProperty, CoreAnnotationNames.DiscriminatorValue, CoreAnnotationNames.DiscriminatorMappingComplete,
        CoreAnnotationNames.ProductVersion,
    };

    // Written as parts of their own, not as annotations.
    private static readonly HashSet<string> Structural = new(StringComparer.Ordinal)
    {
        RelationalAnnotationNames.Sequences, RelationalAnnotationNames.CheckConstraints, RelationalAnnotationNames.DbFunctions,
    };

    public SnapshotDocument Write(IReadOnlyModel model)
    {
        var modelPart = new JsonObject { ["ann"] = Annotations(model, "the model") };
        var sequences = new JsonArray();
        foreach (var sequence in model.GetSequences())
        {
            var where = $"sequence {sequence.Name}";
            var node = new JsonObject { ["n"] = sequence.Name };
            Set(node, "s", sequence.ModelSchema);
            Set(node, "t", sequence.Type == typeof(long) ? null : SnapshotValues.TypeName(sequence.Type));
            node["start"] = sequence.StartValue;
            node["by"] = sequence.IncrementBy;
            if (sequence.MinValue is { } min)
            {
                node["min"] = min;
            }

            if (sequence.MaxValue is { } max)
            {
                node["max"] = max;
            }

            SetFlag(node, "cyclic", sequence.IsCyclic);
            AddAnnotations(node, sequence, where);
            sequences.Add(node);
        }

        if (sequences.Count > 0)
        {
            modelPart["seq"] = sequences;
        }

        var entities = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var entityType in model.GetEntityTypes())
        {
            entities[entityType.Name] = Entity(entityType);
        }

        return new SnapshotDocument(modelPart, entities);
    }

    private JsonObject Entity(IReadOnlyEntityType entityType)
    {
        var where = $"entity type {entityType.Name}";
        if (entityType.GetDeclaredComplexProperties().FirstOrDefault() is { } complex)
        {
            throw new SnapshotFormatException($"{where} has the complex property {complex.Name}, which the data form does not carry");
        }

        var node = new JsonObject();
        Set(node, "base", entityType.BaseType?.Name);
        SetFlag(node, "owned", entityType.IsOwned());

        var annotations = Annotations(entityType, where);
        // The table is named even when a convention named it: no convention runs on a snapshot.
        var tableName = entityType.FindAnnotation(RelationalAnnotationNames.TableName);
        if (entityType.BaseType is null || tableName?.Value is not null)
        {
            annotations[RelationalAnnotationNames.TableName] = (string?)tableName?.Value ?? entityType.GetTableName();
            if (entityType.GetSchema() is { } schema)
            {
                annotations[RelationalAnnotationNames.Schema] = schema;
            }
        }

        if (annotations.Count > 0)
        {
            node["ann"] = annotations;
        }

        var properties = new JsonArray();
        foreach (var property in entityType.GetDeclaredProperties())
        {
            properties.Add(Property(property));
        }

        node["props"] = properties;

        var keys = new JsonArray();
        foreach (var key in entityType.GetDeclaredKeys())
        {
            var keyNode = new JsonObject { ["p"] = Names(key.Properties) };
            SetFlag(keyNode, "pk", key.IsPrimaryKey());
            AddAnnotations(keyNode, key, $"a key of {entityType.Name}");
            keys.Add(keyNode);
        }

        SetArray(node, "keys", keys);

        var indexes = new JsonArray();
        foreach (var index in entityType.GetDeclaredIndexes())
        {
            var indexNode = new JsonObject { ["p"] = Names(index.Properties) };
            Set(indexNode, "n", index.Name);
            SetFlag(indexNode, "u", index.IsUnique);
            if (index.IsDescending is { } descending)
            {
                indexNode["d"] = new JsonArray(descending.Select(d => (JsonNode?)d).ToArray());
            }

            AddAnnotations(indexNode, index, $"an index of {entityType.Name}");
            indexes.Add(indexNode);
        }

        SetArray(node, "idx", indexes);

        var foreignKeys = new JsonArray();
        foreach (var foreignKey in entityType.GetDeclaredForeignKeys())
        {
            var fkNode = new JsonObject
            {
                ["p"] = Names(foreignKey.Properties),
                ["to"] = foreignKey.PrincipalEntityType.Name,
                ["k"] = Names(foreignKey.PrincipalKey.Properties),
                ["del"] = foreignKey.DeleteBehavior.ToString(),
            };
            SetFlag(fkNode, "u", foreignKey.IsUnique);
            SetFlag(fkNode, "req", foreignKey.IsRequired);
            SetFlag(fkNode, "reqdep", foreignKey.IsRequiredDependent);
            SetFlag(fkNode, "own", foreignKey.IsOwnership);
            // Navigations as the C# snapshot keeps them for relational purposes: an owned type's
            // columns are named after its navigation.
            if (foreignKey.IsOwnership)
            {
                Set(fkNode, "nav", foreignKey.DependentToPrincipal?.Name);
                Set(fkNode, "inv", foreignKey.PrincipalToDependent?.Name);
            }

            AddAnnotations(fkNode, foreignKey, $"a foreign key of {entityType.Name}");
            foreignKeys.Add(fkNode);
        }

        SetArray(node, "fks", foreignKeys);

        var checks = new JsonArray();
        foreach (var check in entityType.GetDeclaredCheckConstraints())
        {
            var checkNode = new JsonObject { ["n"] = check.ModelName, ["sql"] = check.Sql };
            if (check.Name != check.ModelName)
            {
                checkNode["db"] = check.Name;
            }

            AddAnnotations(checkNode, check, $"check constraint {check.ModelName}");
            checks.Add(checkNode);
        }

        SetArray(node, "checks", checks);

        var rows = new JsonArray();
        foreach (var row in entityType.GetSeedData(providerValues: true))
        {
            var rowNode = new JsonObject();
            foreach (var (name, value) in row.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                rowNode[name] = SnapshotValues.Write(value, $"seed data of {entityType.Name}") ?? JsonValue.Create((string?)null);
            }

            rows.Add(rowNode);
        }

        SetArray(node, "data", rows);
        return node;
    }

    private JsonObject Property(IReadOnlyProperty property)
    {
        var where = $"property {property.DeclaringType.Name}.{property.Name}";
        var converter = Converter(property);
        var clrType = converter is null ? property.ClrType
            : property.IsNullable && converter.ProviderClrType.IsValueType && Nullable.GetUnderlyingType(converter.ProviderClrType) is null
                ? typeof(Nullable<>).MakeGenericType(converter.ProviderClrType)
                : converter.ProviderClrType;
        var node = new JsonObject { ["n"] = property.Name, ["t"] = SnapshotValues.TypeName(clrType) };
        SetFlag(node, "null", property.IsNullable);
        if (property.ValueGenerated != ValueGenerated.Never)
        {
            node["gen"] = property.ValueGenerated.ToString();
        }

        SetFlag(node, "conc", property.IsConcurrencyToken);
        var annotations = Annotations(property, where);
        // The store type EF resolved, so the read model needs no type mapping source to say it.
        if (!annotations.ContainsKey(RelationalAnnotationNames.ColumnType) && property.GetColumnType() is { } columnType)
        {
            annotations[RelationalAnnotationNames.ColumnType] = columnType;
        }

        if (converter is not null && property.FindAnnotation(RelationalAnnotationNames.DefaultValue)?.Value is { } defaultValue
            && defaultValue != DBNull.Value)
        {
            annotations[RelationalAnnotationNames.DefaultValue] = SnapshotValues.Write(converter.ConvertToProvider(defaultValue), where);
        }

        if (annotations.Count > 0)
        {
            node["ann"] = annotations;
        }

        return node;
    }

    private static ValueConverter? Converter(IReadOnlyProperty property)
        => property.GetValueConverter() ?? (property as IProperty)?.FindTypeMapping()?.Converter;

    private JsonObject Annotations(IReadOnlyAnnotatable annotatable, string where)
    {
        var all = annotatable.GetAnnotations().ToList();
        var kept = (keepAnnotation?.Invoke(all) ?? all.Where(a => !CoreAnnotationNames.AllNames.Contains(a.Name)))
            .Concat(all.Where(a => CoreFacets.Contains(a.Name)))
            .Where(a => !Structural.Contains(a.Name))
            .DistinctBy(a => a.Name)
            .OrderBy(a => a.Name, StringComparer.Ordinal);
        var node = new JsonObject();
        foreach (var annotation in kept)
        {
            node[annotation.Name] = SnapshotValues.Write(annotation.Value, $"annotation {annotation.Name} of {where}") ?? JsonValue.Create((string?)null);
        }

        return node;
    }

    private void AddAnnotations(JsonObject node, IReadOnlyAnnotatable annotatable, string where)
    {
        var annotations = Annotations(annotatable, where);
        if (annotations.Count > 0)
        {
            node["ann"] = annotations;
        }
    }

    private static JsonArray Names(IEnumerable<IReadOnlyProperty> properties)
        => new(properties.Select(p => (JsonNode?)p.Name).ToArray());

    private static void Set(JsonObject node, string name, string? value)
    {
        if (value is not null)
        {
            node[name] = value;
        }
    }

    private static void SetFlag(JsonObject node, string name, bool value)
    {
        if (value)
        {
            node[name] = true;
        }
    }

    private static void SetArray(JsonObject node, string name, JsonArray array)
    {
        if (array.Count > 0)
        {
            node[name] = array;
        }
    }
}
