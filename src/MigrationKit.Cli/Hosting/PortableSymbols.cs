using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Serilog;

namespace MigrationKit.Cli.Hosting;

/// <summary>An assembly's portable symbols (the .pdb beside it, or embedded), read without loading the assembly.</summary>
internal static class PortableSymbols
{
    /// <summary><paramref name="read"/> over the assembly's metadata and its symbols; null when either cannot be read.</summary>
    public static T? Read<T>(string assemblyPath, Func<MetadataReader, MetadataReader, T?> read)
        where T : class
    {
        try
        {
            using var pe = new PEReader(File.OpenRead(assemblyPath));
            if (!pe.TryOpenAssociatedPortablePdb(assemblyPath, path => File.Exists(path) ? File.OpenRead(path) : null, out var symbolsProvider, out _)
                || symbolsProvider is null)
            {
                return null;
            }

            using (symbolsProvider)
            {
                return read(pe.GetMetadataReader(), symbolsProvider.GetMetadataReader());
            }
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            Log.Debug("Cannot read the symbols of {Assembly}: {Error}", assemblyPath, e.Message);
            return null;
        }
    }

    /// <summary>The full paths of the source documents the compiler read into the assembly (generated ones included); null without symbols.</summary>
    public static IReadOnlySet<string>? Documents(string assemblyPath)
        => Read<IReadOnlySet<string>>(assemblyPath, (_, symbols) => symbols.Documents
            .Select(document => Path.GetFullPath(symbols.GetString(symbols.GetDocument(document).Name)))
            .ToHashSet(StringComparer.Ordinal));
}
