using System.Reflection;
using MigrationKit.Core;

namespace MigrationKit.Runner.Snapshots;

/// <summary>
/// The data snapshots of one catalog: the <c>.model.json</c> files embedded in the app's assembly
/// (logical name <see cref="ResourcePrefix"/> + file name), read once each and kept, a delta
/// applied to its base's document.
/// </summary>
internal sealed class DataSnapshots(RevisionGraph graph, Func<string, Assembly> assemblyOf, Func<string, string?> modelRevision)
{
    /// <summary>The logical name of a snapshot resource, before the file's name (<c>{id}_{slug}.model.json</c>).</summary>
    public const string ResourcePrefix = "migratekit.snapshot/";

    public const string FileSuffix = ".model.json";

    private readonly Dictionary<Assembly, Dictionary<string, string>> _resources = [];
    private readonly Dictionary<string, SnapshotDocument> _documents = new(StringComparer.Ordinal);

    // A fleet's runners share one catalog and may ask for models at once.
    private readonly Lock _lock = new();

    /// <summary>The resource holding the revision's data snapshot; null when it has none.</summary>
    public string? ResourceName(string id)
    {
        lock (_lock)
        {
            return ResourceNameLocked(id);
        }
    }

    private string? ResourceNameLocked(string id)
    {
        var assembly = assemblyOf(id);
        if (!_resources.TryGetValue(assembly, out var byId))
        {
            byId = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in assembly.GetManifestResourceNames())
            {
                if (name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(FileSuffix, StringComparison.Ordinal))
                {
                    var file = name[ResourcePrefix.Length..^FileSuffix.Length];
                    var separator = file.IndexOf('_', StringComparison.Ordinal);
                    byId.TryAdd(separator < 0 ? file : file[..separator], name);
                }
            }

            _resources[assembly] = byId;
        }

        return byId.GetValueOrDefault(id);
    }

    /// <summary>
    /// The document of a revision's data snapshot, null when it has none. A delta's base is the
    /// model standing after its first parent; chains of deltas are read in a loop, oldest first.
    /// </summary>
    public SnapshotDocument? Document(string id)
    {
        lock (_lock)
        {
            return DocumentLocked(id);
        }
    }

    private SnapshotDocument? DocumentLocked(string id)
    {
        if (_documents.TryGetValue(id, out var known))
        {
            return known;
        }

        if (ResourceNameLocked(id) is null)
        {
            return null;
        }

        // The revisions whose documents are missing, newest first, down to one that is known or whole.
        var pending = new List<(string Id, System.Text.Json.Nodes.JsonObject File)>();
        var current = id;
        while (true)
        {
            var file = SnapshotDocument.Parse(Text(current));
            pending.Add((current, file));
            if (!SnapshotDocument.IsDelta(file))
            {
                break;
            }

            var below = Base(current);
            if (below is null || _documents.ContainsKey(below) || ResourceNameLocked(below) is null)
            {
                break;
            }

            current = below;
        }

        for (var i = pending.Count - 1; i >= 0; i--)
        {
            var (revision, file) = pending[i];
            _documents[revision] = SnapshotDocument.Read(file, () => Base(revision) is { } below ? DocumentLocked(below) : null);
        }

        return _documents[id];
    }

    /// <summary>The revision whose model a delta of <paramref name="id"/> is based on: the one standing after its first parent.</summary>
    public string? Base(string id) => graph.Get(id).Parents is [var first, ..] ? modelRevision(first) : null;

    private string Text(string id)
    {
        using var stream = assemblyOf(id).GetManifestResourceStream(ResourceNameLocked(id)!)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
