namespace MigrationKit.Runner.Rehearsal;

/// <summary>
/// PostgreSQL's table lock modes and which of them conflict, from the table in
/// https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES. A plain SELECT
/// takes AccessShareLock and INSERT/UPDATE/DELETE take RowExclusiveLock, so a mode blocks reads
/// when it conflicts with the first and writes when it conflicts with the second.
/// </summary>
internal static class LockModes
{
    private const string AccessShare = "AccessShareLock";
    private const string RowShare = "RowShareLock";
    private const string RowExclusive = "RowExclusiveLock";
    private const string ShareUpdateExclusive = "ShareUpdateExclusiveLock";
    private const string Share = "ShareLock";
    private const string ShareRowExclusive = "ShareRowExclusiveLock";
    private const string Exclusive = "ExclusiveLock";
    private const string AccessExclusive = "AccessExclusiveLock";

    private static readonly Dictionary<string, HashSet<string>> ConflictsWith = new(StringComparer.Ordinal)
    {
        [AccessShare] = [AccessExclusive],
        [RowShare] = [Exclusive, AccessExclusive],
        [RowExclusive] = [Share, ShareRowExclusive, Exclusive, AccessExclusive],
        [ShareUpdateExclusive] = [ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive],
        [Share] = [RowExclusive, ShareUpdateExclusive, ShareRowExclusive, Exclusive, AccessExclusive],
        [ShareRowExclusive] = [RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive],
        [Exclusive] = [RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive],
        [AccessExclusive] = [AccessShare, RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive],
    };

    public static bool BlocksReads(string mode) => Conflict(mode, AccessShare);

    public static bool BlocksWrites(string mode) => Conflict(mode, RowExclusive);

    /// <summary>
    /// Whether <paramref name="weaker"/> makes no session wait that <paramref name="stronger"/> does
    /// not (ALTER TABLE ... ADD FOREIGN KEY reads both tables' definitions under AccessShareLock
    /// besides the ShareRowExclusiveLock it holds them with): then the weaker says nothing more.
    /// </summary>
    public static bool Covers(string stronger, string weaker)
        => stronger != weaker && ConflictsWith.TryGetValue(stronger, out var strong) && ConflictsWith.TryGetValue(weaker, out var weak)
           && weak.IsSubsetOf(strong);

    private static bool Conflict(string mode, string other) => ConflictsWith.TryGetValue(mode, out var modes) && modes.Contains(other);
}
