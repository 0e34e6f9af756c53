namespace MigrationKit.Core;

/// <summary>
/// The graph's user-facing failures. Where Alembic has a message for the same failure we keep its
/// wording (users search for it), and add what Alembic leaves out: the revisions involved and what to type.
/// </summary>
internal static class Errors
{
    // Beyond this many, lists in messages are cut short ("and 12 more"): a message stays one readable line.
    private const int ListLimit = 10;

    public static MigrationKitException CannotLocate(string identifier) =>
        new($"Can't locate revision identified by '{identifier}'",
            "'history' lists the revisions, 'heads' the heads and 'branches' the branch points.");

    public static MigrationKitException UnknownVersionRow(string id) =>
        new($"Can't locate revision identified by '{id}'",
            $"The database's version table names revision '{id}', which this project does not contain. " +
            "If that revision was removed or renamed, rewrite the table with 'stamp --purge <revision>'.");

    public static MigrationKitException AmbiguousPrefix(string prefix, IEnumerable<string> candidates) =>
        new($"Multiple revisions start with '{prefix}': {List(candidates)}",
            "Type more characters of the revision id.");

    public static MigrationKitException DidNotProduce(string spec, int steps, string? hint = null) =>
        new($"Relative revision {spec} didn't produce {Math.Abs(steps)} migrations", hint);

    /// <summary>"a1b2 (Namespace.Type)" when the revision's source is known.</summary>
    public static string Name(RevisionInfo revision) =>
        revision.Source is null ? revision.Id : $"{revision.Id} ({revision.Source})";

    public static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count <= ListLimit
            ? string.Join(", ", all)
            : $"{string.Join(", ", all.Take(ListLimit))} and {all.Count - ListLimit} more";
    }
}
