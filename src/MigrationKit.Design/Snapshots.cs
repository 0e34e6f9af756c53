using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Core;
using MigrationKit.Runner;
using MigrationKit.Runner.Snapshots;

namespace MigrationKit.Design;

/// <summary>The model snapshot a revision records, ready for EF Core's differ and the drift check.</summary>
internal static class Snapshots
{
    /// <summary>
    /// The model standing after revision <paramref name="id"/> (its own snapshot, or the one
    /// <see cref="RevisionCatalog.ModelRevision"/> finds for it), processed as EF processes a
    /// stored one (a fresh model each time: EF 10's processor returns null when handed the same
    /// model twice); null when no revision up to there records one: the model is empty.
    /// </summary>
    /// <exception cref="ModelCompiledApartException">
    /// The snapshot uses a type of the app's own assembly, and the model comes from another compile of it.
    /// </exception>
    public static IModel? Build(IServiceProvider services, RevisionCatalog catalog, string id, Assembly modelAssembly)
    {
        if (catalog.ModelRevision(id) is not { } source || catalog.BuildTargetModel(source) is not { } model)
        {
            return null;
        }

        if (TypesOf(model).Select(t => OtherCopy(t, modelAssembly)).FirstOrDefault(t => t is not null) is { } type)
        {
            throw new ModelCompiledApartException(source, type);
        }

        return services.GetRequiredService<ISnapshotModelProcessor>().Process(model);
    }

    /// <summary>
    /// <paramref name="model"/> as a data snapshot (<c>.model.json</c>) for a revision on
    /// <paramref name="parents"/>: what differs from the first parent's data snapshot, or the whole
    /// model when the first parent has none (a C# one is not taken as a base: how it reads as
    /// data may change with MigrationKit's version, the file on disk never does). Proven before
    /// it is returned: the model read back from it is diffed against <paramref name="model"/> by
    /// EF's differ, and any difference means the data form cannot represent the model.
    /// </summary>
    /// <param name="modelAssembly">The app's assembly, whose load context resolves the types the snapshot names.</param>
    /// <param name="documentOf">A revision's data snapshot; by default the catalog's (snapshots --convert adds those it wrote).</param>
    public static DataSnapshot WriteData(
        IServiceProvider services, RevisionCatalog catalog, IReadOnlyList<string> parents, IModel model, Assembly modelAssembly,
        Func<string, SnapshotDocument?>? documentOf = null)
    {
        SnapshotDocument document;
        documentOf ??= catalog.DataSnapshots.Document;
        try
        {
            document = new SnapshotWriter(services.GetRequiredService<IAnnotationCodeGenerator>().FilterIgnoredAnnotations).Write(model);
            if (Unrepresented(services, model, document, modelAssembly) is { } difference)
            {
                return new DataSnapshot(null, difference, null);
            }
        }
        catch (SnapshotFormatException e)
        {
            return new DataSnapshot(null, e.Message, null);
        }

        var below = parents.Count == 0 ? null : catalog.ModelRevisionOrNone(parents[0]);
        return below is not null && documentOf(below) is { } baseDocument
            ? new DataSnapshot(document.ToDeltaText(baseDocument), null, document)
            : new DataSnapshot(document.ToFullText(), null, document);
    }

    /// <summary>What the model read back from <paramref name="document"/> lacks or adds, in EF's differ's words; null when nothing.</summary>
    internal static string? Unrepresented(IServiceProvider services, IModel model, SnapshotDocument document, Assembly modelAssembly)
    {
        IModel? readBack;
        try
        {
            readBack = services.GetRequiredService<ISnapshotModelProcessor>().Process(SnapshotReader.Build(document, modelAssembly));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or MigrationKitException)
        {
            return "the model read back fails: " + e.Message;
        }

        using var scope = services.CreateScope();
        var differ = scope.ServiceProvider.GetRequiredService<IMigrationsModelDiffer>();
        var operations = differ.GetDifferences(RelationalModels.Of(model), RelationalModels.Of(readBack));
        return operations.Count == 0 ? null : "read back, it differs: " + string.Join(", ", operations.Take(3).Select(OperationDescriptions.Describe));
    }

    /// <summary>
    /// The type, or the type within it (element, generic argument), of an assembly named as the
    /// model's but not the model's: the same app compiled twice. Null when there is none.
    /// </summary>
    private static Type? OtherCopy(Type type, Assembly modelAssembly)
    {
        if (type.HasElementType)
        {
            return OtherCopy(type.GetElementType()!, modelAssembly);
        }

        if (type.IsGenericType && type.GetGenericArguments().Select(a => OtherCopy(a, modelAssembly)).FirstOrDefault(a => a is not null) is { } argument)
        {
            return argument;
        }

        return type.Assembly != modelAssembly && type.Assembly.GetName().Name == modelAssembly.GetName().Name ? type : null;
    }

    /// <summary>Every CLR type a snapshot names: of its types and properties, and of the values in its annotations and seed data.</summary>
    private static IEnumerable<Type> TypesOf(IReadOnlyModel model)
    {
        var annotated = new List<IReadOnlyAnnotatable> { model };
        var types = new List<Type>();
        foreach (var entityType in model.GetEntityTypes())
        {
            annotated.Add(entityType);
            annotated.AddRange(entityType.GetDeclaredKeys());
            annotated.AddRange(entityType.GetDeclaredForeignKeys());
            annotated.AddRange(entityType.GetDeclaredIndexes());
            types.AddRange(entityType.GetSeedData().SelectMany(row => row.Values).OfType<object>().Select(v => v.GetType()));
            AddStructure(entityType);
        }

        void AddStructure(IReadOnlyTypeBase type)
        {
            types.Add(type.ClrType);
            foreach (var property in type.GetDeclaredProperties())
            {
                annotated.Add(property);
                types.Add(property.ClrType);
            }

            foreach (var complex in type.GetDeclaredComplexProperties())
            {
                annotated.Add(complex);
                AddStructure(complex.ComplexType);
            }
        }

        return types.Concat(annotated.SelectMany(a => a.GetAnnotations()).Select(a => a.Value as Type ?? a.Value?.GetType()).OfType<Type>());
    }
}

/// <summary>
/// A model as a data snapshot's text (null: the same as the base's, nothing to write) and its
/// document, or why it cannot be one.
/// </summary>
internal sealed record DataSnapshot(string? Text, string? CannotRepresent, SnapshotDocument? Document);

/// <summary>
/// A revision's snapshot uses a type of the app's own assembly (an enum the provider maps as it
/// is, a value in seed data) while the model was compiled apart (the tool's model-only compile):
/// the two copies of that type would differ to EF Core, so the tool compiles all of the app
/// instead (<c>CliApplication</c> turns this into a rebuild, never into output).
/// </summary>
public sealed class ModelCompiledApartException(string revision, Type type) : MigrationKitException(
    $"The snapshot of revision {revision} uses the app's type {type.FullName}, and the model was compiled apart from the revisions",
    "Build the project in full and run the command again.");
