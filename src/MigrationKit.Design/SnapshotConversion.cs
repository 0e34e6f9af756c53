using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations.Internal;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Runner;
using MigrationKit.Runner.Snapshots;

namespace MigrationKit.Design;

/// <summary>
/// <c>snapshots --convert</c>: each revision's C# snapshot (<c>BuildTargetModel</c>) as a data
/// snapshot, proven as autogenerate proves its own (<see cref="Snapshots.WriteData"/>).
/// </summary>
public static class SnapshotConversion
{
    /// <summary>
    /// The data form of every revision that records a C# snapshot, oldest first, each based on
    /// its first parent's as converted here.
    /// </summary>
    public static IReadOnlyList<ConvertedSnapshot> Convert(DbContext context, RevisionCatalog catalog, Assembly modelAssembly, Assembly startupAssembly)
    {
        var services = DesignServices.Build(context, modelAssembly, startupAssembly);
        var documents = new Dictionary<string, SnapshotDocument?>(StringComparer.Ordinal);
        var results = new List<ConvertedSnapshot>();
        foreach (var revision in catalog.Graph.History(null, []).Reverse())
        {
            var id = revision.Id;
            if (!catalog.HasCSharpTargetModel(id))
            {
                continue;
            }

            // Processed as every reader of a snapshot processes it, so it is the model they see.
            var model = services.GetRequiredService<ISnapshotModelProcessor>().Process(catalog.BuildTargetModel(id)!);
            var data = Snapshots.WriteData(services, catalog, revision.Parents, model, modelAssembly,
                below => documents.TryGetValue(below, out var converted) ? converted : catalog.DataSnapshots.Document(below));
            documents[id] = data.Document;
            results.Add(new ConvertedSnapshot(id, data.Text, data.CannotRepresent));
        }

        return results;
    }
}

/// <summary>
/// One revision's C# snapshot as data: the file's text, or null when its model is its parent's
/// (nothing to write); or, in <paramref name="KeptAsCSharp"/>, why it stays C#.
/// </summary>
public sealed record ConvertedSnapshot(string Id, string? DataText, string? KeptAsCSharp);
