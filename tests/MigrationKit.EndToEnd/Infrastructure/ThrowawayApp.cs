using System.Text.RegularExpressions;
using MigrationKit.Testing;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>
/// A small EF Core app in a temp folder with the packed tool installed as a local tool, run the
/// way its developer runs it: `dotnet migratekit ...` in the project folder.
/// </summary>
public sealed partial class ThrowawayApp : IDisposable
{
    /// <summary>Which provider the apps of <see cref="CreateAsync"/> use: "postgres" or "sqlite".</summary>
    public const string ProviderVariable = "APP_PROVIDER";

    /// <summary>
    /// The DbContext of the apps of <see cref="CreateAsync"/>: one app serves both databases. The
    /// connection strings are placeholders; tests pass the real one with --connection or MIGRATEKIT_CONNECTION.
    /// </summary>
    private const string DbContextSource = """
        using Microsoft.EntityFrameworkCore;

        namespace App;

        public class AppDbContext : DbContext
        {
            protected override void OnConfiguring(DbContextOptionsBuilder options)
            {
                if (Environment.GetEnvironmentVariable("APP_PROVIDER") == "sqlite")
                {
                    options.UseSqlite("Data Source=app.db");
                }
                else
                {
                    options.UseNpgsql("Host=localhost;Database=app");
                }
            }
        }
        """;

    private readonly TempDirectory? _owned;

    public ThrowawayApp(string directory, TempDirectory? owned = null)
    {
        Directory = directory;
        _owned = owned;
    }

    public string Directory { get; }

    public string RevisionsDirectory => Path.Combine(Directory, "Revisions");

