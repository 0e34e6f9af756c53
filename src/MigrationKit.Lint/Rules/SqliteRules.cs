namespace MigrationKit.Lint.Rules;

internal sealed class SqliteTableRebuild : LintRule
{
    /// <summary>The name EF Core's SQLite generator gives the copy it rebuilds a table into.</summary>
    private const string RebuildPrefix = "ef_temp_";

    public override string Id => "sqlite-table-rebuild";

    public override string Why => "SQLite cannot alter this in place: EF Core copies every row into a new table and swaps it in, holding the database's write lock for the whole copy.";

    public override string Alternative => "Make the change additive (a new nullable column, a new table) and leave the old one; acknowledge the rebuild when the table is small.";

    public override bool AppliesTo(LintProvider provider) => provider == LintProvider.Sqlite;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Statements
            .Select(s => s.AsCreateTable()?.Table.Name)
            .Where(name => name is not null && name.StartsWith(RebuildPrefix, StringComparison.Ordinal))
            .Select(name => name![RebuildPrefix.Length..])
            .Where(table => !revision.Creates(table))
            .Distinct(StringComparer.Ordinal)
            .Select(table => (table, $"rebuilds table {table}: every row is copied under the write lock"));
}
