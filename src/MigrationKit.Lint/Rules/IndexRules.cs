using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

internal sealed class RequireConcurrentIndexCreation : LintRule
{
    public override string Id => "require-concurrent-index-creation";

    public override string Why => "CREATE INDEX takes a SHARE lock on the table: every INSERT, UPDATE and DELETE waits for the whole build.";

    public override string Alternative =>
        "Build it with CREATE INDEX CONCURRENTLY outside the transaction: .IsCreatedConcurrently() in the model (Npgsql), or migrationBuilder.Sql(\"CREATE INDEX CONCURRENTLY ...\", suppressTransaction: true).";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Statements
            .Select(s => s.AsCreateIndex())
            .Where(index => index is { Concurrently: false } && !revision.Creates(index.Table.Name))
            .Select(index => (index!.Table.Name, $"CREATE {(index.Unique ? "UNIQUE " : "")}INDEX {index.Name} on existing table {index.Table} blocks writes while it builds"));
}

internal sealed class RequireConcurrentIndexDeletion : LintRule
{
    public override string Id => "require-concurrent-index-deletion";

    public override string Why => "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table, and waits in the lock queue behind every running query, blocking all that come after.";

    public override string Alternative => "migrationBuilder.Sql(\"DROP INDEX CONCURRENTLY ...\", suppressTransaction: true).";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
    {
        foreach (var statement in revision.Statements)
        {
            if (statement.AsDropIndex() is { Concurrently: false } drop)
            {
                foreach (var index in drop.Indexes)
                {
                    var table = revision.Operations.OfType<DropIndexOperation>().FirstOrDefault(o => o.Name == index.Name)?.Table;
                    yield return (table ?? index.Name, $"DROP INDEX {index} locks {(table is null ? "its table" : table)} against reads and writes");
                }
            }
        }
    }
}

/// <summary>PostgreSQL refuses these inside a transaction block; EF marks them with TransactionSuppressed when it knows.</summary>
internal sealed class BanConcurrentIndexCreationInTransaction : StatementRule
{
    public override string Id => "ban-concurrent-index-creation-in-transaction";

    public override string Why => "CREATE/DROP/REINDEX ... CONCURRENTLY and VACUUM cannot run inside a transaction block: the revision fails when it runs.";

    public override string Alternative => "Pass suppressTransaction: true to migrationBuilder.Sql(...) for that statement, so it runs alone outside the revision's transaction.";

    protected override bool Matches(SqlStatement statement)
        => !statement.TransactionSuppressed && (statement.Contains("concurrently") || statement.Is("vacuum"));

    /// <summary>Names the statement by its leading keywords, e.g. CREATE UNIQUE INDEX CONCURRENTLY.</summary>
    protected override string Describe(SqlStatement statement)
    {
        var words = statement.Tokens.TakeWhile(t => t.Kind == SqlTokenKind.Word).Select(t => t.Value.ToUpperInvariant()).ToList();
        var end = words.IndexOf("CONCURRENTLY");
        return string.Join(' ', words.Take(end < 0 ? 1 : end + 1)) + " runs inside the revision's transaction";
    }
}
