using System.Globalization;
using System.Text;
using MigrationKit.Core;

namespace MigrationKit.Runner.Scaffolding;

/// <summary>
/// Writes a revision as a C# file a reviewer can read and edit: <c>{id}_{slug}.cs</c> holding one
/// class with its [Revision] attribute and Upgrade/Downgrade bodies.
/// </summary>
public static class RevisionWriter
{
    /// <summary>Writes the file and returns its path.</summary>
    /// <param name="context">The full name of the DbContext the revision belongs to, when that context keeps revisions of its own.</param>
    public static string Write(string directory, string @namespace, RevisionInfo revision, RevisionCode? code = null, string? context = null)
    {
        Directory.CreateDirectory(directory);
        var slug = Slug(revision.Message);
        var path = Path.Combine(directory, slug.Length == 0 ? revision.Id + ".cs" : $"{revision.Id}_{slug}.cs");
        if (File.Exists(path))
        {
            throw new MigrationKitException($"File '{path}' already exists.");
        }

        if (code?.DataSnapshot is { } snapshot)
        {
            // Before the revision: a revision without it would be compiled without its model.
            File.WriteAllText(SnapshotPath(path), snapshot);
        }

        File.WriteAllText(path, Render(@namespace, revision, code, context));
        return path;
    }

    /// <summary>The data snapshot's file beside a revision's: <c>{id}_{slug}.model.json</c>.</summary>
    public static string SnapshotPath(string revisionPath)
        => Path.ChangeExtension(revisionPath, null) + Snapshots.DataSnapshots.FileSuffix;

    public static string Render(string @namespace, RevisionInfo revision, RevisionCode? code = null, string? context = null)
    {
        var text = new StringBuilder();
        foreach (var comment in (code?.HeaderComments ?? []).SelectMany(CommentLines))
        {
            text.Append("// ").AppendLine(comment);
        }

        if (code?.HeaderComments.Count > 0)
        {
            text.AppendLine();
        }

        var usings = new SortedSet<string>(code?.Namespaces ?? [], StringComparer.Ordinal) { "Microsoft.EntityFrameworkCore.Migrations", "MigrationKit" };
        if (code?.TargetModel is not null)
        {
            usings.Add("Microsoft.EntityFrameworkCore");
        }

        // System namespaces first, as dotnet format orders them.
        foreach (var name in usings.Where(n => n == "System" || n.StartsWith("System.", StringComparison.Ordinal))
                     .Concat(usings.Where(n => n != "System" && !n.StartsWith("System.", StringComparison.Ordinal))))
        {
            text.Append("using ").Append(name).AppendLine(";");
        }

        // As EF Core's migrations: generated code (seed data's nulls, snapshots) is not annotated,
        // and an app with Nullable and TreatWarningsAsErrors must still build it.
        text.AppendLine()
            .AppendLine("#nullable disable")
            .AppendLine()
            .Append("namespace ").Append(Namespace(@namespace)).AppendLine(";")
            .AppendLine()
            .AppendLine("/// <summary>");
        foreach (var line in CommentLines(revision.Message))
        {
            text.Append("/// ").AppendLine(System.Security.SecurityElement.Escape(line));
        }

        text.AppendLine("/// </summary>")
            .Append("[Revision(").Append(Literal(revision.Id));
        AppendList(text, "Parents", revision.Parents);
        text.Append(",\n    Message = ").Append(Literal(revision.Message));
        if (revision.Created is { } created)
        {
            text.Append(",\n    Created = ").Append(Literal(created.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture)));
        }

        AppendList(text, "BranchLabels", revision.BranchLabels);
        AppendList(text, "DependsOn", revision.DependsOn);
        AppendList(text, "Replaces", revision.Replaces);
        if (context is not null)
        {
            text.Append(",\n    Context = typeof(global::").Append(context.Replace('+', '.')).Append(')');
        }

        text.AppendLine(")]")
            .Append("public sealed class ").Append(ClassName(revision)).AppendLine(" : Revision")
            .AppendLine("{")
            .AppendLine("    protected override void Upgrade(MigrationBuilder migrationBuilder)")
            .AppendLine("    {");
        AppendBody(text, code?.Upgrade);
        text.AppendLine("    }")
            .AppendLine()
            .AppendLine("    protected override void Downgrade(MigrationBuilder migrationBuilder)")
            .AppendLine("    {");
        AppendBody(text, code?.Downgrade);
        text.AppendLine("    }");
        if (code?.TargetModel is { } model)
        {
            text.AppendLine()
                .AppendLine("    /// <summary>The model after this revision: what the next autogenerate diffs against.</summary>")
                .AppendLine("    protected override void BuildTargetModel(ModelBuilder modelBuilder)")
                .AppendLine("    {");
            AppendBody(text, model);
            text.AppendLine("    }");
        }

        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>A class name from the message, suffixed with the id so two revisions never clash.</summary>
    public static string ClassName(RevisionInfo revision)
    {
        var name = new StringBuilder();
        foreach (var word in Words(revision.Message))
        {
            name.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
        }

        if (name.Length == 0 || !char.IsLetter(name[0]))
        {
            name.Insert(0, "Revision");
        }

        return name.Append('_').Append(Identifier(revision.Id)).ToString();
    }

