using System.Text.RegularExpressions;

namespace MigrationKit.Runner.Rehearsal;

/// <summary>
/// The form of a statement that refuses a transaction block which a rehearsal can run inside one:
/// <c>CREATE INDEX CONCURRENTLY</c> and <c>DROP INDEX CONCURRENTLY</c> without CONCURRENTLY. The
/// result is the same index, built or dropped under a stronger lock, and the note says which lock
/// the real statement takes instead.
/// </summary>
internal static partial class InTransactionForm
{
    /// <summary>The statement without CONCURRENTLY and the note for the report; null when it is not one of the two.</summary>
    public static (string Sql, string Note)? Of(string sql)
    {
        if (CreateIndex().Match(sql) is { Success: true } create)
        {
            return (Without(sql, create), "a real run builds this index CONCURRENTLY, outside a transaction: it takes ShareUpdateExclusiveLock "
                + "(blocks neither reads nor writes), waits for older transactions and scans the table twice, so it takes longer. "
                + "Rehearsed as a plain CREATE INDEX, whose time is a lower bound and whose locks are the plain form's");
        }

        if (DropIndex().Match(sql) is { Success: true } drop)
        {
            return (Without(sql, drop), "a real run drops this index CONCURRENTLY, outside a transaction: it takes ShareUpdateExclusiveLock "
                + "(blocks neither reads nor writes) and waits for older transactions. Rehearsed as a plain DROP INDEX, whose locks are the plain form's");
        }

        return null;
    }

    private static string Without(string sql, Match match)
    {
        var word = match.Groups["concurrently"];
        return sql[..word.Index] + sql[(word.Index + word.Length)..].TrimStart();
    }

    [GeneratedRegex(@"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?<concurrently>CONCURRENTLY)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CreateIndex();

    [GeneratedRegex(@"^\s*DROP\s+INDEX\s+(?<concurrently>CONCURRENTLY)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DropIndex();
}
