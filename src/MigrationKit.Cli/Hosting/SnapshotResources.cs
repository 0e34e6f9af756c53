using System.Xml.Linq;
using MigrationKit.Runner.Snapshots;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Makes the app's project embed its data snapshots (<c>.model.json</c>) in its assembly, where the
/// catalog reads them, whether the app references MigrationKit as a package or a project: one
/// <c>EmbeddedResource</c> item in the project file, added once.
/// </summary>
internal static class SnapshotResources
{
    public const string Include = "**/*" + DataSnapshots.FileSuffix;

    /// <summary>Adds the item unless the project has it; returns the one line saying so, or null when it was there.</summary>
    public static string? EnsureEmbedded(string projectDirectory)
    {
        var projectFile = ProjectInfo.FindProjectFile(projectDirectory);
        var text = File.ReadAllText(projectFile);
        if (text.Contains(DataSnapshots.ResourcePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var project = XDocument.Parse(text, LoadOptions.PreserveWhitespace);
        var root = project.Root!;
        var ns = root.Name.Namespace;
        var item = new XElement(ns + "EmbeddedResource",
            new XAttribute("Include", Include),
            new XAttribute("Exclude", "bin/**;obj/**"),
            new XAttribute("LogicalName", DataSnapshots.ResourcePrefix + "%(Filename)%(Extension)"));
        root.Add(
            new XText("  "),
            new XComment(" MigrationKit's data snapshots, read from the assembly by the revisions' catalog. "),
            new XText("\n  "),
            new XElement(ns + "ItemGroup", new XText("\n    "), item, new XText("\n  ")),
            new XText("\n"));
        // Written whole in one step: a kill leaves the old file or the new one.
        var temporary = projectFile + ".migratekit-tmp";
        File.WriteAllText(temporary, project.Declaration is null ? project.ToString(SaveOptions.DisableFormatting) : project.Declaration + project.ToString(SaveOptions.DisableFormatting));
        File.Move(temporary, projectFile, overwrite: true);
        return $"  Added an EmbeddedResource item for {Include} (data snapshots) to {projectFile}";
    }
}