    /// <summary>
    /// An app on both providers, with the files <paramref name="addFiles"/> writes (revisions, helpers),
    /// set up with `init` and built once by `heads`, so later commands can pass --no-build. The files a
    /// user would make with `dotnet new` and `dotnet add package` are written directly: the adoption
    /// tests type those commands, the others need not pay for them.
    /// </summary>
    /// <param name="projectFolder">A folder of the temp folder to put the project in, leaving room beside it for others.</param>
    public static async Task<ThrowawayApp> CreateAsync(PackedTool tool, string name, Action<ThrowawayApp>? addFiles = null, string? projectFolder = null)
    {
        var folder = new TempDirectory("migratekit-e2e-" + name.ToLowerInvariant());
        var app = new ThrowawayApp(projectFolder is null ? folder.Path : System.IO.Directory.CreateDirectory(Path.Combine(folder.Path, projectFolder)).FullName, folder);
        try
        {
            await SetUpAsync(app, tool, addFiles);
            return app;
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }

    private static async Task SetUpAsync(ThrowawayApp app, PackedTool tool, Action<ThrowawayApp>? addFiles)
    {
        app.WriteFile("App.csproj", ProjectFile(tool, ("Microsoft.EntityFrameworkCore.Sqlite", PackedTool.EfCoreSqliteVersion),
            ("Npgsql.EntityFrameworkCore.PostgreSQL", PackedTool.NpgsqlEfCoreVersion)));
        app.WriteFile("nuget.config", tool.NuGetConfig);
        app.WriteFile("dotnet-tools.json", $$"""
            {
              "version": 1,
              "isRoot": true,
              "tools": {
                "migrationkit.tool": {
                  "version": "{{tool.Version}}",
                  "commands": [ "dotnet-migratekit" ],
                  "rollForward": false
                }
              }
            }
            """);
        app.WriteFile("AppDbContext.cs", DbContextSource);
        addFiles?.Invoke(app);

        ToolAssert.Succeeded(await RunningCommand.RunAsync(app.Directory, ["tool", "restore"]));
        ToolAssert.Succeeded(await app.RunAsync("init"));
        ToolAssert.Succeeded(await app.RunAsync("heads"));
    }

    /// <summary>The app's project file: a class library on these packages and the packed MigrationKit.</summary>
    public static string ProjectFile(PackedTool tool, params (string Id, string Version)[] packages) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
            <RootNamespace>App</RootNamespace>
          </PropertyGroup>
          <ItemGroup>
        {string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />\n"))}    <PackageReference Include="MigrationKit" Version="{tool.Version}" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>`dotnet migratekit ARGUMENTS` in the project folder.</summary>
    /// <summary>Sets (or with null removes) one setting in the app's migratekit.json, as a user edits it.</summary>
    public void WriteSetting(string name, System.Text.Json.Nodes.JsonNode? value)
    {
        var path = Path.Combine(Directory, "migratekit.json");
        var settings = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        settings.Remove(name);
        if (value is not null)
        {
            settings[name] = value;
        }

        File.WriteAllText(path, settings.ToJsonString());
    }

    public Task<CommandResult> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    public Task<CommandResult> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
        => RunningCommand.RunAsync(Directory, ["migratekit", .. arguments], environment);

    public RunningCommand Start(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
        => RunningCommand.Start(Directory, ["migratekit", .. arguments], environment);

    /// <summary>
    /// `revision -m MESSAGE OPTIONS`, then the generated file's empty bodies filled in as a developer
    /// would. The app is built by the command (the new revision's parents depend on the ones before).
    /// </summary>
    /// <returns>The new revision's id.</returns>
    public async Task<string> AddRevisionAsync(string message, string upgrade, string downgrade, params string[] options)
    {
        var result = ToolAssert.Succeeded(await RunAsync(["revision", "-m", message, .. options]));
        var path = GeneratedFile(result);
        File.WriteAllText(path, FillBodies(File.ReadAllText(path), upgrade, downgrade));
        return RevisionId(path);
    }

    /// <summary>The file named by a `revision` or `merge` run: "  Generating PATH ...  done".</summary>
    public static string GeneratedFile(CommandResult result)
    {
        var line = result.OutputLines.SingleOrDefault(l => l.TrimStart().StartsWith("Generating ", StringComparison.Ordinal));
        Assert.True(line is not null, "Expected one 'Generating PATH ...  done' line.\n" + result);
        var match = GeneratingLine().Match(line);
        Assert.True(match.Success, "Unexpected 'Generating' line.\n" + result);
        var path = match.Groups["path"].Value;
        Assert.True(File.Exists(path), $"'{path}' was announced but not written.\n{result}");
        return path;
    }

    /// <summary>The id in a revision file's [Revision("id", ...)] attribute.</summary>
    public static string RevisionId(string path)
    {
        var match = RevisionAttribute().Match(File.ReadAllText(path));
        Assert.True(match.Success, $"No [Revision(\"id\" ...)] in {path}.");
        return match.Groups["id"].Value;
    }

    /// <summary>Fills the empty Upgrade and Downgrade bodies that `revision` and `merge` write.</summary>
    public static string FillBodies(string source, string upgrade, string downgrade)
    {
        var filled = Fill(source, "Upgrade", upgrade);
        return Fill(filled, "Downgrade", downgrade);

        static string Fill(string source, string method, string body)
        {
            var empty = new Regex($@"(protected override void {method}\(MigrationBuilder migrationBuilder\)\s*\{{)\s*\}}");
            Assert.True(empty.Matches(source).Count == 1, $"Expected one empty {method} body in:\n{source}");
            return empty.Replace(source, m => m.Groups[1].Value + "\n" + Indent(body, 8) + "    }");
        }
    }

    /// <summary>A revision file in the documented format, written by hand (as revisions are reviewed and edited by hand).</summary>
    public void WriteRevision(string id, string[] parents, string message, string upgrade, string downgrade)
    {
        var parentList = parents.Length == 0 ? "" : $"\n    Parents = [{string.Join(", ", parents.Select(p => $"\"{p}\""))}],";
        WriteFile(Path.Combine("Revisions", $"{id}.cs"), $$"""
            using Microsoft.EntityFrameworkCore.Migrations;
            using MigrationKit;

            namespace App.Revisions;

            [Revision("{{id}}",{{parentList}}
                Message = "{{message}}",
                Created = "2026-01-01T00:00:00.000000+00:00")]
            public sealed class Revision_{{id}} : Revision
            {
                protected override void Upgrade(MigrationBuilder migrationBuilder)
                {
            {{Indent(upgrade, 8)}}    }

                protected override void Downgrade(MigrationBuilder migrationBuilder)
                {
            {{Indent(downgrade, 8)}}    }
            }
            """);
    }

    public string WriteFile(string relativePath, string text)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        return path;
    }

    public void Dispose() => _owned?.Dispose();

    private static string Indent(string body, int spaces)
        => string.Concat(body.Trim('\n').ReplaceLineEndings("\n").Split('\n')
            .Select(l => (l.Length == 0 ? "" : new string(' ', spaces) + l) + "\n"));

    [GeneratedRegex(@"Generating (?<path>.+?) \.\.\.\s+done")]
    private static partial Regex GeneratingLine();

    [GeneratedRegex("""\[Revision\("(?<id>[^"]+)"\s*[,)]""")]
    private static partial Regex RevisionAttribute();
}
