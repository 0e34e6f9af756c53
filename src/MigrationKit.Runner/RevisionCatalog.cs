using System.Globalization;
using System.Reflection;
using MigrationKit.Core;
using MigrationKit.Runner.Snapshots;

namespace MigrationKit.Runner;

/// <summary>
/// The revisions compiled into an assembly: their graph, read from attributes alone, and the
/// classes behind it, instantiated only when a step runs.
/// </summary>
public sealed class RevisionCatalog
{
    private readonly Func<string, Type> _typeOf;
    // A fleet's runners share one catalog and ask at once; every answer is the same whoever computes it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _modelRevisions = new(StringComparer.Ordinal);

    private readonly IReadOnlyList<RevisionInfo> _revisions;

    private RevisionCatalog(IReadOnlyList<RevisionInfo> revisions, Func<string, Type> typeOf, bool walkReplaced = false)
    {
        _revisions = revisions;
        Graph = RevisionGraph.Build(revisions, walkReplaced);
        _typeOf = typeOf;
        DataSnapshots = new DataSnapshots(Graph, id => _typeOf(id).Assembly, ModelRevisionOrNone);
    }

    /// <summary>The revisions' snapshots kept as data files (<c>.model.json</c>, embedded in the app's assembly).</summary>
    internal DataSnapshots DataSnapshots { get; }

    public RevisionGraph Graph { get; }

    /// <summary>
    /// The same revisions with the old ones a squash replaced in its place, where their files remain
    /// (<c>upgrade END --replaced</c> brings a database inside a squashed run to its end through them).
    /// </summary>
    public RevisionCatalog WalkingReplaced() => new(_revisions, _typeOf, walkReplaced: true);

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

