using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

internal sealed class ChangingColumnType : LintRule
{
    public override string Id => "changing-column-type";

    public override string Why => "A type change that is not binary-coercible rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait for the rewrite.";

    public override string Alternative =>
        "Add a column of the new type, fill it in batches, switch the app to it, then drop the old one; widening varchar(n) to varchar(m > n) or text needs no rewrite.";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
    {
        foreach (var (_, _, alter) in revision.AlterExistingTables())
        {
            foreach (var (column, type) in alter.TypeChanges())
            {
                var old = revision.OldColumnType(alter.Table.Name, column);
                if (old is null || StoreTypes.Rewrites(old, type))
                {
                    yield return (alter.Table.Name, $"{alter.Table}.{column} changes type from {old ?? "an unknown type"} to {type}, which rewrites the table");
                }
            }
        }
    }
}

internal sealed class AddingNotNullableField : LintRule
{
    public override string Id => "adding-not-nullable-field";

    public override string Why => "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, unless a validated CHECK (column IS NOT NULL) already proves it (PostgreSQL 12+).";

    public override string Alternative =>
        "First Sql(\"ALTER TABLE t ADD CONSTRAINT c_not_null CHECK (c IS NOT NULL) NOT VALID\") and Sql(\"ALTER TABLE t VALIDATE CONSTRAINT c_not_null\", suppressTransaction: true) in an earlier transaction; then SET NOT NULL is instant and the check can be dropped.";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
    {
        foreach (var (i, _, alter) in revision.AlterExistingTables())
        {
            foreach (var column in alter.NotNullColumns())
            {
                if (!ProvenNotNull(revision, i, alter.Table.Name, column))
                {
                    yield return (alter.Table.Name, $"{alter.Table}.{column} SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock");
                }
            }
        }
    }

    /// <summary>
    /// A CHECK (column IS NOT NULL) validated before statement <paramref name="index"/> in a
    /// transaction of its own, or one the running app's model declares (EF adds those validated).
    /// </summary>
    private static bool ProvenNotNull(RevisionToLint revision, int index, string table, string column)
    {
        var checks = revision.Statements.Select(s => s.AsAlterTable()).Where(a => a?.Table.Name == table)
            .SelectMany(a => a!.AddedConstraints()).Where(c => c.NotNullColumn() == column).Select(c => c.Name)
            .ToHashSet(StringComparer.Ordinal);
        var setNotNull = revision.Statements[index];
        var validatedHere = revision.Statements.Take(index).Any(s => s.Transaction != setNotNull.Transaction
            && s.AsAlterTable() is { } alter && alter.Table.Name == table && alter.ValidatedConstraints().Any(checks.Contains));
        return validatedHere || revision.RunningCheckConstraints(table).Any(c => IsNotNullCheck(c.Sql, column));
    }

    private static bool IsNotNullCheck(string sql, string column)
        => SqlLexer.Statements("ALTER TABLE t ADD CHECK (" + sql + ")") is [var tokens]
           && new SqlStatement(tokens, false, 0).AsAlterTable()!.AddedConstraints().Any(c => c.NotNullColumn() == column);
}

internal sealed class AddingFieldWithDefault : LintRule
{
    /// <summary>Functions whose value differs per row, so PostgreSQL must write one into every row.</summary>
    private static readonly HashSet<string> Volatile =
        ["random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7", "clock_timestamp", "timeofday", "nextval", "txid_current"];

    public override string Id => "adding-field-with-default";

    public override string Why => "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial) writes a value into every row: a table rewrite under an ACCESS EXCLUSIVE lock. A constant or now() does not.";

    public override string Alternative => "Add the column without a default (or with a constant one), set the default for new rows with ALTER COLUMN ... SET DEFAULT, and fill the existing rows in batches.";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => from altered in revision.AlterExistingTables()
           let alter = altered.Alter
           from column in alter.AddedColumns()
           let function = VolatileIn(column)
           where function is not null
           select (alter.Table.Name, $"ADD COLUMN {alter.Table}.{column.Name} with {function} rewrites every row of the table");

    private static string? VolatileIn(ColumnDefinition column)
    {
        if (column.Type is "serial" or "bigserial" or "smallserial")
        {
            return "type " + column.Type;
        }

        if (TokenCursor.Contains(column.Rest, "generated") && TokenCursor.Contains(column.Rest, "identity"))
        {
            return "an identity";
        }

        var expression = column.Default();
        for (var i = 0; i + 1 < expression.Count; i++)
        {
            if (expression[i].Kind == SqlTokenKind.Word && Volatile.Contains(expression[i].Value) && expression[i + 1].IsSymbol("("))
            {
                return $"default {expression[i].Value}()";
            }
        }

        return null;
    }
}

/// <summary>Column types declared by a revision: in CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.</summary>
internal abstract class ColumnTypeRule : LintRule
{
    protected static IEnumerable<(TableName Table, string Column, string Type, bool Key)> DeclaredColumns(RevisionToLint revision)
    {
        foreach (var statement in revision.Statements)
        {
            if (statement.AsCreateTable() is var (table, elements))
            {
                var keys = PrimaryKeyColumns(elements);
                foreach (var element in elements)
                {
                    if (element.Count > 0 && element[0] is { Kind: SqlTokenKind.Word, Value: "constraint" or "primary" or "unique" or "foreign" or "check" or "exclude" or "like" })
                    {
                        continue;
                    }

                    if (ColumnDefinition.Read(new TokenCursor(element)) is { } column)
                    {
                        yield return (table, column.Name, column.Type,
                            keys.Contains(column.Name) || TokenCursor.Contains(column.Rest, "primary", "key"));
                    }
                }
            }
            else if (statement.AsAlterTable() is { } alter)
            {
                foreach (var column in alter.AddedColumns())
                {
                    yield return (alter.Table, column.Name, column.Type, TokenCursor.Contains(column.Rest, "primary", "key"));
                }

                foreach (var (column, type) in alter.TypeChanges())
                {
                    yield return (alter.Table, column, type, false);
                }
            }
        }
    }

    private static HashSet<string> PrimaryKeyColumns(IReadOnlyList<List<SqlToken>> elements)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in elements)
        {
            var cursor = new TokenCursor(element);
            if (cursor.Accept("constraint"))
            {
                cursor.ReadName();
            }

            if (cursor.Accept("primary", "key") && cursor.ReadParenthesized() is { } columns)
            {
                keys.UnionWith(columns.Where(t => t.IsName).Select(t => t.Value));
            }
        }

        return keys;
    }
}

internal sealed class PreferBigintOverInt : ColumnTypeRule
{
    public override string Id => "prefer-bigint-over-int";

    public override string Why => "An integer key runs out at 2,147,483,647, and widening it later rewrites the table and every table that references it.";

    public override string Alternative => "Use bigint (long in C#) for new key columns.";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => DeclaredColumns(revision)
            .Where(c => c.Key && StoreTypes.IsSmallInteger(c.Type))
            .Select(c => (c.Table.Name, $"key column {c.Table}.{c.Column} is {c.Type}"));
}

internal sealed class PreferTimestamptz : ColumnTypeRule
{
    public override string Id => "prefer-timestamptz";

    public override string Why => "timestamp without time zone drops the offset: values mean different instants to sessions in different time zones, and converting later rewrites the table.";

    public override string Alternative => "Use timestamp with time zone (DateTime of kind Utc or DateTimeOffset with Npgsql).";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => DeclaredColumns(revision)
            .Where(c => StoreTypes.IsTimestampWithoutTimeZone(c.Type))
            .Select(c => (c.Table.Name, $"column {c.Table}.{c.Column} is {c.Type}"));
}
