using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

/// <summary>
/// Constraints of a kind added to existing tables: a finding when added without NOT VALID, or
/// validated in the same transaction that added them (which then still holds the adding lock).
/// </summary>
internal abstract class NotValidConstraintRule(string kind) : LintRule
{
    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
    {
        foreach (var (_, statement, alter) in revision.AlterExistingTables())
        {
            foreach (var constraint in alter.AddedConstraints().Where(c => c.Kind == kind))
            {
                if (!constraint.NotValid)
                {
                    yield return (alter.Table.Name, $"ADD CONSTRAINT {constraint.Name} {kind.ToUpperInvariant()} on existing table {alter.Table} checks every row under its lock");
                }
                else if (constraint.Name is { } name && ValidatedIn(revision, alter.Table.Name, name) is { } validation
                         && validation.Transaction == statement.Transaction && !statement.TransactionSuppressed)
                {
                    yield return (alter.Table.Name, $"VALIDATE CONSTRAINT {name} runs in the same transaction as its ADD ... NOT VALID, which still holds the stronger lock");
                }
            }
        }
    }

    private static SqlStatement? ValidatedIn(RevisionToLint revision, string table, string constraint)
        => revision.Statements.FirstOrDefault(s => s.AsAlterTable() is { } alter && alter.Table.Name == table
                                                   && alter.ValidatedConstraints().Contains(constraint));
}

internal sealed class AddingForeignKeyConstraint() : NotValidConstraintRule("foreign key")
{
    public override string Id => "adding-foreign-key-constraint";

    public override string Why => "Adding a foreign key scans the table under a SHARE ROW EXCLUSIVE lock on it and on the table it references: writes to both wait.";

    public override string Alternative =>
        "Add it with NOT VALID, then VALIDATE CONSTRAINT in a separate transaction: Sql(\"ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES p (id) NOT VALID\"), then Sql(\"ALTER TABLE t VALIDATE CONSTRAINT fk\", suppressTransaction: true).";
}

internal sealed class ConstraintMissingNotValid() : NotValidConstraintRule("check")
{
    public override string Id => "constraint-missing-not-valid";

    public override string Why => "Adding a CHECK constraint scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait.";

    public override string Alternative =>
        "Add it with NOT VALID, then VALIDATE CONSTRAINT in a separate transaction: Sql(\"ALTER TABLE t ADD CONSTRAINT ck CHECK (...) NOT VALID\"), then Sql(\"ALTER TABLE t VALIDATE CONSTRAINT ck\", suppressTransaction: true).";
}

internal sealed class DisallowedUniqueConstraint : LintRule
{
    public override string Id => "disallowed-unique-constraint";

    public override string Why => "ADD CONSTRAINT ... UNIQUE or PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait for the build.";

    public override string Alternative =>
        "Build the index first with Sql(\"CREATE UNIQUE INDEX CONCURRENTLY ix ON t (c)\", suppressTransaction: true), then Sql(\"ALTER TABLE t ADD CONSTRAINT ak UNIQUE USING INDEX ix\").";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => from altered in revision.AlterExistingTables()
           let alter = altered.Alter
           from constraint in alter.AddedConstraints()
           where constraint.Kind is "unique" or "primary key" && !constraint.UsingIndex
           select (alter.Table.Name, $"ADD CONSTRAINT {constraint.Name} {constraint.Kind.ToUpperInvariant()} on existing table {alter.Table} builds its index under an ACCESS EXCLUSIVE lock");
}
