using System.Globalization;
using System.Text;
using MigrationKit.Core;

namespace MigrationKit.Cli.Output;

/// <summary>
/// Prints revisions the way Alembic does, so a MigrationKit run reads side by side with an
/// Alembic one: <c>id (label) (head) (branchpoint) (mergepoint)</c> (<c>(effective head)</c> for a head
/// that a revision depends on), history lines <c>parents -&gt; id ..., message</c>, and the verbose block
/// of <c>show</c>.
/// </summary>
internal sealed class RevisionFormatter(RevisionGraph graph)
{
    private readonly Dictionary<string, List<string>> _children = ChildrenOf(graph);
    private readonly HashSet<string> _heads = graph.Heads.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
    private readonly HashSet<string> _effectiveHeads = graph.EffectiveHeads.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);

    public IReadOnlyList<string> Children(RevisionInfo revision)
        => _children.TryGetValue(revision.Id, out var children) ? children : [];

    /// <summary>The one-line form.</summary>
    public string Line(RevisionInfo revision, bool parents = false, bool labels = false, bool treeIndicators = true,
        bool message = false, bool current = false)
    {
        var text = new StringBuilder();
        if (parents)
        {
            text.Append(revision.Parents.Count == 0 ? "<base>" : string.Join(", ", revision.Parents));
            if (revision.DependsOn.Count > 0)
            {
                text.Append(" (").Append(string.Join(", ", revision.DependsOn)).Append(')');
            }

            text.Append(" -> ");
        }

        text.Append(revision.Id);
        if (labels && revision.BranchLabels.Count > 0)
        {
            text.Append(" (").Append(string.Join(", ", revision.BranchLabels)).Append(')');
        }

        if (_heads.Contains(revision.Id))
        {
            text.Append(_effectiveHeads.Contains(revision.Id) ? " (effective head)" : " (head)");
        }

        if (treeIndicators)
        {
            if (Children(revision).Count > 1)
            {
                text.Append(" (branchpoint)");
            }

            if (revision.IsMergePoint)
            {
                text.Append(" (mergepoint)");
            }
        }

        if (revision.Replaces.Count > 0)
        {
            text.Append(" (squash of ").Append(Replaced(revision)).Append(')');
        }

        if (current)
        {
            text.Append(" (current)");
        }

        if (message)
        {
            text.Append(", ").Append(revision.Message);
        }

        return text.ToString();
    }

    /// <summary>The block of <c>show</c> and of <c>-v</c> listings.</summary>
    public string Verbose(RevisionInfo revision, bool current = false)
    {
        var text = new StringBuilder();
        text.Append("Rev: ").AppendLine(Line(revision, labels: true, current: current));
        if (revision.IsMergePoint)
        {
            text.Append("Merges: ").AppendLine(string.Join(", ", revision.Parents));
        }
        else
        {
            text.Append("Parent: ").AppendLine(revision.Parents.Count == 0 ? "<base>" : revision.Parents[0]);
        }

        if (revision.DependsOn.Count > 0)
        {
            text.Append("Also depends on: ").AppendLine(string.Join(", ", revision.DependsOn));
        }

        if (revision.BranchLabels.Count > 0)
        {
            text.Append("Branch names: ").AppendLine(string.Join(", ", revision.BranchLabels));
        }

        if (revision.Replaces.Count > 0)
        {
            text.Append("Replaces: ").AppendLine(string.Join(", ", revision.Replaces));
        }

        if (Children(revision).Count > 1)
        {
            text.Append("Branches into: ").AppendLine(string.Join(", ", Children(revision)));
        }

        if (revision.Source is not null)
        {
            text.Append("Class: ").AppendLine(revision.Source);
        }

        text.AppendLine()
            .Append("    ").AppendLine(revision.Message)
            .AppendLine()
            .Append("    Revision ID: ").AppendLine(revision.Id)
            .Append("    Revises: ").AppendLine(string.Join(", ", revision.Parents));
        if (revision.Created is { } created)
        {
            text.Append("    Create Date: ").AppendLine(created.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>"3 revisions, b to d": the count and the run's ends, as one line holds them however long the run.</summary>
    private static string Replaced(RevisionInfo squash)
        => squash.Replaces.Count == 1
            ? squash.Replaces[0]
            : $"{squash.Replaces.Count} revisions, {squash.Replaces[0]} to {squash.Replaces[^1]}";

    private static Dictionary<string, List<string>> ChildrenOf(RevisionGraph graph)
    {
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var revision in graph.Revisions)
        {
            foreach (var parent in revision.Parents)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(revision.Id);
            }
        }

        return children;
    }
}
