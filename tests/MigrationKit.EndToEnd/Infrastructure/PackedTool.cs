using System.Text.Json;
using MigrationKit.Testing;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>Every end-to-end test shares one pack of the solution: packing takes a minute.</summary>
[CollectionDefinition(Name)]
public sealed class PackedToolCollection : ICollectionFixture<PackedTool>
{
    public const string Name = "packed tool";
}

/// <summary>
/// The solution packed once per test run, with a version of its own: NuGet caches a package version
/// forever, so a fixed version would install yesterday's tool. Also keeps the throwaway apps that
/// several tests share, created on first use.
/// </summary>
public sealed class PackedTool : IAsyncLifetime
{
    public const string EfCoreSqliteVersion = "10.0.15";
    public const string NpgsqlEfCoreVersion = "10.0.3";

    private readonly TempDirectory _folder = new("migratekit-e2e-pack");
    private readonly Dictionary<string, Task<ThrowawayApp>> _apps = new(StringComparer.Ordinal);

    public PackedTool()
    {
        RepositoryRoot = FindRepositoryRoot();
        // A prerelease of 0.0.0 sorts below any real release, and the process id keeps two runs started in the same second apart.
        Version = $"0.0.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        PackageFolder = _folder.File("packages");
    }

    public string RepositoryRoot { get; }

    public string Version { get; }

    /// <summary>The folder the packages are in: the NuGet source throwaway apps install from.</summary>
    public string PackageFolder { get; }

    /// <summary>A nuget.config with the packed packages and nuget.org, for an app folder.</summary>
    public string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="migratekit-e2e" value="{PackageFolder}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
        </configuration>
        """;

    public async Task InitializeAsync()
    {
        // Only the src projects: the tests and samples are not packages. A solution filter keeps the
        // solution's own project list as the truth, so a new src project is packed without a change here.
        var solution = Path.Combine(RepositoryRoot, "MigrationKit.sln");
        var projects = File.ReadAllLines(solution)
            .Where(l => l.StartsWith("Project(", StringComparison.Ordinal))
            .Select(l => l.Split('"')[5].Replace('\\', '/'))
            .Where(p => p.StartsWith("src/", StringComparison.Ordinal) && p.EndsWith("proj", StringComparison.Ordinal))
            .ToList();
        var filter = _folder.File("src.slnf");
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new { solution = new { path = solution, projects } }));

        // Release, as users pack it: `dotnet pack MigrationKit.sln` defaults to Release, a solution
        // filter does not. --artifacts-path: build in a folder of our own. Packing into the projects' obj folders with
        // another version would race with anyone building the tree at the same time and force them
        // to rebuild.
        ToolAssert.Succeeded(await RunningCommand.RunAsync(_folder.Path,
            ["pack", filter, "-c", "Release", "-o", PackageFolder, "--artifacts-path", _folder.File("artifacts"), $"-p:Version={Version}", "-nologo", "-verbosity:quiet"],
            timeout: TimeSpan.FromMinutes(10)));
        foreach (var package in new[] { "MigrationKit", "MigrationKit.Core", "MigrationKit.Runner", "MigrationKit.Tool" })
        {
            Assert.True(File.Exists(Path.Combine(PackageFolder, $"{package}.{Version}.nupkg")), $"dotnet pack wrote no {package} package.");
        }
    }

    /// <summary>
    /// The app called <paramref name="name"/>, created by <paramref name="create"/> the first time a test asks for it.
    /// Tests that share an app only read its files.
    /// </summary>
    public Task<ThrowawayApp> SharedAppAsync(string name, Func<PackedTool, Task<ThrowawayApp>> create)
    {
        lock (_apps)
        {
            if (!_apps.TryGetValue(name, out var app))
            {
                _apps[name] = app = create(this);
            }

            return app;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            if (app.IsCompletedSuccessfully)
            {
                (await app).Dispose();
            }
        }

        try
        {
            if (Directory.Exists(RunningCommand.NativeImageCache))
            {
                Directory.Delete(RunningCommand.NativeImageCache, recursive: true);
            }
        }
        catch (IOException)
        {
            // A background compile still writing there; the OS cleans the temp folder.
        }

        // Our unique versions would pile up in the global packages folder, one set per run.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in new[] { "migrationkit", "migrationkit.core", "migrationkit.runner", "migrationkit.tool" })
        {
            var folder = Path.Combine(cache, package, Version.ToLowerInvariant());
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // Left for `dotnet nuget locals global-packages --clear`.
            }
        }

        _folder.Dispose();
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MigrationKit.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No MigrationKit.sln above {AppContext.BaseDirectory}.");
    }
}
