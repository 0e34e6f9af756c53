using System.Data.Common;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Runner;
using MigrationKit.Runner.Database;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Finds the app's DbContext and creates it the way `dotnet ef` does (design-time factory, the
/// app's host, a parameterless constructor), then points it at the connection the user chose.
/// </summary>
internal static class ContextFactory
{
    /// <summary>The environment variable read when no --connection is given.</summary>
    public const string ConnectionVariable = "MIGRATEKIT_CONNECTION";

    /// <param name="projectDirectory">Where a relative SQLite file name points (see <see cref="AnchorSqliteFile"/>).</param>
    public static DbContext Create(Assembly startupAssembly, Assembly revisionsAssembly, string? contextName, string? connection, string projectDirectory)
    {
        var type = FindContextType([startupAssembly, revisionsAssembly], contextName);
        DbContext context;
        try
        {
            context = CreateDirectly(type, startupAssembly) ?? CreateFromAppServices(type, startupAssembly);
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

        if (ChosenConnection(connection) is { } chosen)
        {
            try
            {
                // Parsed first by the provider's own builder: some providers read the string only
                // when the connection opens, where a bad keyword would look like a failure to connect.
                ParseWithProvider(context.Database.GetDbConnection(), chosen);
                context.Database.SetConnectionString(chosen);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                throw InvalidConnectionString(context.Database.ProviderName, chosen, e);
            }
        }

        if (!context.Database.IsRelational())
        {
            throw new MigrationKitException(
                $"The DbContext '{type.Name}' uses {context.Database.ProviderName}, which is not a relational provider.");
        }

        AnchorSqliteFile(context, projectDirectory);
        return context;
    }

    /// <summary>
    /// A relative SQLite file name means the project's folder, whatever folder the tool runs in, as
    /// with `dotnet ef` (which runs its agent in the startup project's folder): a run from a
    /// subfolder must not create or read a database there. Also for --connection, which `dotnet ef`
    /// resolves the same way.
    /// </summary>
    private static void AnchorSqliteFile(DbContext context, string projectDirectory)
    {
        if (context.Database.ProviderName == DatabaseDialect.SqliteProvider
            && context.Database.GetConnectionString() is { } configured
            && SqliteDialect.AnchoredAt(configured, projectDirectory) is { } anchored)
        {
            context.Database.SetConnectionString(anchored);
        }
    }

    /// <summary>--connection, else $MIGRATEKIT_CONNECTION; null when neither is given.</summary>
    public static string? ChosenConnection(string? option)
    {
        var chosen = option ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        return string.IsNullOrWhiteSpace(chosen) ? null : chosen;
    }

    /// <summary>
    /// A plain ADO.NET connection of the context's provider, found without EF Core's services (their
    /// set-up costs `current` more than its query), to <paramref name="connectionString"/> when the
    /// user chose one, else to the connection string the app configures: for a context the tool
    /// creates with its parameterless constructor, what its OnConfiguring configures; for one the
    /// app's host registers (AddDbContext), the options registered, when the context does not
    /// configure itself too. Null when the context comes from a design-time factory or one of the
    /// app's own, the app configures a connection or data source object rather than a string, or
    /// the provider's dialect does not know its connection: then the context is created as usual.
    /// </summary>
    public static (DbConnection Connection, string Provider)? TryConnectDirectly(
        Assembly startupAssembly, Assembly revisionsAssembly, string? contextName, string? connectionString, string projectDirectory)
    {
        var type = FindContextType([startupAssembly, revisionsAssembly], contextName);
        var extension = DesignTimeFactory(type, startupAssembly) is not null ? null
            : ConstructedDirectly(type, startupAssembly) ? ConfiguredProvider(type)
            : OverridesOnConfiguring(type) ? null
            : RegisteredProvider(type, startupAssembly);
        var provider = extension?.GetType().Assembly.GetName().Name;
        if (provider is null || DatabaseDialect.For(provider).ConnectionType?.Split(", ") is not [var typeName, var assemblyName])
        {
            return null;
        }

        // The app's own string; a connection or data source object it configures instead may carry
        // more (a password provider, type mappings), which only EF's own path honours.
        connectionString ??= extension!.Connection is null && !ConfiguresDataSource(extension) ? extension.ConnectionString : null;
        if (string.IsNullOrEmpty(connectionString))
        {
            return null;
        }

        // The driver the provider itself binds to, in the app's dependency graph.
        var connectionType = AssemblyLoadContext.GetLoadContext(extension!.GetType().Assembly)!
            .LoadFromAssemblyName(new AssemblyName(assemblyName)).GetType(typeName, throwOnError: true)!;
        try
        {
            var connection = (DbConnection)Activator.CreateInstance(connectionType)!;
            ParseWithProvider(connection, connectionString);
            connection.ConnectionString = provider == DatabaseDialect.SqliteProvider
                ? SqliteDialect.AnchoredAt(connectionString, projectDirectory) ?? connectionString
                : connectionString;
            return (connection, provider);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or InvalidOperationException or FormatException)
        {
            throw InvalidConnectionString(provider, connectionString, e.InnerException);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw InvalidConnectionString(provider, connectionString, e);
        }
    }

    /// <summary>
    /// On another thread, while this one has EF Core set up its services: runs the context's
    /// OnConfiguring on an instance of its own and opens and closes a plain connection of its
    /// provider (see <see cref="TryConnectDirectly"/>). The provider's first open (loading its
    /// code, the server's authentication) overlaps that set-up, and the physical connection waits
    /// in the provider's pool for the context's own open, once the task returned is done (wait for
    /// it before the context opens, or it opens a second one). Only where opening costs: not
    /// SQLite, whose open would also create a missing file. Any failure (a missing database that
    /// `upgrade` creates, a wrong password, a bad string) is left to the context's own open to report.
    /// </summary>
    public static Task WarmUpConnection(
        Assembly startupAssembly, Assembly revisionsAssembly, string? contextName, string? connectionString, string projectDirectory)
        => Task.Run(async () =>
        {
            try
            {
                if (TryConnectDirectly(startupAssembly, revisionsAssembly, contextName, connectionString, projectDirectory) is not { } direct)
                {
                    return;
                }

                await using var connection = direct.Connection;
                if (direct.Provider != DatabaseDialect.SqliteProvider)
                {
                    await connection.OpenAsync();
                }
            }
            catch (Exception e)
            {
                Log.Debug("Opening a connection ahead of EF Core failed ({Reason}); the context opens its own", RevisionRunner.OneLine(e.Message));
            }
        });

    /// <summary>
    /// Parses the connection string with the provider's builder (from <paramref name="connection"/>'s
    /// factory), first asking it for each keyword, so an unknown one is named as the user spelled it.
    /// </summary>
    private static void ParseWithProvider(DbConnection connection, string connectionString)
    {
        if (DbProviderFactories.GetFactory(connection)?.CreateConnectionStringBuilder() is not { } builder)
        {
            return;
        }

        // Asked of the builder: providers word an unknown keyword in their own ways.
        if (Keywords(connectionString).FirstOrDefault(k => !builder.ContainsKey(k)) is { } unknown)
        {
            throw new MigrationKitException($"The connection string has an unknown keyword '{Spelled(connectionString, unknown)}'.", ConnectionStringHint);
        }

        builder.ConnectionString = connectionString;
    }

    /// <summary>
    /// The relational provider of the options the app's host registers for the context, when the
    /// context is made from them: by dependency injection or EF Core's own IDbContextFactory (not
    /// a factory of the app's, which may make it any way); null otherwise.
    /// </summary>
    private static RelationalOptionsExtension? RegisteredProvider(Type contextType, Assembly startupAssembly)
    {
        var services = AppHost.NewScope(startupAssembly);
        if (services.GetService(typeof(IDbContextFactory<>).MakeGenericType(contextType)) is { } factory
            && factory.GetType().Assembly != typeof(DbContext).Assembly)
        {
            return null;
        }

        return (services.GetService(typeof(DbContextOptions<>).MakeGenericType(contextType)) as DbContextOptions)?
            .Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault();
    }

    private static bool OverridesOnConfiguring(Type contextType)
        => contextType.GetMethod("OnConfiguring", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(DbContextOptionsBuilder)])!
            .DeclaringType != typeof(DbContext);

