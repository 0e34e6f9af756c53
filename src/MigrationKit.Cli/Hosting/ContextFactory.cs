using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Finds the app's DbContext and creates it the way `dotnet ef` does (design-time factory, the
/// app's host, a parameterless constructor: EF's own DbContextActivator), then points it at the
/// connection the user chose.
/// </summary>
internal static class ContextFactory
{
    /// <summary>The environment variable read when no --connection is given.</summary>
    public const string ConnectionVariable = "MIGRATEKIT_CONNECTION";

    public static DbContext Create(Assembly startupAssembly, Assembly revisionsAssembly, string? contextName, string? connection)
    {
        var type = FindContextType([startupAssembly, revisionsAssembly], contextName);
        DbContext context;
        try
        {
            var handler = ReportHandler.ToLog();
            context = CreateDirectly(type, startupAssembly) ?? DbContextActivator.CreateInstance(type, startupAssembly, handler, []);
        }
        catch (Exception e)
        {
            var root = e;
            while (root is TargetInvocationException or AggregateException && root.InnerException is not null)
            {
                root = root.InnerException;
            }

            throw new MigrationKitException(
                $"Unable to create the DbContext '{type.Name}': {RevisionRunner.OneLine(root.Message)}",
                "Give it a parameterless constructor or an IDesignTimeDbContextFactory, or register it in the app's host.", e);
        }

        var chosen = connection ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(chosen))
        {
            try
            {
                context.Database.SetConnectionString(chosen);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // The message may quote the connection string; ours never does.
                throw new MigrationKitException(
                    "The connection string is not valid for " + context.Database.ProviderName + ".",
                    "Check its keywords (Host=...;Database=...; or Data Source=...).", e);
            }
        }

        if (!context.Database.IsRelational())
        {
            throw new MigrationKitException(
                $"The DbContext '{type.Name}' uses {context.Database.ProviderName}, which is not a relational provider.");
        }

        return context;
    }

    /// <summary>
    /// The cases EF's activator would settle the same way, without the ~0.7 s it spends setting up
    /// design-time services: the app's IDesignTimeDbContextFactory, or a parameterless constructor
    /// in an app with no generic host (where EF would ask the host for the context first).
    /// </summary>
    private static DbContext? CreateDirectly(Type contextType, Assembly startupAssembly)
    {
        var factoryContract = typeof(IDesignTimeDbContextFactory<>).MakeGenericType(contextType);
        var factory = AssemblyTypes.Loadable(startupAssembly)
            .FirstOrDefault(t => !t.IsAbstract && factoryContract.IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null);
        if (factory is not null)
        {
            Log.Debug("Creating {Context} with {Factory}", contextType.Name, factory.Name);
            return (DbContext)factoryContract.GetMethod(nameof(IDesignTimeDbContextFactory<DbContext>.CreateDbContext))!
                .Invoke(Activator.CreateInstance(factory), [Array.Empty<string>()])!;
        }

        var usesHost = startupAssembly.GetReferencedAssemblies().Any(a => a.Name is "Microsoft.Extensions.Hosting" or "Microsoft.AspNetCore");
        if (!usesHost && contextType.GetConstructor(Type.EmptyTypes) is not null)
        {
            return (DbContext)Activator.CreateInstance(contextType)!;
        }

        return null;
    }

    internal static Type FindContextType(IEnumerable<Assembly> assemblies, string? contextName)
    {
        var types = assemblies.Distinct()
            .SelectMany(AssemblyTypes.Loadable)
            .SelectMany(ContextTypesOf)
            .Distinct()
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        if (contextName is not null)
        {
            var matches = types.Where(t => t.FullName == contextName || t.Name == contextName).ToList();
            return matches.Count switch
            {
                1 => matches[0],
                0 => throw new MigrationKitException(
                    $"No DbContext named '{contextName}' was found.",
                    types.Count == 0 ? "The app has no DbContext." : "Contexts found: " + string.Join(", ", types.Select(t => t.FullName)) + "."),
                _ => throw new MigrationKitException(
                    $"More than one DbContext is named '{contextName}': {string.Join(", ", matches.Select(t => t.FullName))}.",
                    "Pass --context with the full name."),
            };
        }

        return types.Count switch
        {
            1 => types[0],
            0 => throw new MigrationKitException(
                "No DbContext was found in the app.",
                "Add a class deriving from DbContext to the project, or pass --startup-project with the project that has one."),
            _ => throw new MigrationKitException(
                $"More than one DbContext was found: {string.Join(", ", types.Select(t => t.FullName))}.",
                "Pass --context with one of them, or set \"context\" in migratekit.json."),
        };
    }

    private static IEnumerable<Type> ContextTypesOf(Type type)
    {
        if (!type.IsAbstract && !type.IsGenericTypeDefinition && typeof(DbContext).IsAssignableFrom(type))
        {
            yield return type;
        }

        foreach (var contract in type.GetInterfaces())
        {
            if (contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IDesignTimeDbContextFactory<>))
            {
                yield return contract.GetGenericArguments()[0];
            }
        }
    }
}
