using System.Reflection;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Cli.Hosting;
using MigrationKit.Runner;

namespace MigrationKit.Cli;

/// <summary>
/// The app as the agent sees it: its settings, its revisions and, only when a command needs the
/// database, its DbContext and a runner over it. Everything is created on first use.
/// </summary>
internal sealed class AppScope(AgentEnvironment agent, GlobalOptions options) : IDisposable
{
    private Assembly? _revisionsAssembly;
    private RevisionCatalog? _catalog;
    private DbContext? _context;
    private RevisionRunner? _runner;

    public ToolSettings Settings { get; } = ToolSettings.Load(agent.ProjectDirectory);

    public AgentEnvironment Agent => agent;

    public RevisionCatalog Catalog => _catalog ??= RevisionCatalog.FromAssembly(RevisionsAssembly);

    public DbContext Context => _context ??= CreateContext();

    public RevisionRunner Runner => _runner ??= new RevisionRunner(Context, Catalog, RunnerOptions());

    public RunnerOptions RunnerOptions(bool singleTransaction = false)
        => new() { VersionTable = Settings.VersionTable, SingleTransaction = singleTransaction };

    private DbContext CreateContext()
    {
        var context = ContextFactory.Create(StartupAssembly, RevisionsAssembly, options.Context ?? Settings.Context, options.Connection);
        Serilog.Log.Debug("Using {Context} with {Provider}", context.GetType().Name, context.Database.ProviderName);
        return context;
    }

    private Assembly RevisionsAssembly => _revisionsAssembly ??= AssemblyResolver.Load(agent.RevisionsAssembly);

    private Assembly StartupAssembly => agent.StartupAssembly == agent.RevisionsAssembly
        ? RevisionsAssembly
        : AssemblyResolver.Load(agent.StartupAssembly);

    public void Dispose() => _context?.Dispose();
}
