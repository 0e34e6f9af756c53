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
using MigrationKit.Core;
using MigrationKit.Runner;
using MigrationKit.Runner.Database;
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
    private readonly Assembly _modelAssembly;
    private readonly ILogger _log;

    public Autogenerator(DbContext context, Assembly revisionsAssembly, Assembly startupAssembly)
        : this(context, revisionsAssembly, startupAssembly, Log.Logger)
    {
    }

    private Autogenerator(DbContext context, Assembly revisionsAssembly, Assembly startupAssembly, ILogger log)
    {
        _log = log;
        _services = DesignServices.Build(context, revisionsAssembly, startupAssembly, log);
        _modelAssembly = context.GetType().Assembly;
        // From the context itself, which sets up its services on first use; the design-time
        // provider only forwards to them.
        _designTimeModel = context.GetService<IDesignTimeModel>();
        _provider = context.Database.ProviderName;
        _log.Debug("Built EF Core's design-time services");
    }

    /// <summary>
    /// Prepares, on another thread, what EF Core sets up on first use and autogenerate needs:
    /// Roslyn's workspace services, which EF's C# generator composes once per process (a third
    /// of a second); with the app context's OnConfiguring (<paramref name="appConfiguration"/>), also a
    /// revision of a one-table model through the app's provider, so that EF's conventions, the
    /// provider's type mappings, the differ and the code generators are compiled and the internal
    /// service provider for the app's options is cached. Started while the app compiles (or its
    /// model is built), the command then finds them ready; a later call waits for an earlier one.
    /// </summary>
    /// <param name="appConfiguration">Finds, on the preparing thread, how the app's context configures itself; null for none.</param>
    public static void PrepareCodeGeneration(Func<Action<DbContextOptionsBuilder>?>? appConfiguration = null)
    {
        if (_prepared is { } started)
        {
            // The one started while the app compiled: it does what would otherwise slow the command.
            started.Wait();
            return;
        }

        _prepared = Task.Run(() =>
        {
            try
            {
                using (var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace())
                {
                    workspace.AddProject("migratekit", Microsoft.CodeAnalysis.LanguageNames.CSharp);
                }

                if (appConfiguration?.Invoke() is { } configure)
                {
                    var builder = new DbContextOptionsBuilder<PreparationContext>();
                    configure(builder);
                    using var context = new PreparationContext(builder.Options);
                    if (context.Database.IsRelational())
                    {
                        // Quiet: its messages are about a model that is not the app's.
                        new Autogenerator(context, typeof(PreparationContext).Assembly, typeof(PreparationContext).Assembly, Serilog.Core.Logger.None)
                            .Generate(RevisionCatalog.Uncompiled([]), parent: null);
                    }
                }
            }
            catch (Exception e)
            {
                // Only time is lost: the command sets up the same when it gets there, and reports what fails.
                Log.Debug("Preparing autogenerate failed: {Error}", e.Message);
            }
        });
    }

    private static Task? _prepared;

    /// <summary>A one-table model on the app's provider and options (<see cref="PrepareCodeGeneration"/>).</summary>
    internal sealed class PreparationContext(DbContextOptions<PreparationContext> options) : DbContext(options)
    {
        public DbSet<PreparationRow> Rows => Set<PreparationRow>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<PreparationRow>().Property(r => r.Amount).HasPrecision(12, 2);
    }

    internal sealed class PreparationRow
    {
        public int Id { get; set; }

        public required string Name { get; set; }

        public decimal Amount { get; set; }

        public DateTimeOffset At { get; set; }
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

        var code = Code(upgrade, downgrade, target, OperationDescriptions.DataLossWarnings(upgrade));
        _log.Debug("Generated the revision's code");
        return code;
    }

    /// <summary>
    /// The code of a merge of <paramref name="parents"/>: no operations, and the app's model as the
    /// merged snapshot, so the next autogenerate finds nothing to do. Null when no parent records a
    /// snapshot (hand-written revisions). The model is recorded only when it is exactly the union of
    /// the parents' snapshots: every change a parent made since their merge base, and nothing else,
    /// so a change pending in the model but held by no revision is never absorbed into a snapshot
    /// (it would then never be autogenerated). <paramref name="force"/> records the model unchecked.
    /// </summary>
    public RevisionCode? Merge(RevisionCatalog catalog, IReadOnlyList<string> parents, bool force)
    {
        var snapshots = parents.Select(p => (Id: p, Model: Snapshot(catalog, p))).ToList();
        if (snapshots.All(s => s.Model is null))
        {
            return null;
        }

        var target = _designTimeModel.Model;
        if (!force)
        {
            CheckUnion(catalog, snapshots, target);
        }

        return Code([], [], target, []);
    }

    /// <summary>
    /// The code of a revision that holds an EF Core migration: its operations both ways and its
    /// target model, processed as EF processes a stored snapshot.
    /// </summary>
    internal RevisionCode FromMigration(string id, Migration migration)
    {
        var target = migration.TargetModel is { } model ? _services.GetRequiredService<ISnapshotModelProcessor>().Process(model) : null;
        if (target is null)
        {
            throw new MigrationKitException(
                $"Migration {id} has no target model (its .Designer.cs file), which a revision needs for downgrades and autogenerate",
                "Restore the migration's .Designer.cs file.");
        }

        return Code(migration.UpOperations, migration.DownOperations, target, OperationDescriptions.DataLossWarnings(migration.UpOperations));
    }

    /// <summary>Compares the changes from the merge base to the model with the changes each parent made.</summary>
    private void CheckUnion(RevisionCatalog catalog, List<(string Id, IModel? Model)> parents, IModel target)
    {
        const string Force = "Pass --force-snapshot to record the app's model as the merge's snapshot as it is.";
        if (parents.FirstOrDefault(p => p.Model is null).Id is { } bare)
        {
            throw new MigrationKitException(
                $"Revision {bare} records no model snapshot, so the merge cannot tell which model the merged branches add up to",
                Force);
        }

        var bases = catalog.Graph.MergeBases(parents.Select(p => p.Id).ToList());
        if (bases.Count > 1)
        {
            throw new MigrationKitException(
                $"The merged revisions have several nearest common ancestors ({string.Join(", ", bases)}), so their changes cannot be told apart",
                Force);
        }

        var baseModel = bases.Count == 0 ? null : Snapshot(catalog, bases[0])
            ?? throw new MigrationKitException($"Revision {bases[0]}, where the merged branches part, records no model snapshot", Force);
        var differ = _services.GetRequiredService<IMigrationsModelDiffer>();
        var branches = new Dictionary<string, MigrationOperation>(StringComparer.Ordinal);
        foreach (var (_, model) in parents)
        {
            foreach (var operation in Differences(differ, baseModel, model))
            {
                branches.TryAdd(Key(operation), operation);
            }
        }

        var inModel = new Dictionary<string, MigrationOperation>(StringComparer.Ordinal);
        foreach (var operation in Differences(differ, baseModel, target))
        {
            inModel.TryAdd(Key(operation), operation);
        }

        var lacks = branches.Where(b => !inModel.ContainsKey(b.Key)).Select(b => OperationDescriptions.Describe(b.Value)).ToList();
        var adds = inModel.Where(m => !branches.ContainsKey(m.Key)).Select(m => OperationDescriptions.Describe(m.Value)).ToList();
        if (lacks.Count > 0 || adds.Count > 0)
        {
            var parts = new List<string>();
            if (lacks.Count > 0)
            {
                parts.Add("the model lacks " + string.Join(", ", lacks.Distinct()));
            }

            if (adds.Count > 0)
            {
                parts.Add("the model has changes no merged revision holds: " + string.Join(", ", adds.Distinct()));
            }

            throw new MigrationKitException(
                $"The app's model is not the union of the merged revisions' snapshots: {string.Join("; ", parts)}",
                "Merge with a model that holds exactly the changes of both branches (set other model changes aside and autogenerate them after the merge). " + Force);
        }
    }

    /// <summary>An operation's identity: the code EF Core writes for it alone.</summary>
    private string Key(MigrationOperation operation)
    {
        var code = new IndentedStringBuilder();
        _services.GetRequiredService<ICSharpMigrationOperationGenerator>().Generate("b", [operation], code);
        return code.ToString();
    }

    private RevisionCode Code(
        IReadOnlyList<MigrationOperation> upgrade, IReadOnlyList<MigrationOperation> downgrade, IModel target, IReadOnlyList<string> warnings)
    {
        var operations = _services.GetRequiredService<ICSharpMigrationOperationGenerator>();
        var upgradeCode = new IndentedStringBuilder();
        operations.Generate("migrationBuilder", upgrade, upgradeCode);
        var downgradeCode = new IndentedStringBuilder();
        operations.Generate("migrationBuilder", downgrade, downgradeCode);
        var snapshotCode = new IndentedStringBuilder();
        _services.GetRequiredService<ICSharpSnapshotGenerator>().Generate("modelBuilder", target, snapshotCode);

        var namespaces = ActivatorUtilities.CreateInstance<NamespaceCollector>(_services).Collect(upgrade.Concat(downgrade), target);
        return new RevisionCode(upgradeCode.ToString(), downgradeCode.ToString(), snapshotCode.ToString(), namespaces, warnings);
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
        _log.Debug("Built the app's design-time model");
        var source = parent is null ? null : Snapshot(catalog, parent);
        _log.Debug("Built the snapshot of {Parent}", parent);
        if (parent is not null && source is null)
        {
            _log.Warning(
                "Revision {Parent} records no model snapshot, so the new revision is diffed against an empty database",
                parent);
        }

        // The way back takes as long as the way there and is needed as soon as that holds
        // anything: it is diffed at the same time, on another core, by a differ of its own (a
        // differ keeps state while it runs; both only read the two models, which are finalized).
        var back = withDowngrade ? Task.Run(() => DifferencesInScope(target, source)) : null;
        var upgrade = Differences(_services.GetRequiredService<IMigrationsModelDiffer>(), source, target);
        var downgrade = back is not null && upgrade.Count > 0 ? back.GetAwaiter().GetResult() : [];
        _log.Debug("Diffed the models: {Count} operations", upgrade.Count);
        return (upgrade, downgrade, target);
    }

    private IReadOnlyList<MigrationOperation> DifferencesInScope(IModel? from, IModel? to)
    {
        using var scope = _services.CreateScope();
        return Differences(scope.ServiceProvider.GetRequiredService<IMigrationsModelDiffer>(), from, to);
    }

    /// <summary>The differ's operations from one model to another (null: an empty database), with what it leaves undone done.</summary>
    private IReadOnlyList<MigrationOperation> Differences(IMigrationsModelDiffer differ, IModel? from, IModel? to)
    {
        var operations = differ.GetDifferences(from?.GetRelationalModel(), to?.GetRelationalModel());
        return StrayDefaults.Remove(Schemas.Complete(operations, from, to, _provider), to, _provider == DatabaseDialect.SqliteProvider);
    }

    /// <summary>The model a revision recorded, ready for the differ; null for none.</summary>
    private IModel? Snapshot(RevisionCatalog catalog, string id) => Snapshots.Build(_services, catalog, id, _modelAssembly);

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
