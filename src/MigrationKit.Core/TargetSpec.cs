using System.Globalization;

namespace MigrationKit.Core;

/// <summary>
/// A target as typed: <c>[branch@]symbol[+N|-N]</c>, for example <c>head</c>, <c>ae10</c>, <c>-1</c>,
/// <c>ae10+2</c>, <c>billing@head</c>, <c>billing@-1</c>. The parts are only split here; what a symbol
/// means is up to the graph.
/// </summary>
internal readonly record struct TargetSpec(string Text, string? Branch, string Symbol, int? Relative)
{
    public static TargetSpec Parse(string text)
    {
        // Alembic splits at the first '@'; an empty branch ("@head") counts as none, as it does there.
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var branch = at > 0 ? text[..at] : null;
        var rest = at >= 0 ? text[(at + 1)..] : text;

        // Ids and labels cannot contain '+' or '-', so a trailing sign and digits is always a relative step.
        var sign = rest.LastIndexOfAny(['+', '-']);
        if (sign >= 0
            && sign < rest.Length - 1
            && !rest.AsSpan(sign + 1).ContainsAnyExceptInRange('0', '9')
            && int.TryParse(rest.AsSpan(sign), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var steps))
        {
            return new TargetSpec(text, branch, rest[..sign], steps);
        }

        return new TargetSpec(text, branch, rest, null);
    }
}
