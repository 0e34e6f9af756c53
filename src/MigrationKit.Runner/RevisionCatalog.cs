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
    private readonly Func<string, Type> _typeOf;

    private RevisionCatalog(RevisionGraph graph, Func<string, Type> typeOf)
    {
        Graph = graph;
        _typeOf = typeOf;
    }

    public RevisionGraph Graph { get; }

    /// <summary>Reads every <see cref="Revision"/> class with a <see cref="RevisionAttribute"/> in the assembly.</summary>
    public static RevisionCatalog FromAssembly(Assembly assembly) => FromAssembly(assembly, _ => true);

    /// <summary>
    /// The revisions of one DbContext (full type name): those whose [Revision] names it when there
    /// are any (the context keeps revisions of its own), else those that name no context.
    /// </summary>
    /// <param name="keptApart">Whether the context keeps revisions of its own.</param>
    internal static RevisionCatalog ForContext(Assembly assembly, string contextName, out bool keptApart)
    {
        var contexts = string.IsNullOrEmpty(assembly.Location)
            ? AssemblyTypes.Loadable(assembly).Select(t => t.GetCustomAttribute<RevisionAttribute>()?.Context?.FullName)
            : RevisionMetadataReader.ReadWithContexts(assembly.Location).Select(r => r.Context);
        var apart = keptApart = contexts.Contains(contextName);
        return FromAssembly(assembly, c => apart ? c == contextName : c is null || c == contextName);
    }

    private static RevisionCatalog FromAssembly(Assembly assembly, Func<string?, bool> owns)
        => string.IsNullOrEmpty(assembly.Location)
            ? FromTypes(AssemblyTypes.Loadable(assembly).Where(t => owns(t.GetCustomAttribute<RevisionAttribute>()?.Context?.FullName)))
            : FromFile(assembly.Location, () => assembly, owns);

    /// <summary>
    /// Reads the graph from the assembly file's metadata; the assembly itself is loaded (by
    /// <paramref name="load"/>) only when a revision has to run.
    /// </summary>
    /// <param name="owns">Which revisions to take, by the DbContext their [Revision] names (null: none).</param>
    internal static RevisionCatalog FromFile(string assemblyPath, Func<Assembly> load, Func<string?, bool> owns)
    {
        var revisions = RevisionMetadataReader.ReadWithContexts(assemblyPath).Where(r => owns(r.Context)).Select(r => r.Info).ToList();
        var typeNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var revision in revisions)
        {
            typeNames.TryAdd(revision.Id, revision.Source!);
        }

        return new RevisionCatalog(RevisionGraph.Build(revisions), id => load().GetType(typeNames[id], throwOnError: true)!);
    }

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

            var attribute = type.GetCustomAttribute<RevisionAttribute>() ?? throw MissingAttribute(type.FullName);
            infos.Add(ToInfo(attribute.Id, attribute.Parents, attribute.Message, attribute.Created,
                attribute.BranchLabels, attribute.DependsOn, type.FullName));
            // Duplicates are reported by the graph, which names both revisions.
            types.TryAdd(attribute.Id, type);
        }

        return new RevisionCatalog(RevisionGraph.Build(infos), id => types[id]);
    }

    /// <summary>
    /// Revisions just written and not compiled yet: their graph alone, enough to stamp a database
    /// at one of them (import-ef). Running one is an error.
    /// </summary>
    public static RevisionCatalog Uncompiled(IEnumerable<RevisionInfo> revisions)
        => new(RevisionGraph.Build(revisions), id => throw new MigrationKitException(
            $"Revision {id} is not compiled yet.", "Build the project, then run the command again."));

    /// <summary>
    /// The EF Core model a revision records as standing after it (its snapshot), built anew on
    /// every call, not yet finalized; null when the revision records none.
    /// </summary>
    public Microsoft.EntityFrameworkCore.Metadata.IMutableModel? BuildTargetModel(string id)
    {
        var revision = Create(id);
        if (!revision.HasTargetModel)
        {
            return null;
        }

        var builder = new Microsoft.EntityFrameworkCore.ModelBuilder();
        revision.BuildModel(builder);
        return builder.Model;
    }

    /// <summary>Creates the revision class for an id of the graph.</summary>
    public Revision Create(string id)
    {
        var type = _typeOf(id);
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

    /// <summary>The graph's view of a [Revision] attribute, however it was read.</summary>
    internal static RevisionInfo ToInfo(
        string id, string[] parents, string message, string? created, string[] branchLabels, string[] dependsOn, string? typeName)
    {
        DateTimeOffset? createdAt = null;
        if (created is { Length: > 0 }
            && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            createdAt = parsed;
        }

        return new RevisionInfo(id, parents, message, branchLabels, dependsOn, createdAt, typeName);
    }

    internal static MigrationKitException MissingAttribute(string? typeName) => new(
        $"Revision class '{typeName}' has no [Revision] attribute.",
        "Add [Revision(\"<id>\", Parents = [...], Message = \"...\")] to it, or make it abstract.");
}