    /// <summary>A provider's own data source object (Npgsql's UseNpgsql(NpgsqlDataSource)), which EF's relational options do not show.</summary>
    private static bool ConfiguresDataSource(RelationalOptionsExtension extension)
        => extension.GetType().GetProperty("DataSource")?.GetValue(extension) is not null;

    /// <summary>The relational provider the context's OnConfiguring chooses; null when it chooses none or fails.</summary>
    private static RelationalOptionsExtension? ConfiguredProvider(Type contextType)
    {
        var builder = new DbContextOptionsBuilder();
        return Configure(contextType, builder) ? builder.Options.Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault() : null;
    }

    /// <summary>Runs the context's OnConfiguring on <paramref name="builder"/>, on an instance of its own; false when that fails.</summary>
    private static bool Configure(Type contextType, DbContextOptionsBuilder builder)
    {
        try
        {
            using var context = (DbContext)Activator.CreateInstance(contextType)!;
            typeof(DbContext).GetMethod("OnConfiguring", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(context, [builder]);
            return true;
        }
        catch (TargetInvocationException)
        {
            // The usual way will run the same code and report its failure.
            return false;
        }
    }

    /// <summary>
    /// How the app's context configures itself (its OnConfiguring, applied to a builder given),
    /// for a context the tool creates with its parameterless constructor; null for one that comes
    /// from a factory or a host, or when there is not exactly one.
    /// </summary>
    public static Action<DbContextOptionsBuilder>? ConfigurationOf(Assembly assembly, string? contextName)
    {
        Type type;
        try
        {
            type = FindContextType([assembly], contextName);
        }
        catch (MigrationKitException)
        {
            return null;
        }

        return ConfiguresItself(type, assembly) ? builder => Configure(type, builder) : null;
    }

    /// <summary>The tool creates the context with its parameterless constructor (no factory, no host), so its OnConfiguring is all its configuration.</summary>
    private static bool ConfiguresItself(Type contextType, Assembly startupAssembly)
        => DesignTimeFactory(contextType, startupAssembly) is null && ConstructedDirectly(contextType, startupAssembly);

    private const string ConnectionStringHint = "Check its keywords (Host=...;Database=...; or Data Source=...).";

    /// <summary>
    /// The provider's refusal of a connection string, naming the keyword whose value it refused
    /// when its message names one. The message may quote the connection string or a value; ours never does.
    /// </summary>
    private static MigrationKitException InvalidConnectionString(string? provider, string connectionString, Exception e)
    {
        var messages = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            messages.Add(x.Message);
        }

        return Keywords(connectionString).FirstOrDefault(k => messages.Any(m => Regex.IsMatch(m, $@"(?i)\b{Regex.Escape(k)}\b"))) is { } keyword
            ? new($"The connection string has a value for '{Spelled(connectionString, keyword)}' that {provider} does not accept.", ConnectionStringHint, e)
            : new("The connection string is not valid for " + provider + ".", ConnectionStringHint, e);
    }

