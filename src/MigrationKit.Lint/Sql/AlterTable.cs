namespace MigrationKit.Lint.Sql;

/// <summary><c>ALTER TABLE name action, action, ...</c>, with readers for the actions the rules look at.</summary>
internal sealed record AlterTable(TableName Table, IReadOnlyList<List<SqlToken>> Actions)
{
    private static readonly HashSet<string> ConstraintKinds = ["constraint", "foreign", "check", "unique", "primary", "exclude"];

    /// <summary><c>ADD [CONSTRAINT name] FOREIGN KEY|CHECK|UNIQUE|PRIMARY KEY|EXCLUDE ... [USING INDEX] [NOT VALID]</c>.</summary>
    public IEnumerable<AddedConstraint> AddedConstraints()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (!cursor.Accept("add") || cursor.Peek() is not { Kind: SqlTokenKind.Word } next || !ConstraintKinds.Contains(next.Value))
            {
                continue;
            }

            var name = cursor.Accept("constraint") ? cursor.ReadName()?.Name : null;
            var kind = cursor.Peek()?.Value ?? "";
            var body = cursor.Rest();
            yield return new AddedConstraint(
                name,
                kind == "primary" ? "primary key" : kind == "foreign" ? "foreign key" : kind,
                body,
                TokenCursor.Contains(body, "not", "valid"),
                TokenCursor.Contains(body, "using", "index"));
        }
    }

    /// <summary><c>ADD [COLUMN] [IF NOT EXISTS] name type [constraints]</c>.</summary>
    public IEnumerable<ColumnDefinition> AddedColumns()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (!cursor.Accept("add") || (cursor.Peek() is { Kind: SqlTokenKind.Word } next && ConstraintKinds.Contains(next.Value)))
            {
                continue;
            }

            cursor.Accept("column");
            cursor.Accept("if", "not", "exists");
            if (ColumnDefinition.Read(cursor) is { } column)
            {
                yield return column;
            }
        }
    }

    /// <summary><c>ALTER [COLUMN] name [SET DATA] TYPE type [USING ...]</c>: the column and its new type, normalized.</summary>
    public IEnumerable<(string Column, string Type)> TypeChanges()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (AlteredColumn(cursor) is { } column && (cursor.Accept("type") || cursor.Accept("set", "data", "type")))
            {
                yield return (column, StoreTypes.Read(cursor));
            }
        }
    }

    /// <summary>The columns of <c>ALTER [COLUMN] name SET NOT NULL</c>.</summary>
    public IEnumerable<string> NotNullColumns()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (AlteredColumn(cursor) is { } column && cursor.Accept("set", "not", "null"))
            {
                yield return column;
            }
        }
    }

    /// <summary>The constraints of <c>VALIDATE CONSTRAINT name</c>.</summary>
    public IEnumerable<string> ValidatedConstraints() => Actions
        .Select(a => new TokenCursor(a))
        .Where(c => c.Accept("validate", "constraint"))
        .Select(c => c.ReadName()?.Name)
        .OfType<string>();

    /// <summary><c>RENAME [COLUMN] old TO new</c>: the old column; <c>RENAME TO new</c> is the table's rename, not this.</summary>
    public IEnumerable<string> RenamedColumns()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (cursor.Accept("rename") && !cursor.Accept("to") && !cursor.Accept("constraint"))
            {
                cursor.Accept("column");
                if (cursor.ReadName() is { } column)
                {
                    yield return column.Name;
                }
            }
        }
    }

    public bool RenamesTable => Actions.Any(a => new TokenCursor(a).Accept("rename", "to"));

    /// <summary>The columns of <c>DROP [COLUMN] [IF EXISTS] name</c>.</summary>
    public IEnumerable<string> DroppedColumns()
    {
        foreach (var action in Actions)
        {
            var cursor = new TokenCursor(action);
            if (cursor.Accept("drop") && !cursor.Accept("constraint"))
            {
                cursor.Accept("column");
                cursor.Accept("if", "exists");
                if (cursor.ReadName() is { } column)
                {
                    yield return column.Name;
                }
            }
        }
    }

    /// <summary>Moves past <c>ALTER [COLUMN] name</c>, returning the column; null for another action.</summary>
    private static string? AlteredColumn(TokenCursor cursor)
    {
        if (!cursor.Accept("alter"))
        {
            return null;
        }

        cursor.Accept("column");
        return cursor.ReadName()?.Name;
    }
}

/// <param name="Kind">foreign key, check, unique, primary key or exclude.</param>
/// <param name="Body">The tokens from the kind on.</param>
internal sealed record AddedConstraint(string? Name, string Kind, IReadOnlyList<SqlToken> Body, bool NotValid, bool UsingIndex)
{
    /// <summary>For a check constraint, the column when its condition is exactly <c>column IS NOT NULL</c>.</summary>
    public string? NotNullColumn()
    {
        var condition = Body.Where(t => !t.IsSymbol("(") && !t.IsSymbol(")")).Skip(1).ToList();
        return Kind == "check" && condition.Count >= 4 && condition[0].IsName
               && new TokenCursor(condition, 1).Accept("is", "not", "null") && condition.Count == 4 + (NotValid ? 2 : 0)
            ? condition[0].Value
            : null;
    }
}

/// <summary>A column definition: name, normalized type, and the tokens after the type (default, constraints).</summary>
internal sealed record ColumnDefinition(string Name, string Type, IReadOnlyList<SqlToken> Rest)
{
    public static ColumnDefinition? Read(TokenCursor cursor)
    {
        if (cursor.Peek() is not { IsName: true } name)
        {
            return null;
        }

        cursor.ReadName();
        return new ColumnDefinition(name.Value, StoreTypes.Read(cursor), cursor.Rest());
    }

    /// <summary>The tokens of the DEFAULT expression, empty when there is none.</summary>
    public IReadOnlyList<SqlToken> Default()
    {
        var start = Rest.ToList().FindIndex(t => t.IsWord("default"));
        return start < 0 ? [] : Rest.Skip(start + 1).ToList();
    }
}
