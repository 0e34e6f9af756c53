namespace MigrationKit.Core.Tests;

/// <summary>
/// Small graphs the tests share, and short ways to read results. Ids are short words so that a failing
/// assertion reads like the picture in the comment above each graph.
/// </summary>
internal static class Graphs
{
    public static RevisionInfo Rev(string id, params string[] parents) => new(id, parents, message: $"{id} message");

    public static RevisionInfo Rev(string id, string[] parents, string[]? labels = null, string[]? dependsOn = null) =>
        new(id, parents, $"{id} message", labels, dependsOn);

    public static RevisionGraph Graph(params RevisionInfo[] revisions) => RevisionGraph.Build(revisions);

    /// <summary>a - b - c - d - e</summary>
    public static RevisionGraph Linear() =>
        Graph(Rev("a"), Rev("b", "a"), Rev("c", "b"), Rev("d", "c"), Rev("e", "d"));

    /// <summary>
    /// a - b
    ///   \ c
    /// </summary>
    public static RevisionGraph TwoHeads() => Graph(Rev("a"), Rev("b", "a"), Rev("c", "a"));

    /// <summary>
    /// a - b1 - b2 - m - n
    ///   \ c1 - c2 /
    /// </summary>
    public static RevisionGraph Diamond() =>
        Graph(Rev("a"), Rev("b1", "a"), Rev("b2", "b1"), Rev("c1", "a"), Rev("c2", "c1"), Rev("m", "b2", "c2"), Rev("n", "m"));

    /// <summary>
    /// a - b1 - b2   (b1 labelled "billing")
    ///   \ c1 - c2   (c1 labelled "users")
    /// x - y         (x labelled "audit", a second root)
    /// </summary>
    public static RevisionGraph Labelled() =>
        Graph(
            Rev("a"),
            Rev("b1", ["a"], labels: ["billing"]),
            Rev("b2", "b1"),
            Rev("c1", ["a"], labels: ["users"]),
            Rev("c2", "c1"),
            Rev("x", [], labels: ["audit"]),
            Rev("y", "x"));

    /// <summary>
    /// a - b - c      c depends on y
    /// x - y
    /// </summary>
    public static RevisionGraph DependsAcross() =>
        Graph(Rev("a"), Rev("b", "a"), Rev("c", ["b"], dependsOn: ["y"]), Rev("x"), Rev("y", "x"));

    /// <summary>
    /// a1 - a2      (a1 labelled "a"; a2 depends on b1)
    /// b1 - b2      (b1 labelled "b", a second root)
    /// </summary>
    public static RevisionGraph DependsOnOtherRoot() =>
        Graph(Rev("a1", [], labels: ["a"]), Rev("a2", ["a1"], dependsOn: ["b1"]), Rev("b1", [], labels: ["b"]), Rev("b2", "b1"));

    /// <summary>
    /// a1 - a2      (a2 depends on b1)
    /// b1           (nothing follows b1 as a child: a head that a2 depends on)
    /// </summary>
    public static RevisionGraph DependsOnLoneRoot() =>
        Graph(Rev("a1", [], labels: ["a"]), Rev("a2", ["a1"], dependsOn: ["b1"]), Rev("b1", [], labels: ["b"]));

    public static string[] None => [];

    public static string[] Rows(params string[] ids) => ids;

    /// <summary>The ids in order, space separated: "a b c".</summary>
    public static string Ids(IEnumerable<RevisionInfo> revisions) => string.Join(" ", revisions.Select(r => r.Id));

    public static string Ids(IEnumerable<string> ids) => string.Join(" ", ids);

    /// <summary>The revisions a plan runs, in order: "a b c".</summary>
    public static string Ids(MigrationPlan plan) => Ids(plan.Steps.Select(s => s.Revision));

    /// <summary>Each step with the version table around it: "m: b2 c2 => m"; an empty table is "-".</summary>
    public static string[] Table(MigrationPlan plan) =>
        plan.Steps.Select(s => $"{s.Revision.Id}: {Rows(s.HeadsBefore)} => {Rows(s.HeadsAfter)}").ToArray();

    /// <summary>Version-table rows, space separated; "-" when there are none.</summary>
    public static string Rows(IEnumerable<string> rows) => rows.Any() ? Ids(rows) : "-";

    public static MigrationKitException Fails(Action action) => Assert.Throws<MigrationKitException>(action);

    public static MigrationKitException Fails(Func<object> action) => Assert.Throws<MigrationKitException>(action);
}
