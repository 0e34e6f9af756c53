using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.EntityFrameworkCore.Migrations.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Runner;
using MigrationKit.Runner.Scaffolding;
using Serilog;

namespace MigrationKit.Design;

/// <summary>
/// Diffs the app's model against the snapshot of the revision a new one builds on, through
/// EF Core's own design-time services (the provider's, and the app's IDesignTimeServices), and
/// returns the C# of the new revision: operations both ways and the new snapshot.
/// </summary>
/// <remarks>All of EF Core's pubternal design-time API that MigrationKit uses is in this folder.</remarks>
public sealed class Autogenerator
{
    private readonly IServiceProvider _services;
    private readonly IDesignTimeModel _designTimeModel;
    private readonly string? _provider;

    public Autogenerator(DbContext context, Assembly revisionsAssembly, Assembly startupAssembly)
    {
        var reporter = new OperationReporter(ReportHandler.ToLog());
        _services = new DesignTimeServicesBuilder(revisionsAssembly, startupAssembly, reporter, []).Build(context);
        // From the context itself, which sets up its services on first use; the design-time
        // provider only forwards to them.
        _designTimeModel = context.GetService<IDesignTimeModel>();
        _provider = context.Database.ProviderName;
    }

    /// <summary>
    /// The code of a revision on top of <paramref name="parent"/> (null: a new base), or null when
    /// the model holds nothing the parent's snapshot lacks.
    /// </summary>
    public RevisionCode? Generate(RevisionCatalog catalog, string? parent)
    {
        var (upgrade, downgrade, target) = Diff(catalog, parent, withDowngrade: true);
        if (upgrade.Count == 0)
        {
            return null;
        }

        var operations = _services.GetRequiredService<ICSharpMigrationOperationGenerator>();
        var upgradeCode = new IndentedStringBuilder();
        operations.Generate("migrationBuilder", upgrade, upgradeCode);
        var downgradeCode = new IndentedStringBuilder();
        operations.Generate("migrationBuilder", downgrade, downgradeCode);
        var snapshotCode = new IndentedStringBuilder();
        _services.GetRequiredService<ICSharpSnapshotGenerator>().Generate("modelBuilder", target, snapshotCode);

        var namespaces = ActivatorUtilities.CreateInstance<NamespaceCollector>(_services).Collect(upgrade.Concat(downgrade), target);
        return new RevisionCode(
            upgradeCode.ToString(),
            downgradeCode.ToString(),
            snapshotCode.ToString(),
            namespaces,
            OperationDescriptions.DataLossWarnings(upgrade));
    }

    /// <summary>
    /// The operations that would take a database at <paramref name="parent"/> (null: an empty
    /// one) to the app's model: what `check` reports and autogenerate writes.
    /// </summary>
    public IReadOnlyList<MigrationOperation> PendingOperations(RevisionCatalog catalog, string? parent)
        => Diff(catalog, parent, withDowngrade: false).Upgrade;

    private (IReadOnlyList<MigrationOperation> Upgrade, IReadOnlyList<MigrationOperation> Downgrade, IModel Target) Diff(
        RevisionCatalog catalog, string? parent, bool withDowngrade)
    {
        var target = _designTimeModel.Model;
        var source = Snapshot(catalog, parent);
        var differ = _services.GetRequiredService<IMigrationsModelDiffer>();
        var upgrade = Differences(differ, source, target);
        var downgrade = withDowngrade && upgrade.Count > 0 ? Differences(differ, target, source) : [];
        return (upgrade, downgrade, target);
    }

    /// <summary>The differ's operations from one model to another (null: an empty database), with what it leaves undone done.</summary>
    private IReadOnlyList<MigrationOperation> Differences(IMigrationsModelDiffer differ, IModel? from, IModel? to)
    {
        var operations = differ.GetDifferences(from?.GetRelationalModel(), to?.GetRelationalModel());
        return StrayDefaults.Remove(Schemas.Complete(operations, from, to, _provider), to, _provider == ProviderNames.Sqlite);
    }

    /// <summary>The model the parent recorded, ready for the differ; null for none.</summary>
    private IModel? Snapshot(RevisionCatalog catalog, string? parent)
    {
        if (parent is null)
        {
            return null;
        }

        var model = catalog.BuildTargetModel(parent);
        if (model is null)
        {
            Log.Warning(
                "Revision {Parent} records no model snapshot, so the new revision is diffed against an empty database",
                parent);
            return null;
        }

        // A fresh model each time: EF 10's processor returns null when handed the same model twice.
        return _services.GetRequiredService<ISnapshotModelProcessor>().Process(model);
    }

    /// <summary>EF's own list of the namespaces generated code needs, which it keeps protected.</summary>
    private sealed class NamespaceCollector(
        MigrationsCodeGeneratorDependencies dependencies,
        CSharpMigrationsGeneratorDependencies csharpDependencies)
        : CSharpMigrationsGenerator(dependencies, csharpDependencies)
    {
        public IReadOnlyCollection<string> Collect(IEnumerable<MigrationOperation> operations, IModel model)
            => GetNamespaces(operations).Concat(GetNamespaces(model)).Distinct(StringComparer.Ordinal).ToList();
    }
}
