using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using MigrationKit.Core;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The app's model compiled without the revisions, for commands that read the model and the
/// revisions' snapshots but run no revision (<c>revision --autogenerate</c>, <c>check</c>). An
/// app's revisions are most of its code (an initial revision of 300 entities is three quarters
/// of the compile) and change only when a revision is written, so while no revision's file
/// changed since the last full build, the revisions and their snapshots load from that build's
/// assembly, still in the output folder, and only the rest is compiled, into obj/, leaving the
/// build's outputs as they are. The agent then loads this assembly apart (<see cref="ModelLoadContext"/>).
/// </summary>
internal static class ModelBuild
{
    // The SDK's interop source generators (P/Invoke and COM marshalling stubs, JavaScript interop)
    // write code only for declarations with their attributes, and that code is no part of an EF
    // model. They are a third of a small project's compile (Roslyn compiles their pipelines just
    // in time on every run), so the model's compile leaves them out while no source names one of
    // those attributes; a source that needed them would fail to compile and send us to the whole build.
    private static readonly string[] InteropGenerators =
    [
        "Microsoft.Interop.LibraryImportGenerator.dll", "Microsoft.Interop.ComInterfaceGenerator.dll",
        "Microsoft.Interop.JavaScript.JSImportGenerator.dll", "Microsoft.Interop.SourceGeneration.dll",
    ];

    private static readonly string[] InteropAttributes = ["LibraryImport", "GeneratedComInterface", "GeneratedComClass", "JSImport", "JSExport"];

    /// <summary>
    /// Compiles the model alone and returns its assembly, or null when the whole project has to
    /// be compiled: the build's symbols do not say where every revision class is, a revision's
    /// file changed, a new file may hold a revision, or the rest does not compile without them.
    /// </summary>
    /// <param name="starting">Called as the compiler starts.</param>
    public static async Task<string?> TryCompileAsync(ProjectInfo info, CompilerCall call, ProjectChanges changes, Action starting, CancellationToken cancellationToken)
    {
        var sources = call.Sources(info.ProjectDirectory).ToHashSet(StringComparer.Ordinal);
        var revisionFiles = RevisionFiles(info.TargetPath);
        string? reason = revisionFiles switch
        {
            null => "the build's symbols do not say which files hold the revisions",
            { Count: 0 } => "the app has no revisions to leave out",
            _ when !revisionFiles.All(sources.Contains) => "the revisions' files are not among the compiler's sources as named",
            _ when changes.Modified.Concat(changes.Removed).Any(revisionFiles.Contains) => "a revision's file changed since the last build",
            // A new revision is compiled with the others; any other new source is read in full.
            _ when changes.Added.Any(f => File.ReadAllText(f).Contains(nameof(Revision), StringComparison.Ordinal)) => "a new file may hold a revision",
            _ => null,
        };
        if (reason is not null)
        {
            Log.Debug("Compiling all of {Project}: {Reason}", info.ProjectFile, reason);
            return null;
        }

        var assembly = Path.Combine(Path.GetDirectoryName(call.Output(info.ProjectDirectory))!, "migratekit-model", Path.GetFileName(info.TargetPath));
        Directory.CreateDirectory(Path.GetDirectoryName(assembly)!);
        Log.Debug("Compiling the model of {Project} without its {Count} revision files; the revisions load from the last build", info.ProjectFile, revisionFiles!.Count);
        var compiling = call.ForModel(assembly, revisionFiles, UnneededGenerators(sources.Except(revisionFiles)), info.ProjectDirectory).RunAsync(info, cancellationToken);
        starting();
        var (exitCode, output) = await compiling;
        if (exitCode != 0)
        {
            Log.Debug("The model does not compile without the revisions ({Error}); compiling all of it", ProjectInfo.FirstError(output));
            return null;
        }

        try
        {
            if (RevisionMetadataReader.Read(assembly).Count == 0)
            {
                return assembly;
            }
        }
        catch (MigrationKitException)
        {
            // A revision class without its attribute: the whole build reports it.
        }

        Log.Debug("A file besides the revisions' declares a revision; compiling all of {Project}", info.ProjectFile);
        return null;
    }

    /// <summary>The interop generators, when no source names one of their attributes.</summary>
    private static IReadOnlySet<string> UnneededGenerators(IEnumerable<string> sources)
        => sources.Any(source => File.Exists(source) && File.ReadAllText(source) is var text
                && InteropAttributes.Any(attribute => text.Contains(attribute, StringComparison.Ordinal)))
            ? new HashSet<string>()
            : InteropGenerators.ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The files (full paths) holding the revision classes of an assembly, from its portable
    /// symbols: the documents of every method of those classes and of the classes nested in them
    /// (lambdas). Null when the symbols are missing or do not place every revision class.
    /// </summary>
    private static IReadOnlySet<string>? RevisionFiles(string assemblyPath)
        => PortableSymbols.Read<IReadOnlySet<string>>(assemblyPath, (metadata, symbols) =>
        {
            var files = new HashSet<string>(StringComparer.Ordinal);
            foreach (var revision in RevisionMetadataReader.RevisionClasses(metadata))
            {
                var found = false;
                foreach (var method in MethodsWithin(metadata, revision))
                {
                    var information = symbols.GetMethodDebugInformation(method);
                    var documents = information.Document.IsNil
                        ? information.GetSequencePoints().Select(p => p.Document)
                        : [information.Document];
                    foreach (var document in documents.Distinct())
                    {
                        files.Add(Path.GetFullPath(symbols.GetString(symbols.GetDocument(document).Name)));
                        found = true;
                    }
                }

                if (!found)
                {
                    return null;
                }
            }

            return files;
        });

    private static IEnumerable<MethodDefinitionHandle> MethodsWithin(MetadataReader metadata, TypeDefinitionHandle handle)
    {
        var type = metadata.GetTypeDefinition(handle);
        return type.GetMethods().Concat(type.GetNestedTypes().SelectMany(nested => MethodsWithin(metadata, nested)));
    }
}
