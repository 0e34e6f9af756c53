using System.Reflection;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Internal;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Core;
using MigrationKit.Runner;

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
/// A revision's snapshot uses a type of the app's own assembly (an enum the provider maps as it
/// is, a value in seed data) while the model was compiled apart (the tool's model-only compile):
/// the two copies of that type would differ to EF Core, so the tool compiles all of the app
/// instead (<c>CliApplication</c> turns this into a rebuild, never into output).
/// </summary>
public sealed class ModelCompiledApartException(string revision, Type type) : MigrationKitException(
    $"The snapshot of revision {revision} uses the app's type {type.FullName}, and the model was compiled apart from the revisions",
    "Build the project in full and run the command again.");