        return new RevisionCatalog(revisions, id => load().GetType(typeNames[id], throwOnError: true)!);
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
                attribute.BranchLabels, attribute.DependsOn, type.FullName, attribute.Replaces));
            // Duplicates are reported by the graph, which names both revisions.
            types.TryAdd(attribute.Id, type);
        }

        return new RevisionCatalog(infos, id => types[id]);
    }

    /// <summary>
    /// Revisions just written and not compiled yet: their graph alone, enough to stamp a database
    /// at one of them (import-ef). Running one is an error.
    /// </summary>
    public static RevisionCatalog Uncompiled(IEnumerable<RevisionInfo> revisions)
        => new(revisions.ToList(), id => throw new MigrationKitException(
            $"Revision {id} is not compiled yet.", "Build the project, then run the command again."));

    /// <summary>
    /// The revision whose snapshot is the model standing after <paramref name="id"/>: the revision
    /// itself when it records one. A revision that records none (written by hand, or autogenerated
    /// with nothing to change) leaves the model as its parent left it, so its nearest ancestor's
    /// counts; a merge that records none has the newest of its parents' models, when that one
    /// descends from all the others. Null when no revision up to <paramref name="id"/> records one:
    /// the model is empty. Autogenerate, check and the runner's downgrades all ask this.
    /// </summary>
    /// <exception cref="MigrationKitException">A merge that records no snapshot joins branches whose models differ.</exception>
    public string? ModelRevision(string id)
    {
        var (revision, conflict) = FindModelRevision(id);
        return conflict is null ? revision : throw conflict;
    }

    /// <summary><see cref="ModelRevision"/>, with a merge whose branches' models differ as none.</summary>
    internal string? ModelRevisionOrNone(string id) => FindModelRevision(id).Revision;

    private (string? Revision, MigrationKitException? Conflict) FindModelRevision(string id)
    {
        // Parents before children with a stack of our own, not recursion: a history of thousands of
        // merges nests as deep as it has merges, and the call stack of a thread-pool thread is small.
        var conflicts = new Dictionary<string, MigrationKitException>(StringComparer.Ordinal);
        var withoutModel = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([id]);
        while (pending.Count > 0)
        {
            var current = pending.Peek();
            if (_modelRevisions.ContainsKey(current) || conflicts.ContainsKey(current))
            {
                pending.Pop();
                continue;
            }

            if (!withoutModel.Contains(current))
            {
                if (HasTargetModel(current))
                {
                    _modelRevisions[current] = current;
                    pending.Pop();
                    continue;
                }

                withoutModel.Add(current);
            }

            var parents = Graph.Get(current).Parents;
            var unknown = parents.Where(p => !_modelRevisions.ContainsKey(p) && !conflicts.ContainsKey(p)).ToList();
            if (unknown.Count > 0)
            {
                unknown.ForEach(pending.Push);
                continue;
            }

            pending.Pop();
            var (revision, conflict) = FromParents(current, parents, conflicts);
            if (conflict is null)
            {
                _modelRevisions[current] = revision;
            }
            else
            {
                conflicts[current] = conflict;
            }
        }

        return conflicts.TryGetValue(id, out var found) ? (null, found) : (_modelRevisions[id], null);
    }

    /// <summary>
    /// The model standing after a revision that records none, from its parents' (all known): none at a
    /// root, the parent's, or at a merge the newest of theirs, when it descends from all the others.
    /// </summary>
    private (string? Revision, MigrationKitException? Conflict) FromParents(
        string revision, IReadOnlyList<string> parents, Dictionary<string, MigrationKitException> conflicts)
    {
        var models = new List<string>();
        foreach (var parent in parents)
        {
            if (conflicts.TryGetValue(parent, out var conflict))
            {
                return (null, conflict);
            }

            if (_modelRevisions[parent] is { } model && !models.Contains(model))
            {
                models.Add(model);
            }
        }

        var newest = Newest(models);
        return models.Count == 0 || newest is not null
            ? (newest, null)
            : (null, new MigrationKitException(
                $"Merge revision {revision} records no model snapshot, and its branches' models differ (those of {string.Join(", ", models)})",
                "Give the merge the merged model: override BuildTargetModel in it with the app's model at the merge."));
    }

    /// <summary>
    /// Whether a merge of <paramref name="parents"/> needs no snapshot of its own: one of their
    /// models (<paramref name="revision"/>, null for the empty one) already holds all the others.
    /// </summary>
    public bool TryMergedModelRevision(IReadOnlyList<string> parents, out string? revision)
    {
        var models = parents.Select(ModelRevision).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        revision = Newest(models);
        return models.Count == 0 || revision is not null;
    }

    /// <summary>The model that holds the others' changes: the one that descends from all of them; null when none does.</summary>
    private string? Newest(List<string> models)
        => models.Count <= 1 ? models.FirstOrDefault() : models.FirstOrDefault(candidate => models.All(other => Graph.MergeBases([other, candidate]) is [var below] && below == other));

    /// <summary>
    /// The EF Core model a revision records as standing after it (its own snapshot, see
    /// <see cref="ModelRevision"/> for the rule that finds one), built anew on every call, not yet
    /// finalized; null when the revision records none.
    /// </summary>
    /// <remarks>A C# snapshot (<c>BuildTargetModel</c> in the revision) comes before a data one: it is what the author wrote.</remarks>
    public Microsoft.EntityFrameworkCore.Metadata.IMutableModel? BuildTargetModel(string id)
    {
        var revision = Create(id);
        if (revision.HasTargetModel)
        {
            var builder = new Microsoft.EntityFrameworkCore.ModelBuilder();
            revision.BuildModel(builder);
            return builder.Model;
        }

        return DataSnapshots.Document(id) is { } document ? SnapshotReader.Build(document, revision.GetType().Assembly) : null;
    }

    /// <summary>The operations a revision's Upgrade (or Downgrade) makes for the provider, read without running anything.</summary>
    internal IReadOnlyList<Microsoft.EntityFrameworkCore.Migrations.Operations.MigrationOperation> Operations(
        string id, MigrationDirection direction, string? provider)
    {
        var revision = Create(id);
        return direction == MigrationDirection.Upgrade ? revision.GetUpgradeOperations(provider) : revision.GetDowngradeOperations(provider);
    }

    /// <summary>Whether the revision records the model standing after it: in C# or as a data file.</summary>
    public bool HasTargetModel(string id) => HasCSharpTargetModel(id) || DataSnapshots.ResourceName(id) is not null;

    /// <summary>Whether the revision records its model in C# (overrides <c>BuildTargetModel</c>).</summary>
    internal bool HasCSharpTargetModel(string id) => Create(id).HasTargetModel;

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
        string id, string[] parents, string message, string? created, string[] branchLabels, string[] dependsOn, string? typeName,
        string[] replaces)
    {
        DateTimeOffset? createdAt = null;
        if (created is { Length: > 0 }
            && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            createdAt = parsed;
        }

        return new RevisionInfo(id, parents, message, branchLabels, dependsOn, createdAt, typeName, replaces);
    }

    internal static MigrationKitException MissingAttribute(string? typeName) => new(
        $"Revision class '{typeName}' has no [Revision] attribute.",
        "Add [Revision(\"<id>\", Parents = [...], Message = \"...\")] to it, or make it abstract.");
}
