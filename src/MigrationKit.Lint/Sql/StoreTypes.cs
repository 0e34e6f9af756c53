using System.Globalization;
using MigrationKit.Runner.Database;

namespace MigrationKit.Lint.Sql;

/// <summary>
/// Column types as text, one spelling per type (<c>varchar(10)</c> and <c>character varying(10)</c>
/// alike), and which changes of type PostgreSQL makes without rewriting the table.
/// </summary>
internal static class StoreTypes
{
    private static readonly HashSet<string> StopWords =
        ["not", "null", "default", "constraint", "primary", "unique", "references", "check", "generated", "collate", "using"];

    /// <summary>Reads a type from the cursor up to what follows it in a column definition, normalized.</summary>
    public static string Read(TokenCursor cursor)
    {
        var words = new List<string>();
        var arguments = "";
        var array = "";
        while (cursor.Peek() is { } token)
        {
            if (token.Kind == SqlTokenKind.Word && StopWords.Contains(token.Value))
            {
                break;
            }

            if (token.IsSymbol("("))
            {
                arguments = string.Join(",", (cursor.ReadParenthesized() ?? []).Where(t => !t.IsSymbol(",")).Select(t => t.Value));
                continue;
            }

            if (token.IsSymbol("[") || token.IsSymbol("]"))
            {
                array = "[]";
            }
            else if (token.IsName)
            {
                words.Add(token.Value.ToLowerInvariant());
            }
            else
            {
                break;
            }

            cursor.Advance();
        }

        var name = string.Join(' ', words);
        name = StoreTypeNames.Canonical(name);
        // A precision written in the middle ("timestamp(3) with time zone") ends up at the end here.
        return name + (arguments.Length > 0 ? "(" + arguments + ")" : "") + array;
    }

    /// <summary>A type as a provider or a model spells it, normalized as <see cref="Read"/> does.</summary>
    public static string Normalize(string type)
        => SqlLexer.Statements(type) is [var tokens] ? Read(new TokenCursor(tokens)) : type.Trim().ToLowerInvariant();

    /// <summary>
    /// Whether PostgreSQL rewrites the table (and its indexes) to change a column from one type to
    /// the other: every change but the binary-coercible ones that widen or keep the values.
    /// </summary>
    public static bool Rewrites(string from, string to)
    {
        if (from == to)
        {
            return false;
        }

        var (fromName, fromArguments) = Split(from);
        var (toName, toArguments) = Split(to);
        if (fromName.EndsWith("[]", StringComparison.Ordinal) || toName.EndsWith("[]", StringComparison.Ordinal))
        {
            return true;
        }

        if (fromName is "character varying" or "text" && (toName == "text" || (toName == "character varying" && toArguments.Length == 0)))
        {
            return false;
        }

        if (fromName != toName)
        {
            return true;
        }

        return fromName switch
        {
            // A longer limit, or none: the values already fit, nothing is checked or rewritten.
            "character varying" or "bit varying" => !(toArguments.Length == 0 || (fromArguments.Length == 1 && toArguments[0] >= fromArguments[0])),
            // More digits at the same scale, or no limit.
            "numeric" => !(toArguments.Length == 0
                           || (fromArguments.Length == toArguments.Length && toArguments[0] >= fromArguments[0]
                               && fromArguments.Skip(1).SequenceEqual(toArguments.Skip(1)))),
            _ => true,
        };
    }

    /// <summary>Integer types too small for a key that keeps growing.</summary>
    public static bool IsSmallInteger(string type) => type is "integer" or "smallint" or "serial" or "smallserial";

    public static bool IsTimestampWithoutTimeZone(string type) => Split(type).Name == "timestamp without time zone";

    private static (string Name, int[] Arguments) Split(string type)
    {
        var open = type.IndexOf('(');
        if (open < 0)
        {
            return (type, []);
        }

        var close = type.IndexOf(')', open);
        var arguments = type[(open + 1)..(close < 0 ? type.Length : close)]
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .ToArray();
        return (type[..open] + (close < 0 ? "" : type[(close + 1)..]), arguments);
    }
}
