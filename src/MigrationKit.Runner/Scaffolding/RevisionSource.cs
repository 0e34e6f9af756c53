using MigrationKit.Core;

namespace MigrationKit.Runner.Scaffolding;

/// <summary>Revision files as text: finding one by id, and taking its C# snapshot out (<c>snapshots --convert</c>).</summary>
public static class RevisionSource
{
    private const string SnapshotMethod = "override void BuildTargetModel(";

    /// <summary>The .cs file under <paramref name="projectDirectory"/> (not bin or obj) whose [Revision] has the id; null when none has.</summary>
    public static string? Find(string projectDirectory, string id)
    {
        var attribute = $"[Revision(\"{id}\"";
        return Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(projectDirectory, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .FirstOrDefault(f => File.ReadAllText(f).Contains(attribute, StringComparison.Ordinal));
    }

    /// <summary>
    /// The revision's code without its <c>BuildTargetModel</c> override (and the comment and blank
    /// line before it): a block body to its matching brace, or an expression body to its semicolon,
    /// strings and comments skipped.
    /// </summary>
    /// <exception cref="MigrationKitException">The file has no such override, or its end cannot be found.</exception>
    public static string WithoutSnapshot(string code, string path)
    {
        var at = code.IndexOf(SnapshotMethod, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new MigrationKitException($"{path} has no BuildTargetModel override to take out.");
        }

        var start = code.LastIndexOf('\n', at) + 1;
        // The doc comment and attributes written above it go with it, and the blank line before them.
        while (PreviousLine(code, start) is { } previous && (previous.Text.TrimStart().StartsWith("///", StringComparison.Ordinal)
                                                             || previous.Text.TrimStart().StartsWith('[')))
        {
            start = previous.Start;
        }

        if (PreviousLine(code, start) is { } blank && blank.Text.Trim().Length == 0)
        {
            start = blank.Start;
        }

        var end = EndOfMember(code, at + SnapshotMethod.Length)
                  ?? throw new MigrationKitException($"Cannot find where BuildTargetModel ends in {path}.", "Remove it by hand, keeping the .model.json file.");
        var lineEnd = code.IndexOf('\n', end);
        return code[..start] + code[(lineEnd < 0 ? code.Length : lineEnd + 1)..];
    }

    private static (int Start, string Text)? PreviousLine(string code, int lineStart)
    {
        if (lineStart == 0)
        {
            return null;
        }

        var start = code.LastIndexOf('\n', lineStart - 2) + 1;
        return (start, code[start..(lineStart - 1)]);
    }

    /// <summary>The index just past the member's body that starts after <paramref name="from"/>; null when it does not end.</summary>
    private static int? EndOfMember(string code, int from)
    {
        var depth = 0;
        var parameters = 1;
        for (var i = from; i < code.Length; i++)
        {
            var c = code[i];
            if (c == '"' || (c == '@' && i + 1 < code.Length && code[i + 1] == '"'))
            {
                i = EndOfString(code, i);
                continue;
            }

            if (c == '/' && i + 1 < code.Length && code[i + 1] == '/')
            {
                i = code.IndexOf('\n', i) is var newline and >= 0 ? newline : code.Length;
                continue;
            }

            switch (c)
            {
                case '(':
                    parameters++;
                    break;
                case ')':
                    parameters--;
                    break;
                case '{':
                    depth++;
                    break;
                case '}':
                    depth--;
                    if (depth == 0 && parameters == 0)
                    {
                        return i + 1;
                    }

                    break;
                case ';' when depth == 0 && parameters == 0:
                    return i + 1;
            }
        }

        return null;
    }

    private static int EndOfString(string code, int i)
    {
        var verbatim = code[i] == '@';
        i += verbatim ? 2 : 1;
        for (; i < code.Length; i++)
        {
            if (verbatim && code[i] == '"')
            {
                if (i + 1 < code.Length && code[i + 1] == '"')
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (!verbatim && code[i] == '\\')
            {
                i++;
            }
            else if (!verbatim && code[i] == '"')
            {
                return i;
            }
        }

        return code.Length;
    }
}
