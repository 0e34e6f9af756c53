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
        => ReadWithContexts(assemblyPath).Select(r => r.Info).ToList();

    /// <summary>Every revision in the assembly, with the full name of the DbContext its [Revision] names (null: none).</summary>
    internal static IReadOnlyList<(RevisionInfo Info, string? Context)> ReadWithContexts(string assemblyPath)
    {
        using var pe = Open(assemblyPath);
        var metadata = pe.GetMetadataReader();
        var revisions = new List<(RevisionInfo, string?)>();
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

            revisions.Add((ToInfo(attribute.Value, TypeName(metadata, type)), ContextOf(attribute.Value)));
        }

        return revisions;
    }

    /// <summary>
    /// The full names of the assembly's DbContext classes: concrete classes deriving, here or
    /// through each other, from a class of another assembly whose name ends in DbContext
    /// (EF Core's own, or one such as IdentityDbContext).
    /// </summary>
    public static IReadOnlyList<string> ContextTypeNames(string assemblyPath)
    {
        using var pe = Open(assemblyPath);
        var metadata = pe.GetMetadataReader();
        var contexts = Derived(metadata, reference => metadata.GetString(metadata.GetTypeReference(reference).Name).Split('`')[0].EndsWith("DbContext", StringComparison.Ordinal));
        return contexts
            .Select(metadata.GetTypeDefinition)
            .Where(t => (t.Attributes & System.Reflection.TypeAttributes.Abstract) == 0)
            .Select(t => TypeName(metadata, t))
            .ToList();
    }

    private static PEReader Open(string assemblyPath)
    {
        var pe = new PEReader(File.OpenRead(assemblyPath));
        if (!pe.HasMetadata)
        {
            pe.Dispose();
            throw new MigrationKitException($"'{assemblyPath}' is not a .NET assembly.");
        }

        return pe;
    }

    /// <summary>The type name (before the assembly's) of the [Revision]'s Context argument; null when it has none.</summary>
    private static string? ContextOf(CustomAttributeValue<ArgumentType> value)
        => value.NamedArguments.FirstOrDefault(a => a.Name == nameof(RevisionAttribute.Context)).Value is ArgumentType { SerializedName: { } name }
            ? name.Split(',')[0].Trim()
            : null;

    private static RevisionInfo ToInfo(CustomAttributeValue<ArgumentType> value, string typeName)
    {
        var id = (string?)value.FixedArguments[0].Value ?? "";
        string[] parents = [], labels = [], dependsOn = [], replaces = [];
        string message = "";
        string? created = null;
        foreach (var argument in value.NamedArguments)
        {
            switch (argument.Name)
            {
                case nameof(RevisionAttribute.Parents): parents = Strings(argument.Value); break;
                case nameof(RevisionAttribute.BranchLabels): labels = Strings(argument.Value); break;
                case nameof(RevisionAttribute.DependsOn): dependsOn = Strings(argument.Value); break;
                case nameof(RevisionAttribute.Replaces): replaces = Strings(argument.Value); break;
                case nameof(RevisionAttribute.Message): message = (string?)argument.Value ?? ""; break;
                case nameof(RevisionAttribute.Created): created = (string?)argument.Value; break;
            }
        }

        return RevisionCatalog.ToInfo(id, parents, message, created, labels, dependsOn, typeName, replaces);
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
        => Derived(metadata, reference => IsMigrationKitType(metadata, reference, nameof(Revision)));

    /// <summary>Classes of this assembly that derive from a class of another that <paramref name="isRoot"/> accepts, directly or through each other.</summary>
    private static HashSet<TypeDefinitionHandle> Derived(MetadataReader metadata, Func<TypeReferenceHandle, bool> isRoot)
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

                var baseType = GenericDefinition(metadata, metadata.GetTypeDefinition(handle).BaseType);
                var derives = baseType.Kind switch
                {
                    HandleKind.TypeReference => isRoot((TypeReferenceHandle)baseType),
                    HandleKind.TypeDefinition => found.Contains((TypeDefinitionHandle)baseType),
                    _ => false,
                };
                if (derives)
                {
                    added = found.Add(handle) || added;
                }
            }
        }
        while (added);
        return found;
    }

    /// <summary>For a generic base (<c>IdentityDbContext&lt;User&gt;</c>, a type specification), its generic type; any other handle as it is.</summary>
    private static EntityHandle GenericDefinition(MetadataReader metadata, EntityHandle handle)
    {
        if (handle.Kind != HandleKind.TypeSpecification)
        {
            return handle;
        }

        var blob = metadata.GetBlobReader(metadata.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
        return blob.ReadSignatureTypeCode() == SignatureTypeCode.GenericTypeInstance
            && blob.ReadSignatureTypeCode() == SignatureTypeCode.TypeHandle
            ? blob.ReadTypeHandle()
            : handle;
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

    /// <summary>
    /// Attribute arguments here are strings, string arrays and one type (Context): types only need
    /// to decode, except a System.Type value, which keeps the name it was written with.
    /// </summary>
    private readonly record struct ArgumentType(string? SerializedName);

    private sealed class ArgumentTypeProvider : ICustomAttributeTypeProvider<ArgumentType>
    {
        public static readonly ArgumentTypeProvider Instance = new();

        public ArgumentType GetPrimitiveType(PrimitiveTypeCode typeCode) => default;

        public ArgumentType GetSystemType() => default;

        public ArgumentType GetSZArrayType(ArgumentType elementType) => default;

        public ArgumentType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => default;

        public ArgumentType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => default;

        public ArgumentType GetTypeFromSerializedName(string name) => new(name);

        // Only reached for enum arguments, which [Revision] has none of.
        public PrimitiveTypeCode GetUnderlyingEnumType(ArgumentType type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(ArgumentType type) => false;
    }
}
