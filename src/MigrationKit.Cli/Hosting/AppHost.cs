using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Design;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The app's own services, from its host as EF Core's design-time tools find it: the app's entry
/// point runs up to building its host (in the Development environment unless one is set), and
/// the host's service provider is kept; an empty one when the app has no host. Built once per
/// process, so that a context and its options come from one run of the app's entry point.
/// </summary>
internal static class AppHost
{
    private static readonly ConcurrentDictionary<Assembly, Lazy<IServiceProvider>> Built = new();

    /// <summary>A new scope of the app's services: a context made in it is the caller's alone.</summary>
    public static IServiceProvider NewScope(Assembly startupAssembly)
        => Built.GetOrAdd(startupAssembly, assembly => new Lazy<IServiceProvider>(() => Build(assembly))).Value
            .GetRequiredService<IServiceScopeFactory>().CreateScope().ServiceProvider;

    private static IServiceProvider Build(Assembly startupAssembly)
    {
        var reporter = new OperationReporter(ReportHandler.ToLog());
        AppServiceProviderFactory.SetEnvironment(reporter);
        return new AppServiceProviderFactory(startupAssembly, reporter).Create([]);
    }
}
