using MigrationKit.Runner.Scaffolding;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests;

/// <summary>`squash` moves the replaced revisions' files, and the files beside them that share their name, aside.</summary>
public sealed class SquashedFilesTests
{
    [Fact]
    public void The_replaced_revisions_files_and_their_companions_move_to_the_squashs_folder_and_others_stay()
    {
        using var project = new TempDirectory("migratekit-squashed");
        var revisions = project.File("Revisions");
        Write(project.File("Revisions/a1_first.cs"), "[Revision(\"a1\",\n    Message = \"first\")]\npublic sealed class First_a1 : Revision { }");
        Write(project.File("Revisions/a1_first.model.json"), "{}");
        Write(project.File("Revisions/Older/b2_second.cs"), "[MigrationKit.Revision(id: \"b2\", Parents = [\"a1\"])]\npublic sealed class Second_b2 : Revision { }");
        Write(project.File("Revisions/c3_third.cs"), "[Revision(\"c3\", Parents = [\"b2\"])]\npublic sealed class Third_c3 : Revision { }");
        Write(project.File("obj/Debug/copy.cs"), "[Revision(\"b2\")]");

        var notFound = SquashedFiles.MoveAside(project.Path, revisions, ["a1", "b2", "zz"], "s9");

        Assert.Equal(["zz"], notFound);
        var folder = SquashedFiles.FolderFor(revisions, "s9");
        Assert.Equal(["a1_first.cs", "a1_first.model.json", "b2_second.cs"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["c3_third.cs"], Directory.GetFiles(revisions).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(project.File("Revisions/Older")));
        Assert.True(File.Exists(project.File("obj/Debug/copy.cs")));
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
