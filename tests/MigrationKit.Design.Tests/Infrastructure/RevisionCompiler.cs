using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MigrationKit.Runner.Scaffolding;
using MigrationKit.Runner.Snapshots;

namespace MigrationKit.Design.Tests.Infrastructure;

/// <summary>
/// Compiles revision files in memory, the way the app's build would: what runs in a case is the
/// code autogenerate wrote, not operations handed over in memory. A warning fails the compile.
/// </summary>
internal static class RevisionCompiler
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    public static Assembly Compile(string assemblyName, IEnumerable<string> files)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f)),
            References.Value,
            // As strict as an app can be (Nullable and TreatWarningsAsErrors), less the two warnings
            // the SDK turns off itself (assembly unification).
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error,
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
        // Data snapshots beside the revisions, embedded as the csproj item `snapshots` adds embeds them.
        var resources = files.Select(RevisionWriter.SnapshotPath).Where(File.Exists)
            .Select(path => new ResourceDescription(
                DataSnapshots.ResourcePrefix + Path.GetFileName(path), () => File.OpenRead(path), isPublic: true))
            .ToList();
        using var image = new MemoryStream();
        var result = compilation.Emit(image, manifestResources: resources);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!result.Success)
        {
            throw new InvalidOperationException("The generated revisions do not compile:\n" + string.Join('\n', errors));
        }

        return Assembly.Load(image.ToArray());
    }

    /// <summary>The framework plus everything this test process loaded: EF Core, the providers, MigrationKit.</summary>
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        // Revisions name the provider's annotations; make sure both providers are loaded before listing.
        _ = typeof(Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy);
        _ = typeof(Microsoft.EntityFrameworkCore.SqliteDbContextOptionsBuilderExtensions);
        _ = typeof(Revision);
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0).Select(a => a.Location));
        return paths
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToList();
    }
}
