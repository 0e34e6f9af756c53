namespace MigrationKit.Cli;

/// <summary>
/// `downgrade -1` is Alembic's most typed command, but to an option parser "-1" is an unknown
/// option. Such tokens are marked before parsing and unmarked where a revision is read.
/// </summary>
internal static class RelativeArguments
{
    private const string Marker = "relative:";

    public static string[] Escape(string[] arguments)
        => arguments.Select(a => IsRelative(a) ? Marker + a : a).ToArray();

    public static string Unescape(string argument)
        => argument.StartsWith(Marker, StringComparison.Ordinal) ? argument[Marker.Length..] : argument;

    private static bool IsRelative(string argument)
        => argument.Length > 1 && argument[0] == '-' && argument.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;
}
