namespace MigrationKit.Lint.Sql;

/// <summary>Reads a run of tokens front to back: words, names, parenthesized groups.</summary>
internal sealed class TokenCursor(IReadOnlyList<SqlToken> tokens, int position = 0)
{
    public int Position { get; private set; } = position;

    public bool AtEnd => Position >= tokens.Count;

    public void Advance() => Position++;

    public SqlToken? Peek(int ahead = 0) => Position + ahead < tokens.Count ? tokens[Position + ahead] : null;

    /// <summary>Moves past the words when they come next, in order; else stays.</summary>
    public bool Accept(params string[] words)
    {
        for (var i = 0; i < words.Length; i++)
        {
            if (Peek(i) is not { } token || !token.IsWord(words[i]))
            {
                return false;
            }
        }

        Position += words.Length;
        return true;
    }

    public bool AcceptSymbol(string symbol)
    {
        if (Peek() is { } token && token.IsSymbol(symbol))
        {
            Position++;
            return true;
        }

        return false;
    }

    /// <summary>A name, schema-qualified or not (a database qualifier before them is dropped); null when none comes next.</summary>
    public TableName? ReadName()
    {
        var parts = new List<string>();
        while (Peek() is { IsName: true } token)
        {
            parts.Add(token.Value);
            Position++;
            if (!(Peek() is { } dot && dot.IsSymbol(".")))
            {
                break;
            }

            Position++;
        }

        return parts.Count switch
        {
            0 => null,
            1 => new TableName(null, parts[0]),
            _ => new TableName(parts[^2], parts[^1]),
        };
    }

    /// <summary>The tokens inside the parentheses that come next (moving past them); null when none come next.</summary>
    public List<SqlToken>? ReadParenthesized()
    {
        if (!(Peek() is { } open && open.IsSymbol("(")))
        {
            return null;
        }

        var depth = 0;
        var start = Position + 1;
        for (; Position < tokens.Count; Position++)
        {
            depth += tokens[Position].IsSymbol("(") ? 1 : tokens[Position].IsSymbol(")") ? -1 : 0;
            if (depth == 0)
            {
                Position++;
                return tokens.Skip(start).Take(Position - 1 - start).ToList();
            }
        }

        return tokens.Skip(start).ToList();
    }

    /// <summary>The tokens left.</summary>
    public List<SqlToken> Rest() => tokens.Skip(Position).ToList();

    /// <summary>Tokens split at commas outside parentheses.</summary>
    public static List<List<SqlToken>> SplitAtCommas(IReadOnlyList<SqlToken> tokens)
    {
        var parts = new List<List<SqlToken>> { new() };
        var depth = 0;
        foreach (var token in tokens)
        {
            if (token.IsSymbol(",") && depth == 0)
            {
                parts.Add([]);
                continue;
            }

            depth += token.IsSymbol("(") ? 1 : token.IsSymbol(")") ? -1 : 0;
            parts[^1].Add(token);
        }

        return parts.Where(p => p.Count > 0).ToList();
    }

    /// <summary>Whether the word occurs anywhere in the tokens.</summary>
    public static bool Contains(IReadOnlyList<SqlToken> tokens, params string[] words)
    {
        for (var i = 0; i + words.Length <= tokens.Count; i++)
        {
            if (new TokenCursor(tokens, i).Accept(words))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A table (or index) name; PostgreSQL's folding already applied to unquoted parts.</summary>
internal sealed record TableName(string? Schema, string Name)
{
    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}
