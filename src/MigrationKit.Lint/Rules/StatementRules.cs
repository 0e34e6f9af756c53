using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

internal sealed class BanVacuumFull : StatementRule
{
    public override string Id => "ban-vacuum-full";

    public override string Why => "VACUUM FULL rewrites the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done.";

    public override string Alternative => "Plain VACUUM (suppressTransaction: true) reclaims space for reuse without blocking; pg_repack compacts the table online.";

    protected override bool Matches(SqlStatement statement) => statement.Is("vacuum") && statement.Contains("full");

    protected override string Describe(SqlStatement statement) => "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock";
}

internal sealed class BanCluster : StatementRule
{
    public override string Id => "ban-cluster";

    public override string Why => "CLUSTER rewrites the whole table in index order under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done.";

    public override string Alternative => "Reorder outside the migration with pg_repack --order-by, which holds its strong lock only for a moment.";

    protected override bool Matches(SqlStatement statement) => statement.Is("cluster");

    protected override string Describe(SqlStatement statement) => "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock";
}

internal sealed class BanTruncateCascade : LintRule
{
    public override string Id => "ban-truncate-cascade";

    public override string Why => "TRUNCATE ... CASCADE also empties every table that references the named ones, and those that reference them, however far that reaches.";

    public override string Alternative => "Name every table to empty in the TRUNCATE itself, so the statement says what it deletes (it fails if one is missing).";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Statements
            .Select(s => s.AsTruncate())
            .Where(t => t is { Cascade: true })
            .Select(t => (t!.Value.Tables.FirstOrDefault()?.Name ?? "-",
                $"TRUNCATE {string.Join(", ", t.Value.Tables)} CASCADE also empties every table that references them"));
}

internal sealed class RequireLockTimeout : LintRule
{
    public override string Id => "require-lock-timeout";

    public override string Why => "A statement waiting for its lock blocks every later query of the table behind it; without a lock_timeout it waits, and the app stalls, for as long as the longest running query.";

    public override string Alternative => "Run with the tool's lock timeout on (--lock-timeout), or start the revision with migrationBuilder.Sql(\"SET LOCAL lock_timeout = '2s'\").";

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
    {
        if (revision.Settings.LockTimeout is { } timeout && timeout > TimeSpan.Zero)
        {
            yield break;
        }

        if (revision.Statements.Any(s => s.Is("set", "lock_timeout") || s.Is("set", "local", "lock_timeout")))
        {
            yield break;
        }

        var locked = revision.Statements.Select(s => s.LockedTable()).FirstOrDefault(t => t is not null && !revision.Creates(t));
        if (locked is not null)
        {
            yield return ("-", $"changes {locked}, which exists already, with no lock_timeout set, and the tool's lock timeout is off");
        }
    }
}
