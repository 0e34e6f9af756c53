using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

/// <summary>One rule: a stable id, why the pattern hurts a live database, and the safe way instead.</summary>
internal abstract class LintRule
{
    public abstract string Id { get; }

    public abstract string Why { get; }

    public abstract string Alternative { get; }

    /// <summary>The databases the rule is about; PostgreSQL unless a rule says otherwise.</summary>
    public virtual bool AppliesTo(LintProvider provider) => provider == LintProvider.PostgreSql;

    /// <summary>Each place the revision breaks the rule: the table, and a message that says what the statement does.</summary>
    public abstract IEnumerable<(string Table, string Message)> Find(RevisionToLint revision);
}

/// <summary>A rule about single statements: each one it matches is a finding on the table the statement locks.</summary>
internal abstract class StatementRule : LintRule
{
    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Statements.Where(Matches).Select(s => (s.LockedTable() ?? "-", Describe(s)));

    protected abstract bool Matches(SqlStatement statement);

    protected abstract string Describe(SqlStatement statement);
}
