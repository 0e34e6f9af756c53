using MigrationKit.Core;

namespace MigrationKit.Transfer;

/// <summary>
/// A user's --where predicate, checked so that it can only ever be one boolean expression: COPY
/// statements go through PostgreSQL's simple query protocol, and Microsoft.Data.Sqlite runs every
/// statement of a command's text, so a `;` would start a second statement on either. It runs in a
/// read-only transaction (on a read-only SQLite connection) besides.
/// </summary>
internal static class RowFilter
{
    /// <summary>The predicate unchanged, or a <see cref="MigrationKitException"/> naming what is refused.</summary>
    public static string Validate(string table, string predicate)
    {
        if (string.IsNullOrWhiteSpace(predicate))
        {
            throw Refused(table, "it is empty");
        }

        // A backslash can escape a quote (E'\'', or any literal when standard_conforming_strings is
        // off), which would make this scan and the server disagree on where a literal ends.
        if (predicate.Contains('\\'))
        {
            throw Refused(table, "backslashes are not allowed");
        }

        var depth = 0;
        for (var i = 0; i < predicate.Length; i++)
        {
            var c = predicate[i];
            switch (c)
            {
                case '\'' or '"':
                    // A literal or quoted identifier runs to its closing quote; a doubled quote stays inside.
                    var close = i + 1;
                    while (true)
                    {
                        close = predicate.IndexOf(c, close);
                        if (close < 0)
                        {
                            throw Refused(table, $"a {(c == '\'' ? "string literal" : "quoted identifier")} is not closed");
                        }

                        if (close + 1 < predicate.Length && predicate[close + 1] == c)
                        {
                            close += 2;
                            continue;
                        }

                        break;
                    }

                    i = close;
                    break;
                case ';':
                    throw Refused(table, "`;` would end the statement");
                case '-' when Next(predicate, i) == '-':
                case '/' when Next(predicate, i) == '*':
                    throw Refused(table, "comments are not allowed");
                case '$':
                    throw Refused(table, "dollar quoting and parameters are not allowed");
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth < 0)
                    {
                        throw Refused(table, "a `)` closes a parenthesis it did not open");
                    }

                    break;
            }
        }

        return depth == 0 ? predicate : throw Refused(table, "a `(` is not closed");
    }

    private static char Next(string text, int i) => i + 1 < text.Length ? text[i + 1] : '\0';

    private static MigrationKitException Refused(string table, string reason)
        => new($"The --where predicate for table {table} is refused: {reason}.",
            "Give one boolean expression over the table's columns, e.g. --where \"orders:created_at >= '2024-01-01'\".");
}
