using System.Globalization;
using System.Text;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>
/// The grammar of a --where predicate, parsed by recursive descent and rendered by us, once for each
/// engine, with every identifier quoted and every operation in parentheses (so the two engines'
/// precedences never matter):
/// <code>
/// or        := and (OR and)*
/// and       := not (AND not)*
/// not       := NOT not | test
/// test      := sum [ (= | &lt;&gt; | != | &lt; | &lt;= | &gt; | &gt;=) sum | IS [NOT] NULL
///                  | [NOT] IN (literal, ...) | [NOT] BETWEEN sum AND sum | [NOT] LIKE|ILIKE sum ]
/// sum       := product ((+ | -) product)*
/// product   := unary ((* | / | %) unary)*
/// unary     := - unary | cast
/// cast      := primary (:: type)*
/// primary   := literal | column | function(args) | CAST(or AS type) | CURRENT_DATE | CURRENT_TIMESTAMP | (or)
/// </code>
/// A column is one of the table's own; a function or a type one of the allow-lists below. Nothing
/// else parses, so a predicate reads one row of its table and nothing more.
/// </summary>
internal sealed class RowFilterParser
{
    /// <summary>Pure functions: name → (arguments at least, at most, PostgreSQL's spelling, SQLite's or null when it has none).</summary>
    private static readonly Dictionary<string, (int Min, int Max, string Postgres, string? Sqlite)> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lower"] = (1, 1, "lower", "lower"),
        ["upper"] = (1, 1, "upper", "upper"),
        ["length"] = (1, 1, "length", "length"),
        ["trim"] = (1, 1, "trim", "trim"),
        ["substr"] = (2, 3, "substr", "substr"),
        ["replace"] = (3, 3, "replace", "replace"),
        ["abs"] = (1, 1, "abs", "abs"),
        ["round"] = (1, 2, "round", "round"),
        ["coalesce"] = (1, int.MaxValue, "coalesce", "coalesce"),
        ["nullif"] = (2, 2, "nullif", "nullif"),
        // SQLite's CURRENT_TIMESTAMP is UTC text, as EF Core stores a DateTime there.
        ["now"] = (0, 0, "now", null),
        ["date_trunc"] = (2, 2, "date_trunc", null),
    };

    /// <summary>Types a cast may name: spelling → (PostgreSQL's, SQLite's affinity or null when SQLite keeps such values as text).</summary>
    private static readonly Dictionary<string, (string Postgres, string? Sqlite)> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["smallint"] = ("smallint", "INTEGER"),
        ["int"] = ("integer", "INTEGER"),
        ["integer"] = ("integer", "INTEGER"),
        ["bigint"] = ("bigint", "INTEGER"),
        ["numeric"] = ("numeric", "NUMERIC"),
        ["decimal"] = ("numeric", "NUMERIC"),
        ["real"] = ("real", "REAL"),
        ["double precision"] = ("double precision", "REAL"),
        ["text"] = ("text", "TEXT"),
        ["varchar"] = ("varchar", "TEXT"),
        ["character varying"] = ("varchar", "TEXT"),
        ["boolean"] = ("boolean", null),
        ["bool"] = ("boolean", null),
        ["uuid"] = ("uuid", null),
        ["date"] = ("date", null),
        ["time"] = ("time", null),
        ["timestamp"] = ("timestamp", null),
        ["timestamp without time zone"] = ("timestamp", null),
        ["timestamptz"] = ("timestamptz", null),
        ["timestamp with time zone"] = ("timestamptz", null),
        ["interval"] = ("interval", null),
    };

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "not", "in", "between", "is", "null", "true", "false", "like", "ilike", "cast", "as", "current_date", "current_timestamp",
    };

    private readonly TransferTable _table;
    private List<Token> _tokens = [];
    private int _next;

    /// <summary>Why SQLite cannot run the predicate (a function or cast it lacks); null when it can.</summary>
    private string? _notOnSqlite;

    private RowFilterParser(TransferTable table)
    {
        _table = table;
    }

    /// <summary>The predicate rendered for both engines, or a <see cref="MigrationKitException"/> naming the part refused.</summary>
    public static (string Postgres, string Sqlite, string? NotOnSqlite) Parse(TransferTable table, string predicate)
    {
        var parser = new RowFilterParser(table);
        parser._tokens = parser.Tokenize(predicate);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw parser.Refused("the predicate is empty");
        }

        var sql = parser.Or();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Refused($"{parser.Peek} is not expected there");
        }

        return (sql.Postgres, sql.Sqlite, parser._notOnSqlite);
    }

    private Token Peek => _tokens[_next];

    private Sql Or()
    {
        var left = And();
        while (TakeKeyword("or"))
        {
            left = Sql.Binary(left, "OR", And());
        }

        return left;
    }

    private Sql And()
    {
        var left = Not();
        while (TakeKeyword("and"))
        {
            left = Sql.Binary(left, "AND", Not());
        }

        return left;
    }

    private Sql Not() => TakeKeyword("not") ? Sql.Prefix("NOT ", Not()) : Test();

    private Sql Test()
    {
        var left = Sum();
        if (Peek.Kind == TokenKind.Operator && Peek.Text is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=")
        {
            var op = Take().Text;
            return Sql.Binary(left, op == "!=" ? "<>" : op, Sum());
        }

        if (TakeKeyword("is"))
        {
            var negated = TakeKeyword("not");
            Expect("null", "NULL after IS");
            return Sql.Suffix(left, negated ? " IS NOT NULL" : " IS NULL");
        }

        var not = TakeKeyword("not") ? "NOT " : "";
        if (TakeKeyword("in"))
        {
            return Sql.Binary(left, not + "IN", InList());
        }

        if (TakeKeyword("between"))
        {
            var low = Sum();
            Expect("and", "AND between BETWEEN's bounds");
            var high = Sum();
            return new Sql($"({left.Postgres} {not}BETWEEN {low.Postgres} AND {high.Postgres})", $"({left.Sqlite} {not}BETWEEN {low.Sqlite} AND {high.Sqlite})");
        }

        if (TakeKeyword("like"))
        {
            return Sql.Binary(left, not + "LIKE", Sum());
        }

        if (TakeKeyword("ilike"))
        {
            _notOnSqlite ??= "ILIKE is not available on SQLite (its LIKE ignores the case of ASCII letters already)";
            return Sql.Binary(left, not + "ILIKE", Sum());
        }

        return not.Length == 0 ? left : throw Refused($"{Peek} is not expected after NOT (IN, BETWEEN or LIKE is)");
    }

    private Sql InList()
    {
        ExpectOperator("(", "( after IN");
        var items = new List<Sql>();
        do
        {
            var negative = Peek.Kind == TokenKind.Operator && Peek.Text == "-" && _tokens[_next + 1].Kind == TokenKind.Number;
            if (negative)
            {
                Take();
            }

            if (Peek.Kind is not (TokenKind.String or TokenKind.Number) && !(Peek.Kind == TokenKind.Word && Peek.Text.ToLowerInvariant() is "null" or "true" or "false"))
            {
                throw Refused($"an IN list holds literals only, not {Peek}");
            }

            var literal = Primary();
            items.Add(negative ? Sql.Prefix("-", literal) : literal);
        }
        while (TakeOperator(","));

        ExpectOperator(")", ") closing the IN list");
        return new Sql("(" + string.Join(", ", items.Select(i => i.Postgres)) + ")", "(" + string.Join(", ", items.Select(i => i.Sqlite)) + ")");
    }

    private Sql Sum()
    {
        var left = Product();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "+" or "-")
        {
            left = Sql.Binary(left, Take().Text, Product());
        }

        return left;
    }

    private Sql Product()
    {
        var left = Unary();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "*" or "/" or "%")
        {
            left = Sql.Binary(left, Take().Text, Unary());
        }

        return left;
    }

    private Sql Unary() => TakeOperator("-") ? Sql.Prefix("-", Unary()) : Cast();

    private Sql Cast()
    {
        var value = Primary();
        while (TakeOperator("::"))
        {
            value = CastTo(value);
        }

        return value;
    }

    private Sql CastTo(Sql value)
    {
        var (postgres, sqlite, name) = TypeName();
        if (sqlite is null)
        {
            _notOnSqlite ??= $"a cast to {name} is not available on SQLite (it keeps such values as text: compare with a string such as '2024-01-31')";
        }

        return new Sql($"CAST({value.Postgres} AS {postgres})", $"CAST({value.Sqlite} AS {sqlite ?? "TEXT"})");
    }

    private Sql Primary()
    {
        var token = Take();
        switch (token.Kind)
        {
            case TokenKind.Number:
                return new Sql(token.Text, token.Text);
            case TokenKind.String:
                // With a backslash, E'' spells the same text whatever standard_conforming_strings says.
                var literal = PgSql.Literal(token.Text);
                return new Sql(token.Text.Contains('\\') ? "E" + literal.Replace("\\", "\\\\", StringComparison.Ordinal) : literal, literal);
            case TokenKind.QuotedName:
                return Column(token.Text, quoted: true);
            case TokenKind.Operator when token.Text == "(":
                var inner = Or();
                ExpectOperator(")", "a ) closing the parenthesis");
                return inner;
            case TokenKind.Word:
                break;
            default:
                throw Refused($"{token} is not expected there");
        }

        switch (token.Text.ToLowerInvariant())
        {
            case "null":
                return new Sql("NULL", "NULL");
            case "true" or "false":
                return new Sql(token.Text.ToUpperInvariant(), token.Text.ToUpperInvariant());
            case "current_date":
                return new Sql("CURRENT_DATE", "CURRENT_DATE");
            case "current_timestamp":
                return new Sql("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP");
            case "cast":
                ExpectOperator("(", "( after CAST");
                var value = Or();
                Expect("as", "AS in CAST(value AS type)");
                var cast = CastTo(value);
                ExpectOperator(")", ") closing CAST");
                return cast;
        }

        if (token.Text.Equals("select", StringComparison.OrdinalIgnoreCase))
        {
            throw Refused("a subquery is not allowed (a predicate reads its own table's row only)");
        }

        if (Keywords.Contains(token.Text))
        {
            throw Refused($"{token} is not expected there");
        }

        return Peek.Kind == TokenKind.Operator && Peek.Text == "(" ? Call(token.Text) : Column(token.Text, quoted: false);
    }

    private Sql Call(string name)
    {
        if (!Functions.TryGetValue(name, out var function))
        {
            throw Refused($"function {name} is not allowed", $"Functions a predicate may call: {FunctionNames}.");
        }

        Take();
        var arguments = new List<Sql>();
        if (!TakeOperator(")"))
        {
            do
            {
                arguments.Add(Or());
            }
            while (TakeOperator(","));

            ExpectOperator(")", $") closing {name}(...)");
        }

        if (arguments.Count < function.Min || arguments.Count > function.Max)
        {
            throw Refused($"function {name} takes {(function.Min == function.Max ? function.Min.ToString(CultureInfo.InvariantCulture) : $"{function.Min} or more")} arguments, not {arguments.Count}");
        }

        if (function.Sqlite is null)
        {
            _notOnSqlite ??= name.Equals("now", StringComparison.OrdinalIgnoreCase)
                ? "function now is not available on SQLite (use CURRENT_TIMESTAMP)"
                : $"function {name} is not available on SQLite";
        }

        return new Sql(
            $"{function.Postgres}({string.Join(", ", arguments.Select(a => a.Postgres))})",
            $"{function.Sqlite}({string.Join(", ", arguments.Select(a => a.Sqlite))})");
    }

    /// <summary>
    /// One of the table's columns. A quoted name must match exactly; an unquoted one matches its own
    /// spelling, else the one column that differs only in case (EF Core's columns are "CreatedAt",
    /// which PostgreSQL would otherwise fold to createdat).
    /// </summary>
    private Sql Column(string name, bool quoted)
    {
        var column = _table.Columns.FirstOrDefault(c => c.Name == name)?.Name;
        if (column is null && !quoted)
        {
            var alike = _table.Columns.Where(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(c => c.Name).ToList();
            column = alike.Count switch
            {
                1 => alike[0],
                0 => null,
                _ => throw Refused($"column {name} could be any of {string.Join(", ", alike)} of table {_table}", "Quote the name, e.g. \"Name\".", namesTable: true),
            };
        }

        if (column is null)
        {
            throw Refused($"column {name} is not a column of table {_table}",
                $"Its columns: {string.Join(", ", _table.Columns.Select(c => c.Name))}.", namesTable: true);
        }

        var sql = PgSql.Quote(column);
        return new Sql(sql, sql);
    }

    /// <summary>An allowed type's name, several words for some (double precision, timestamp with time zone), with an optional (n) or (p, s).</summary>
    private (string Postgres, string? Sqlite, string Name) TypeName()
    {
        var name = "";
        while (Peek.Kind == TokenKind.Word)
        {
            // "timestamp" alone is a type, and also the start of "timestamp with time zone".
            var candidate = name.Length == 0 ? Peek.Text : $"{name} {Peek.Text}";
            var longer = Types.Keys.Any(k => k.StartsWith(candidate + " ", StringComparison.OrdinalIgnoreCase));
            if (!longer && !Types.ContainsKey(candidate))
            {
                break;
            }

            Take();
            name = candidate;
            if (!longer)
            {
                break;
            }
        }

        if (!Types.TryGetValue(name, out var type))
        {
            throw Refused(
                $"a cast to {(name.Length > 0 ? name : Peek.Kind == TokenKind.Word ? Peek.Text : Peek.ToString())} is not allowed",
                $"Cast to one of: {string.Join(", ", Types.Keys)}.");
        }

        var modifier = "";
        if (TakeOperator("("))
        {
            var numbers = new List<string>();
            do
            {
                numbers.Add(Peek.Kind == TokenKind.Number && Peek.Text.All(char.IsAsciiDigit) ? Take().Text : throw Refused($"a type's size is a whole number, not {Peek}"));
            }
            while (TakeOperator(","));

            ExpectOperator(")", $") closing the size of {name}");
            modifier = $"({string.Join(", ", numbers)})";
        }

        return (type.Postgres + modifier, type.Sqlite, name.ToLowerInvariant());
    }

    /// <summary>The next token, which is then behind; the end stays the end.</summary>
    private Token Take()
    {
        var token = _tokens[_next];
        if (token.Kind != TokenKind.End)
        {
            _next++;
        }

        return token;
    }

    private bool TakeKeyword(string keyword)
    {
        if (Peek.Kind == TokenKind.Word && Peek.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase))
        {
            Take();
            return true;
        }

        return false;
    }

    private bool TakeOperator(string op)
    {
        if (Peek.Kind == TokenKind.Operator && Peek.Text == op)
        {
            Take();
            return true;
        }

        return false;
    }

    private void Expect(string keyword, string what)
    {
        if (!TakeKeyword(keyword))
        {
            throw Refused($"{what} is missing before {Peek}");
        }
    }

    private void ExpectOperator(string op, string what)
    {
        if (!TakeOperator(op))
        {
            throw Refused($"{what} is missing before {Peek}");
        }
    }

    /// <summary>One line naming the part refused, and the table when the reason does not.</summary>
    private MigrationKitException Refused(string reason, string? hint = null, bool namesTable = false)
        => new($"--where: {reason}{(namesTable ? "" : $" (in the predicate for table {_table})")}.",
            hint ?? "A predicate may use the table's columns, literals, comparisons, AND/OR/NOT, IN (literals), BETWEEN, IS [NOT] NULL, [NOT] LIKE, +-*/%, casts (::type or CAST) and the functions " + FunctionNames + ".");

    private static string FunctionNames => string.Join(", ", Functions.Keys);

    private List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '\'' || c == '"')
            {
                var (value, end) = Quoted(text, i);
                tokens.Add(new Token(c == '\'' ? TokenKind.String : TokenKind.QuotedName, value));
                i = end;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i]));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var start = i;
                i = Digits(text, i);
                if (i < text.Length && text[i] == '.')
                {
                    i = Digits(text, i + 1);
                }

                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    var exponent = i + 1 < text.Length && text[i + 1] is '+' or '-' ? i + 2 : i + 1;
                    i = exponent < text.Length && char.IsAsciiDigit(text[exponent]) ? Digits(text, exponent) : throw Refused($"the number {text[start..(i + 1)]} is not complete");
                }

                if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
                {
                    throw Refused($"the number {text[start..i]} runs into {text[i]}");
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i]));
            }
            else if ((c == '-' && Next(text, i) == '-') || (c == '/' && Next(text, i) == '*'))
            {
                throw Refused("comments are not allowed");
            }
            else if (Operator(text, i) is { } op)
            {
                tokens.Add(new Token(TokenKind.Operator, op));
                i += op.Length;
            }
            else
            {
                throw Refused(c switch
                {
                    ';' => "`;` is not allowed (a predicate is one expression)",
                    _ => $"`{c}` is not allowed",
                });
            }
        }

        tokens.Add(new Token(TokenKind.End, ""));
        return tokens;
    }

    private static string? Operator(string text, int i)
    {
        foreach (var op in (ReadOnlySpan<string>)["::", "<>", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ","])
        {
            if (string.CompareOrdinal(text, i, op, 0, op.Length) == 0)
            {
                return op;
            }
        }

        return null;
    }

    private static int Digits(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static char Next(string text, int i) => i + 1 < text.Length ? text[i + 1] : '\0';

    /// <summary>A literal or quoted name from its opening quote: its text (a doubled quote is one) and where it ends.</summary>
    private (string Value, int End) Quoted(string text, int start)
    {
        var quote = text[start];
        var value = new StringBuilder();
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] != quote)
            {
                value.Append(text[i]);
            }
            else if (Next(text, i) == quote)
            {
                value.Append(quote);
                i++;
            }
            else
            {
                return (value.ToString(), i + 1);
            }
        }

        throw Refused($"a {(quote == '\'' ? "string literal" : "quoted name")} is not closed");
    }

    private enum TokenKind
    {
        Word,
        QuotedName,
        String,
        Number,
        Operator,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text)
    {
        /// <summary>How a message names the token: never a string literal's text, which may be long.</summary>
        public override string ToString() => Kind switch
        {
            TokenKind.End => "the end",
            TokenKind.String => "a string",
            TokenKind.QuotedName => $"\"{Text}\"",
            _ => $"`{Text}`",
        };
    }

    /// <summary>One node rendered for each engine.</summary>
    private readonly record struct Sql(string Postgres, string Sqlite)
    {
        public static Sql Binary(Sql left, string op, Sql right)
            => new($"({left.Postgres} {op} {right.Postgres})", $"({left.Sqlite} {op} {right.Sqlite})");

        public static Sql Prefix(string op, Sql operand) => new($"({op}{operand.Postgres})", $"({op}{operand.Sqlite})");

        public static Sql Suffix(Sql operand, string op) => new($"({operand.Postgres}{op})", $"({operand.Sqlite}{op})");
    }
}
