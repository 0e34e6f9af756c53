namespace MigrationKit.Runner.Sql;

/// <summary>
/// Splits SQL text into statements of tokens, enough to read the shape of DDL: comments dropped,
/// literals and quoted names kept whole, statements split at semicolons outside parentheses and
/// literals (PostgreSQL's dollar quotes included, so a function body stays one statement).
/// </summary>
internal static class SqlLexer
{
    public static List<List<SqlToken>> Statements(string sql)
    {
        var statements = new List<List<SqlToken>>();
        var current = new List<SqlToken>();
        var depth = 0;
        foreach (var token in Tokens(sql))
        {
            if (token.IsSymbol(";") && depth == 0)
            {
                Flush();
                continue;
            }

            depth += token.IsSymbol("(") ? 1 : token.IsSymbol(")") && depth > 0 ? -1 : 0;
            current.Add(token);
        }

        Flush();
        return statements;

        void Flush()
        {
            if (current.Count > 0)
            {
                statements.Add(current);
                current = [];
            }
        }
    }

    private static IEnumerable<SqlToken> Tokens(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '"' || c == '`' || (c == '[' && At(sql, i + 1) != ']'))
            {
                // "PostgreSQL and SQLite", `MySQL-style` and [bracketed] names, which SQLite accepts too.
                var close = c == '[' ? ']' : c;
                var (value, next) = Quoted(sql, i, close);
                i = next;
                yield return new SqlToken(SqlTokenKind.QuotedIdentifier, value);
            }
            else if (c == '\'' || ((c is 'E' or 'e') && At(sql, i + 1) == '\''))
            {
                var start = c == '\'' ? i : i + 1;
                var (value, next) = Quoted(sql, start, '\'');
                i = next;
                yield return new SqlToken(SqlTokenKind.String, value);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                var bodyEnd = end < 0 ? sql.Length : end;
                yield return new SqlToken(SqlTokenKind.String, sql[(i + tag.Length)..bodyEnd]);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                yield return new SqlToken(SqlTokenKind.Word, sql[start..i].ToLowerInvariant());
            }
            else if (char.IsDigit(c))
            {
                var start = i;
                while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] == '.'))
                {
                    i++;
                }

                yield return new SqlToken(SqlTokenKind.Number, sql[start..i]);
            }
            else if (c == ':' && At(sql, i + 1) == ':')
            {
                i += 2;
                yield return new SqlToken(SqlTokenKind.Symbol, "::");
            }
            else
            {
                i++;
                yield return new SqlToken(SqlTokenKind.Symbol, c.ToString());
            }
        }
    }

    private static char At(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    /// <summary>A quoted run from <paramref name="start"/> (the opening quote); a doubled closing quote is one character.</summary>
    private static (string Value, int Next) Quoted(string sql, int start, char close)
    {
        var value = new System.Text.StringBuilder();
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == close)
            {
                if (At(sql, i + 1) == close && close != ']')
                {
                    value.Append(close);
                    i += 2;
                    continue;
                }

                return (value.ToString(), i + 1);
            }

            value.Append(sql[i++]);
        }

        return (value.ToString(), i);
    }

    /// <summary>The $tag$ that opens a dollar-quoted string at <paramref name="start"/>, or null ($1 is a parameter).</summary>
    private static string? DollarTag(string sql, int start)
    {
        var i = start + 1;
        while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
        {
            i++;
        }

        return i < sql.Length && sql[i] == '$' && !(i > start + 1 && char.IsDigit(sql[start + 1])) ? sql[start..(i + 1)] : null;
    }
}
