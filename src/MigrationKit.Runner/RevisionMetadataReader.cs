using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using MigrationKit.Core;

namespace MigrationKit.Runner;

/// <summary>
/// Reads the [Revision] attributes of an assembly file straight from its metadata, without
/// loading it or anything it references. Graph-only commands (heads, history, revision, ...)
/// answer this way in milliseconds, with no EF Core and no second process.
/// </summary>
public static class RevisionMetadataReader
{
    private const string Namespace = "MigrationKit";

    /// <summary>Every revision in the assembly; <see cref="RevisionInfo.Source"/> holds the class's runtime type name.</summary>
    public static IReadOnlyList<RevisionInfo> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new MigrationKitException($"'{assemblyPath}' is not a .NET assembly.");
        }

        var metadata = pe.GetMetadataReader();
        var revisions = new List<RevisionInfo>();
        var revisionClasses = RevisionClasses(metadata);
        foreach (var handle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(handle);
            var attribute = FindRevisionAttribute(metadata, type);
            if (attribute is null)
            {
                if (revisionClasses.Contains(handle) && (type.Attributes & System.Reflection.TypeAttributes.Abstract) == 0)
                {
                    throw RevisionCatalog.MissingAttribute(TypeName(metadata, type));
                }

                continue;
            }

            revisions.Add(ToInfo(attribute.Value, TypeName(metadata, type)));
        }

        return revisions;
    }

    private static RevisionInfo ToInfo(CustomAttributeValue<ArgumentType> value, string typeName)
    {
        var id = (string?)value.FixedArguments[0].Value ?? "";
        string[] parents = [], labels = [], dependsOn = [];
        string message = "";
        string? created = null;
        foreach (var argument in value.NamedArguments)
        {
            switch (argument.Name)
            {
                case nameof(RevisionAttribute.Parents): parents = Strings(argument.Value); break;
                case nameof(RevisionAttribute.BranchLabels): labels = Strings(argument.Value); break;
                case nameof(RevisionAttribute.DependsOn): dependsOn = Strings(argument.Value); break;
                case nameof(RevisionAttribute.Message): message = (string?)argument.Value ?? ""; break;
                case nameof(RevisionAttribute.Created): created = (string?)argument.Value; break;
            }
        }

        return RevisionCatalog.ToInfo(id, parents, message, created, labels, dependsOn, typeName);
    }

    private static string[] Strings(object? value)
        => value is ImmutableArray<CustomAttributeTypedArgument<ArgumentType>> items
            ? items.Select(i => (string?)i.Value ?? "").ToArray()
            : [];

    private static CustomAttributeValue<ArgumentType>? FindRevisionAttribute(MetadataReader metadata, TypeDefinition type)
    {
        foreach (var handle in type.GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind == HandleKind.MemberReference
                && metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent
                && IsMigrationKitType(metadata, (TypeReferenceHandle)parent, nameof(RevisionAttribute)))
            {
                return attribute.DecodeValue(ArgumentTypeProvider.Instance);
            }
        }

        return null;
    }

    /// <summary>Classes of this assembly that derive from <see cref="Revision"/>, directly or through each other.</summary>
    internal static HashSet<TypeDefinitionHandle> RevisionClasses(MetadataReader metadata)
    {
        var found = new HashSet<TypeDefinitionHandle>();
        bool added;
        do
        {
            added = false;
            foreach (var handle in metadata.TypeDefinitions)
            {
                if (found.Contains(handle))
                {
                    continue;
                }

                var baseType = metadata.GetTypeDefinition(handle).BaseType;
                var isRevision = baseType.Kind switch
                {
                    HandleKind.TypeReference => IsMigrationKitType(metadata, (TypeReferenceHandle)baseType, nameof(Revision)),
                    HandleKind.TypeDefinition => found.Contains((TypeDefinitionHandle)baseType),
                    _ => false,
                };
                if (isRevision)
                {
                    added = found.Add(handle) || added;
                }
            }
        }
        while (added);
        return found;
    }

    private static bool IsMigrationKitType(MetadataReader metadata, TypeReferenceHandle handle, string name)
    {
        var reference = metadata.GetTypeReference(handle);
        return metadata.StringComparer.Equals(reference.Name, name) && metadata.StringComparer.Equals(reference.Namespace, Namespace);
    }

    /// <summary>The name <see cref="System.Reflection.Assembly.GetType(string)"/> takes: Namespace.Outer+Inner.</summary>
    private static string TypeName(MetadataReader metadata, TypeDefinition type)
    {
        var name = metadata.GetString(type.Name);
        if (type.GetDeclaringType() is { IsNil: false } declaring)
        {
            return TypeName(metadata, metadata.GetTypeDefinition(declaring)) + "+" + name;
        }

        var ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Attribute arguments here are strings and string arrays; other kinds only need to decode, not to mean anything.</summary>
    private enum ArgumentType
    {
        Other,
        String,
        Array,
    }

    private sealed class ArgumentTypeProvider : ICustomAttributeTypeProvider<ArgumentType>
    {
        public static readonly ArgumentTypeProvider Instance = new();

        public ArgumentType GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode == PrimitiveTypeCode.String ? ArgumentType.String : ArgumentType.Other;

        public ArgumentType GetSystemType() => ArgumentType.Other;

        public ArgumentType GetSZArrayType(ArgumentType elementType) => ArgumentType.Array;

        public ArgumentType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => ArgumentType.Other;

        public ArgumentType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => ArgumentType.Other;

        public ArgumentType GetTypeFromSerializedName(string name) => ArgumentType.Other;

        // Only reached for enum arguments, which [Revision] has none of.
        public PrimitiveTypeCode GetUnderlyingEnumType(ArgumentType type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(ArgumentType type) => false;
    }
}
