using System.Reflection;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Cli.Hosting;
using MigrationKit.Core;
using MigrationKit.Lint;
using MigrationKit.Runner;

namespace MigrationKit.Cli;

/// <summary>
/// The app as the agent sees it: its settings, its revisions and, only when a command needs the
/// database, its DbContext and a runner over it. Everything is created on first use.
/// </summary>
internal sealed class AppScope(AppLocation app, GlobalOptions options, bool insideApp) : IDisposable
{
    private Assembly? _revisionsAssembly;
    private Assembly? _modelAssembly;
    private RevisionCatalog? _catalog;
    private DbContext? _context;
    private RevisionRunner? _runner;

    private ContextChoice? _choice;

    /// <summary>The DbContext the command works on, with its revisions' settings.</summary>
    public ContextChoice Choice => _choice ??= ContextChoice.Resolve(
        ToolSettings.Load(app.ProjectDirectory), options.Context, app.RevisionsAssembly, [app.ModelAssembly, app.StartupAssembly]);

    /// <summary>The chosen context's settings: its folder, namespace and version table.</summary>
    public ToolSettings Settings => Choice.Settings;

    public AppLocation Location => app;

    /// <summary>The chosen context's revisions, read from the assembly's metadata; their code loads only when one runs.</summary>
    /// <remarks>Safe to ask from two threads: `current` reads it while the database answers.</remarks>
    public RevisionCatalog Catalog
    {
        get
        {
            lock (_reading)
            {
                return _catalog ??= RevisionCatalog.FromFile(app.RevisionsAssembly, () => RevisionsAssembly, Choice.Owns);
            }
        }
    }

    private readonly Lock _reading = new();

    public RevisionGraph Graph => Catalog.Graph;

    /// <summary>
    /// From here on, the old revisions squashes replaced take their place where their files remain
    /// (<c>--replaced</c>), for every runner the command makes.
    /// </summary>
    public void WalkReplacedRevisions() => _catalog = Catalog.WalkingReplaced();

    public DbContext Context => _context ??= insideApp
        ? CreateContext(warmUp: true)
        : throw new InvalidOperationException("The DbContext is only created inside the app's dependency graph (the agent).");

    public RevisionRunner Runner => _runner ??= new RevisionRunner(Context, Catalog, RunnerOptions());

    /// <summary>
    /// The database's current heads and a description of it (never its password): over a plain
    /// connection when the context allows it (<see cref="ContextFactory.TryConnectDirectly"/>: the
    /// user's connection string or its OnConfiguring's), else through the runner.
    /// </summary>
    /// <param name="withJournal">Also the revisions the step journal records as partly applied (one query more when it exists).</param>
    public async Task<(RevisionRunner.CurrentState State, string Database)> ReadCurrentStateAsync(bool withJournal, CancellationToken cancellationToken)
    {
        if (insideApp && ContextFactory.TryConnectDirectly(
                StartupAssembly, RevisionsAssembly, Choice.ContextName, ContextFactory.ChosenConnection(options.Connection), app.ProjectDirectory) is { } direct)
        {
            await using var connection = direct.Connection;
            Serilog.Log.Debug("Reading the version table over a plain {Provider} connection", direct.Provider);
            return (await RevisionRunner.ReadCurrentStateAsync(connection, direct.Provider, Settings.VersionTable, withJournal, cancellationToken),
                RevisionRunner.Describe(connection));
        }

        return (await Runner.GetCurrentStateAsync(withJournal, cancellationToken), Runner.DescribeConnection());
    }

    /// <summary>What lint needs to know of the run: the lock timeout the tool will set (see the rule require-lock-timeout).</summary>
    public LintSettings LintSettings => LintSettingsFor(Settings.LiveDatabase);

    public static LintSettings LintSettingsFor(Commands.LiveDatabaseChoices live)
        => new() { LockTimeout = live.LockTimeout ?? MigrationKit.Runner.RunnerOptions.DefaultLockTimeout };

    /// <param name="live">The command's choices for a live database; default the settings' own.</param>
    /// <param name="beforeSteps">Called with the plan before any revision runs (<see cref="RunnerOptions.BeforeSteps"/>).</param>
    /// <param name="backup">The backup taken before the first step (<see cref="RunnerOptions.Backup"/>); null: none.</param>
    public RunnerOptions RunnerOptions(
        bool singleTransaction = false, TimeSpan? lockWait = null, bool? interruptedStatementCompleted = null,
        Commands.LiveDatabaseChoices? live = null, Action<MigrationPlan>? beforeSteps = null, bool refuseDataLoss = false,
        BackupOptions? backup = null)
    {
        live ??= Settings.LiveDatabase;
        return new()
        {
            VersionTable = Settings.VersionTable,
            SingleTransaction = singleTransaction,
            LockWait = lockWait ?? MigrationKit.Runner.RunnerOptions.DefaultLockWait,
            InterruptedStatementCompleted = interruptedStatementCompleted,
            LockTimeout = live.LockTimeout ?? MigrationKit.Runner.RunnerOptions.DefaultLockTimeout,
            LockRetries = live.Retries ?? MigrationKit.Runner.RunnerOptions.DefaultLockRetries,
            StatementTimeout = live.StatementTimeout,
            TransactionPooler = live.TransactionPooler,
            BeforeSteps = beforeSteps,
            RefuseDataLoss = refuseDataLoss || Settings.RefuseDataLoss,
            Backup = backup,
        };
    }

    private readonly Lock _creating = new();

    /// <summary>
    /// Another DbContext of the app, for a fleet's worker (each worker one, pointed at its targets
    /// in turn): created one at a time, as the app's factory or host may not expect two at once.
    /// </summary>
    public DbContext NewContext()
    {
        lock (_creating)
        {
            return CreateContext();
        }
    }

    /// <param name="warmUp">Open a first connection while EF Core sets up (<see cref="ContextFactory.WarmUpConnection"/>).</param>
    private DbContext CreateContext(bool warmUp = false)
    {
        var warming = warmUp
            ? ContextFactory.WarmUpConnection(StartupAssembly, RevisionsAssembly, Choice.ContextName, ContextFactory.ChosenConnection(options.Connection), app.ProjectDirectory)
            : Task.CompletedTask;
        var context = ContextFactory.Create(StartupAssembly, ModelAssembly, Choice.ContextName, options.Connection, app.ProjectDirectory);
        // Back in the pool before the context's first open takes it (never throws: failures are the context's to report).
        warming.Wait();
        Serilog.Log.Debug("Using {Context} with {Provider}", context.GetType().Name, context.Database.ProviderName);
        return context;
    }

    /// <summary>Where the revisions run from.</summary>
    public Assembly RevisionsAssembly => _revisionsAssembly ??= AssemblyResolver.Load(app.RevisionsAssembly);

    /// <summary>
    /// Where the app's DbContext and model come from: the revisions' assembly, or the model the
    /// tool compiled without them (<see cref="ModelBuild"/>, one project only), loaded apart.
    /// </summary>
    public Assembly ModelAssembly => app.ModelAssembly is { } model
        ? _modelAssembly ??= ModelLoadContext.Load(model)
        : RevisionsAssembly;

    /// <summary>The app's entry point: its design-time factories and services.</summary>
    public Assembly StartupAssembly => app.StartupAssembly == app.RevisionsAssembly
        ? ModelAssembly
        : AssemblyResolver.Load(app.StartupAssembly);

    public void Dispose() => _context?.Dispose();
}