    private static string Slug(string message)
    {
        var slug = string.Join('_', Words(message).Select(w => w.ToLowerInvariant()));
        return slug.Length > 40 ? slug[..40].TrimEnd('_') : slug;
    }

    private static IEnumerable<string> Words(string message)
        => System.Text.RegularExpressions.Regex.Matches(message, "[A-Za-z0-9]+").Select(m => m.Value);

    private static string Identifier(string id) => new(id.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    private static void AppendBody(StringBuilder text, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return;
        }

        foreach (var line in body.TrimEnd().Split('\n'))
        {
            text.Append(line.Length == 0 ? "" : "        ").AppendLine(line.TrimEnd('\r'));
        }
    }

    private static void AppendList(StringBuilder text, string name, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            text.Append(",\n    ").Append(name).Append(" = [").Append(string.Join(", ", values.Select(Literal))).Append(']');
        }
    }

    /// <summary>
    /// A C# string literal of any text: quotes and backslashes escaped, and every character a
    /// literal cannot hold as it is (line terminators, U+0085, U+2028 and U+2029 among them, other
    /// control characters) written as <c>\uXXXX</c>; a lone surrogate as U+FFFD.
    /// </summary>
    private static string Literal(string value)
    {
        var literal = new StringBuilder("\"", value.Length + 2);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '"' or '\\')
            {
                literal.Append('\\').Append(c);
            }
            else if (LoneSurrogate(value, i))
            {
                // An attribute's strings are UTF-8 in the assembly, which cannot hold one either.
                literal.Append("\\ufffd");
            }
            else if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                literal.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                literal.Append(c);
            }
        }

        return literal.Append('"').ToString();
    }

    private static bool LoneSurrogate(string value, int i)
        => char.IsHighSurrogate(value[i]) ? i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])
            : char.IsLowSurrogate(value[i]) && (i == 0 || !char.IsHighSurrogate(value[i - 1]));

    /// <summary>
    /// Text as the lines of a comment: split wherever C# ends a line (a comment holding U+2028
    /// would end there and leave the rest as code), other control characters as spaces, a lone
    /// surrogate (which no file encoding can hold) as U+FFFD.
    /// </summary>
    private static IEnumerable<string> CommentLines(string text)
        => text.Split(["\r\n", "\r", "\n", "\u0085", "\u2028", "\u2029"], StringSplitOptions.None)
            .Select(line => string.Create(line.Length, line, static (chars, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    chars[i] = char.IsControl(source[i]) && source[i] != '\t' ? ' ' : LoneSurrogate(source, i) ? '\uFFFD' : source[i];
                }
            }));

    /// <summary>
    /// A namespace C# accepts, from one built of folder and project names (MSBuild's default root
    /// namespace is the project's file name with only spaces replaced): each part an identifier.
    /// </summary>
    private static string Namespace(string name)
        => string.Join('.', name.Split('.').Select(part =>
        {
            var identifier = new string(part.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
            return identifier.Length == 0 || char.IsDigit(identifier[0]) ? "_" + identifier : identifier;
        }));
}

/// <summary>The code of a revision beyond its identity: bodies, snapshot and what they need.</summary>
/// <param name="Upgrade">Statements of Upgrade, written against <c>migrationBuilder</c>.</param>
/// <param name="Downgrade">Statements of Downgrade.</param>
/// <param name="TargetModel">Statements of BuildTargetModel against <c>modelBuilder</c>, or null for none.</param>
/// <param name="Namespaces">Namespaces the statements use.</param>
/// <param name="HeaderComments">Lines put at the top of the file as comments (data-loss warnings).</param>
public sealed record RevisionCode(
    string Upgrade,
    string Downgrade,
    string? TargetModel,
    IReadOnlyCollection<string> Namespaces,
    IReadOnlyList<string> HeaderComments)
{
    /// <summary>
    /// The snapshot as a data file's text (<c>.model.json</c>, written beside the revision), when
    /// <see cref="TargetModel"/> is null; null with it too: the revision records no model of its own.
    /// </summary>
    public string? DataSnapshot { get; init; }
}
