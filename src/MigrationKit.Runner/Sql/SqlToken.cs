namespace MigrationKit.Runner.Sql;

internal enum SqlTokenKind
{
    /// <summary>A bare word: keyword or unquoted identifier; <see cref="SqlToken.Value"/> is folded to lower case, as PostgreSQL folds it.</summary>
    Word,

    /// <summary>A "quoted" identifier, its value unquoted and case kept.</summary>
    QuotedIdentifier,

    /// <summary>A string literal ('...', E'...', $$...$$), its value as written.</summary>
    String,

    Number,

    /// <summary>Punctuation or an operator: ( ) , ; . :: and the rest, one token each.</summary>
    Symbol,
}

internal readonly record struct SqlToken(SqlTokenKind Kind, string Value)
{
    public bool IsWord(string word) => Kind == SqlTokenKind.Word && Value == word;

    public bool IsSymbol(string symbol) => Kind == SqlTokenKind.Symbol && Value == symbol;

    /// <summary>An identifier: a quoted one, or a bare word (keywords included: the grammar around it says which it is).</summary>
    public bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;
}
