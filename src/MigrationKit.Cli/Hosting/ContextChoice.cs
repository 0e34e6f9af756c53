using MigrationKit.Core;
using MigrationKit.Runner;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The DbContext a command works on, and so its revisions, folder and version table, as EF Core
/// keeps migrations per context. The default context keeps the project's own settings and the
/// revisions that name no context; a context set up with `init --context` has settings of its own
/// (<see cref="ToolSettings.Contexts"/>), and its revisions name it
/// (<c>[Revision(..., Context = typeof(X))]</c>).
/// </summary>
/// <param name="ContextName">The context's full type name; null when the app's assemblies show none.</param>
/// <param name="KeptApart">The context has revisions of its own (not the default context).</param>
/// <param name="Settings">The settings for this context: folder, namespace and version table.</param>
internal sealed record ContextChoice(string? ContextName, bool KeptApart, ToolSettings Settings)
{
    /// <summary>Chooses from <paramref name="requested"/> (--context), else the settings' context, else the only one.</summary>
    /// <param name="revisionsAssembly">The assembly file of the revisions.</param>
    /// <param name="modelAssemblies">The assembly files whose metadata names the app's contexts (the model compiled alone, the startup project's).</param>
    public static ContextChoice Resolve(ToolSettings settings, string? requested, string revisionsAssembly, IEnumerable<string?> modelAssemblies)
    {
        var found = modelAssemblies.Append(revisionsAssembly).OfType<string>().Distinct(StringComparer.Ordinal).Where(File.Exists)
            .SelectMany(RevisionMetadataReader.ContextTypeNames)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var name = requested ?? settings.Context;
        var chosen = name is null
            ? found.Count > 1 ? throw Several(found) : found.SingleOrDefault()
            : found.Any(c => Names(c, name)) ? Match(found, name) : name;
        if (chosen is not null && settings.OwnSettingsOf(chosen) is { } own)
        {
            return new ContextChoice(chosen, true, settings with
            {
                VersionPath = own.VersionPath,
                Namespace = own.Namespace,
                VersionTable = own.VersionTable,
                Context = chosen,
                Contexts = null,
            });
        }

        // The default context: the one migratekit.json names, else the one not set up apart. Two
        // contexts left to share the default graph are refused once it has a revision: its
        // snapshots describe one of them, and the other would see every table as one to drop.
        var sharing = found.Where(c => settings.OwnSettingsOf(c) is null).ToList();
        if (chosen is not null && sharing.Count > 1
            && !(settings.Context is { } configured && Names(chosen, configured))
            && File.Exists(revisionsAssembly) && RevisionMetadataReader.ReadWithContexts(revisionsAssembly).Any(r => r.Context is null))
        {
            throw new MigrationKitException(
                $"The DbContexts {string.Join(" and ", sharing)} would share one graph of revisions.",
                $"Run `dotnet migratekit init --context {ShortName(chosen)}` to give {ShortName(chosen)} revisions of its own, or set \"context\" in {ToolSettings.FileName} to the context whose revisions are in {settings.VersionPath}/.");
        }

        return new ContextChoice(chosen, false, settings with { Context = chosen ?? settings.Context });
    }

    /// <summary>Whether the revision with this [Revision(Context = ...)] (null: none) belongs to the chosen context's graph.</summary>
    public bool Owns(string? revisionContext)
        => KeptApart ? revisionContext == ContextName : revisionContext is null || revisionContext == ContextName;

    /// <summary>The one context among <paramref name="contexts"/> (full names) that <paramref name="name"/> names, fully or by its class name.</summary>
    public static string Match(IReadOnlyList<string> contexts, string name)
    {
        var matches = contexts.Where(c => Names(c, name)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new MigrationKitException(
                $"No DbContext named '{name}' was found.",
                contexts.Count == 0 ? "The app has no DbContext." : "Contexts found: " + string.Join(", ", contexts) + "."),
            _ => throw new MigrationKitException(
                $"More than one DbContext is named '{name}': {string.Join(", ", matches)}.", "Pass --context with the full name."),
        };
    }

    public static MigrationKitException Several(IEnumerable<string> contexts) => new(
        $"More than one DbContext was found: {string.Join(", ", contexts)}.",
        $"Pass --context with one of them, or set \"context\" in {ToolSettings.FileName}.");

    /// <summary>Whether <paramref name="name"/> (as a user types it) names the context with this full name.</summary>
    public static bool Names(string fullName, string name)
        => fullName == name || fullName.EndsWith("." + name, StringComparison.Ordinal) || fullName.EndsWith("+" + name, StringComparison.Ordinal);

    public static string ShortName(string fullName) => fullName[(fullName.LastIndexOfAny(['.', '+']) + 1)..];
}
