namespace MigrationKit.Core;

/// <summary>
/// What a squashed revision takes from the run it replaces (<see cref="RevisionGraph.PlanSquash"/>).
/// </summary>
/// <param name="Replaced">The run, oldest first; the last is its end, whose snapshot the squash records.</param>
/// <param name="Parents">The first revision's parents: the squash's.</param>
/// <param name="BranchLabels">Every label of the run, which the squash carries on.</param>
/// <param name="DependsOn">Every dependency of the run on a revision outside it.</param>
public sealed record SquashRun(
    IReadOnlyList<string> Replaced,
    IReadOnlyList<string> Parents,
    IReadOnlyList<string> BranchLabels,
    IReadOnlyList<string> DependsOn)
{
    public string End => Replaced[^1];
}
