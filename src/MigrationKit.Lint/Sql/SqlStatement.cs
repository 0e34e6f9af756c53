namespace MigrationKit.Lint.Sql;

/// <summary>
/// One statement a revision will run, as tokens, with the transaction it runs in. Its shapes
/// (<see cref="AsAlterTable"/>, <see cref="AsCreateIndex"/>, ...) read only what the rules need.
/// </summary>
/// <param name="TransactionSuppressed">The command runs outside any transaction (<c>suppressTransaction</c>, a concurrent index).</param>
/// <param name="Transaction">Statements with the same number commit together: a suppressed one is alone.</param>
internal sealed record SqlStatement(IReadOnlyList<SqlToken> Tokens, bool TransactionSuppressed, int Transaction)
{
    public bool Is(params string[] words) => new TokenCursor(Tokens).Accept(words);

    public bool Contains(params string[] words) => TokenCursor.Contains(Tokens, words);

    /// <summary><c>ALTER TABLE [IF EXISTS] [ONLY] name action, ...</c></summary>
    public AlterTable? AsAlterTable()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("alter", "table"))
        {
            return null;
        }

        cursor.Accept("if", "exists");
        cursor.Accept("only");
        var table = cursor.ReadName();
        cursor.AcceptSymbol("*");
        return table is null ? null : new AlterTable(table, TokenCursor.SplitAtCommas(cursor.Rest()));
    }

    /// <summary><c>CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table ...</c></summary>
    public CreateIndex? AsCreateIndex()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("create"))
        {
            return null;
        }

        var unique = cursor.Accept("unique");
        if (!cursor.Accept("index"))
        {
            return null;
        }

        var concurrently = cursor.Accept("concurrently");
        cursor.Accept("if", "not", "exists");
        var name = cursor.Accept("on") ? null : cursor.ReadName();
        if (name is not null && !cursor.Accept("on"))
        {
            return null;
        }

        cursor.Accept("only");
        return cursor.ReadName() is { } table ? new CreateIndex(name?.Name, table, unique, concurrently) : null;
    }

    /// <summary><c>DROP INDEX [CONCURRENTLY] [IF EXISTS] name, ...</c>: the index names.</summary>
    public (IReadOnlyList<TableName> Indexes, bool Concurrently)? AsDropIndex()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("drop", "index"))
        {
            return null;
        }

        var concurrently = cursor.Accept("concurrently");
        cursor.Accept("if", "exists");
        return (Names(cursor), concurrently);
    }

    /// <summary><c>CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name (element, ...)</c>: the name and the elements.</summary>
    public (TableName Table, IReadOnlyList<List<SqlToken>> Elements)? AsCreateTable()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("create"))
        {
            return null;
        }

        _ = cursor.Accept("temp") || cursor.Accept("temporary") || cursor.Accept("unlogged");
        if (!cursor.Accept("table"))
        {
            return null;
        }

        cursor.Accept("if", "not", "exists");
        var table = cursor.ReadName();
        return table is null ? null : (table, TokenCursor.SplitAtCommas(cursor.ReadParenthesized() ?? []));
    }

    /// <summary>The tables of <c>DROP TABLE [IF EXISTS] name, ...</c>.</summary>
    public IReadOnlyList<TableName> DroppedTables()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("drop", "table"))
        {
            return [];
        }

        cursor.Accept("if", "exists");
        return Names(cursor);
    }

    /// <summary>The tables of <c>TRUNCATE [TABLE] [ONLY] name, ... [CASCADE]</c>; null for another statement.</summary>
    public (IReadOnlyList<TableName> Tables, bool Cascade)? AsTruncate()
    {
        var cursor = new TokenCursor(Tokens);
        if (!cursor.Accept("truncate"))
        {
            return null;
        }

        cursor.Accept("table");
        cursor.Accept("only");
        return (Names(cursor), Contains("cascade"));
    }

    /// <summary>
    /// The table a statement locks when it is DDL or maintenance on an existing one (for the lock
    /// timeout rule); null for anything else (DML waits behind row locks, not the lock queue).
    /// </summary>
    public string? LockedTable()
        => AsAlterTable()?.Table.Name
           ?? AsCreateIndex()?.Table.Name
           ?? AsDropIndex()?.Indexes.FirstOrDefault()?.Name
           ?? DroppedTables().FirstOrDefault()?.Name
           ?? AsTruncate()?.Tables.FirstOrDefault()?.Name
           ?? (Is("cluster") || Is("vacuum", "full") || Is("lock") ? AnyNameAfterKeywords() : null);

    private string? AnyNameAfterKeywords() => Tokens.Skip(1).FirstOrDefault(t => t.Kind == SqlTokenKind.QuotedIdentifier
        || (t.Kind == SqlTokenKind.Word && t.Value is not ("full" or "table" or "verbose" or "analyze" or "only"))).Value ?? "";

    private static List<TableName> Names(TokenCursor cursor)
    {
        var names = new List<TableName>();
        while (cursor.ReadName() is { } name)
        {
            names.Add(name);
            if (!cursor.AcceptSymbol(","))
            {
                break;
            }
        }

        return names;
    }
}

internal sealed record CreateIndex(string? Name, TableName Table, bool Unique, bool Concurrently);