    /// <summary>
    /// The keywords of a connection string, lower-cased by the generic builder that parses them
    /// (quoted values may hold ';' and '='). Empty when it cannot be parsed.
    /// </summary>
    private static IEnumerable<string> Keywords(string connectionString)
    {
        DbConnectionStringBuilder parsed;
        try
        {
            parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (ArgumentException)
        {
            return [];
        }

        return parsed.Keys.Cast<string>();
    }

    /// <summary>A keyword as the user spelled it, for an error message (only then: a pattern per keyword costs every command).</summary>
    private static string Spelled(string connectionString, string keyword)
        => Regex.Match(connectionString, $@"(?i)(?:^|;)\s*({Regex.Escape(keyword)})\s*=") is { Success: true } spelled ? spelled.Groups[1].Value : keyword;

    /// <summary>
    /// The cases that need no host: the app's IDesignTimeDbContextFactory, or a parameterless
    /// constructor in an app with no generic host (where EF would ask the host for the context first).
    /// </summary>
    private static DbContext? CreateDirectly(Type contextType, Assembly startupAssembly)
    {
        if (DesignTimeFactory(contextType, startupAssembly) is { } factory)
        {
            Log.Debug("Creating {Context} with {Factory}", contextType.Name, factory.Name);
            return (DbContext)typeof(IDesignTimeDbContextFactory<>).MakeGenericType(contextType)
                .GetMethod(nameof(IDesignTimeDbContextFactory<DbContext>.CreateDbContext))!
                .Invoke(Activator.CreateInstance(factory), [Array.Empty<string>()])!;
        }

        return ConstructedDirectly(contextType, startupAssembly) ? (DbContext)Activator.CreateInstance(contextType)! : null;
    }

    /// <summary>
    /// As EF Core's design-time tools make a context that no design-time factory makes: from the
    /// app's services (<see cref="AppHost"/>), by the IDbContextFactory registered there, else by
    /// dependency injection (a constructor whose parameters the services give). Unlike EF's
    /// DbContextActivator, it does not set up EF Core's services for the context on the way (to
    /// hand them a logger of its own), which `current` never needs and the others do on first use.
    /// </summary>
    private static DbContext CreateFromAppServices(Type contextType, Assembly startupAssembly)
    {
        var services = AppHost.NewScope(startupAssembly);
        var factoryContract = typeof(IDbContextFactory<>).MakeGenericType(contextType);
        return services.GetService(factoryContract) is { } factory
            ? (DbContext)factoryContract.GetMethod(nameof(IDbContextFactory<DbContext>.CreateDbContext))!.Invoke(factory, null)!
            : (DbContext)ActivatorUtilities.GetServiceOrCreateInstance(services, contextType);
    }

    /// <summary>The app's IDesignTimeDbContextFactory for the context: in the startup assembly, else in the context's own, as EF looks.</summary>
    private static Type? DesignTimeFactory(Type contextType, Assembly startupAssembly)
    {
        var factoryContract = typeof(IDesignTimeDbContextFactory<>).MakeGenericType(contextType);
        return new[] { startupAssembly, contextType.Assembly }.Distinct().SelectMany(AssemblyTypes.Loadable)
            .FirstOrDefault(t => !t.IsAbstract && factoryContract.IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null);
    }

    /// <summary>A parameterless constructor in an app with no generic host (where EF would ask the host for the context first).</summary>
    private static bool ConstructedDirectly(Type contextType, Assembly startupAssembly)
        => contextType.GetConstructor(Type.EmptyTypes) is not null
           && !startupAssembly.GetReferencedAssemblies().Any(a => a.Name is "Microsoft.Extensions.Hosting" or "Microsoft.AspNetCore");

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
            var name = ContextChoice.Match(types.Select(t => t.FullName!).ToList(), contextName);
            return types.First(t => t.FullName == name);
        }

        return types.Count switch
        {
            1 => types[0],
            0 => throw new MigrationKitException(
                "No DbContext was found in the app.",
                "Add a class deriving from DbContext to the project, or pass --startup-project with the project that has one."),
            _ => throw ContextChoice.Several(types.Select(t => t.FullName!)),
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
