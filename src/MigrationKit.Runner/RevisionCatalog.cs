using System.Globalization;
using System.Reflection;
using MigrationKit.Core;

namespace MigrationKit.Runner;

/// <summary>
/// The revisions compiled into an assembly: their graph, read from attributes alone, and the
/// classes behind it, instantiated only when a step runs.
/// </summary>
public sealed class RevisionCatalog
{
    private readonly Dictionary<string, Type> _types;

    private RevisionCatalog(RevisionGraph graph, Dictionary<string, Type> types)
    {
        Graph = graph;
        _types = types;
    }

    public RevisionGraph Graph { get; }

    /// <summary>Reads every <see cref="Revision"/> class with a <see cref="RevisionAttribute"/> in the assembly.</summary>
    public static RevisionCatalog FromAssembly(Assembly assembly) => FromTypes(AssemblyTypes.Loadable(assembly));

    /// <summary>Reads the given revision classes (other types are ignored), for apps that keep several graphs in one assembly.</summary>
    public static RevisionCatalog FromTypes(IEnumerable<Type> candidates)
    {
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        var infos = new List<RevisionInfo>();
        foreach (var type in candidates)
        {
            if (type.IsAbstract || !typeof(Revision).IsAssignableFrom(type))
            {
                continue;
            }

            var attribute = type.GetCustomAttribute<RevisionAttribute>()
                ?? throw new MigrationKitException(
                    $"Revision class '{type.FullName}' has no [Revision] attribute.",
                    "Add [Revision(\"<id>\", Parents = [...], Message = \"...\")] to it, or make it abstract.");
            infos.Add(ToInfo(attribute, type));
            // Duplicates are reported by the graph, which names both revisions.
            types.TryAdd(attribute.Id, type);
        }

        return new RevisionCatalog(RevisionGraph.Build(infos), types);
    }

    /// <summary>Creates the revision class for an id of the graph.</summary>
    public Revision Create(string id)
    {
        var type = _types[id];
        try
        {
            return (Revision)Activator.CreateInstance(type)!;
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException)
        {
            throw new MigrationKitException(
                $"Cannot create revision class '{type.FullName}': {(e.InnerException ?? e).Message}",
                "A revision needs a public parameterless constructor.", e);
        }
    }

    internal static RevisionInfo ToInfo(RevisionAttribute attribute, Type type)
    {
        DateTimeOffset? created = null;
        if (attribute.Created is { Length: > 0 } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            created = parsed;
        }

        return new RevisionInfo(
            attribute.Id,
            attribute.Parents,
            attribute.Message,
            attribute.BranchLabels,
            attribute.DependsOn,
            created,
            type.FullName);
    }
}
