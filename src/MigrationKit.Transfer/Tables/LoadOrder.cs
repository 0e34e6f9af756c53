using MigrationKit.Core;

namespace MigrationKit.Transfer.Tables;

/// <summary>
/// Tables grouped into the units a transfer loads, in foreign-key order: a unit may start once the
/// units it references are done. Tables that reference each other in a cycle form one unit, loaded in
/// one transaction with deferrable constraints deferred; within it the tables are ordered by the
/// constraints that cannot be deferred. With --truncate, tables linked by a foreign key load in one
/// unit: emptying a table in a transaction of its own would leave the rows that reference it pointing
/// at nothing, or take them along.
/// </summary>
internal static class LoadOrder
{
    /// <param name="checkedAtOnce">Names of the foreign keys the target checks row by row as rows arrive (not DEFERRABLE, not suspended for the load); null when triggers are disabled and nothing is checked.</param>
    /// <param name="truncate">Whether each unit empties its tables first.</param>
    public static IReadOnlyList<LoadUnit> Plan(IReadOnlyList<TransferTable> tables, IReadOnlySet<string>? checkedAtOnce, bool truncate = false)
    {
        var byName = tables.ToDictionary(t => t.DisplayName, StringComparer.Ordinal);
        var components = StronglyConnected(tables, byName);
        var unitOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < components.Count; i++)
        {
            foreach (var table in components[i])
            {
                unitOf[table.DisplayName] = i;
            }
        }

        var units = new List<LoadUnit>(components.Count);
        for (var i = 0; i < components.Count; i++)
        {
            var members = components[i];
            var dependsOn = members
                .SelectMany(t => References(t, byName))
                .Select(p => unitOf[p.DisplayName])
                .Where(u => u != i)
                .Distinct()
                .Order()
                .ToList();
            units.Add(new LoadUnit(i, OrderWithinCycle(members, byName, checkedAtOnce), dependsOn));
        }

        return truncate ? Linked(units) : units;
    }

    /// <summary>
    /// The units joined along their foreign keys, each group keeping its members' order (every unit
    /// after those it references), so one transaction empties and loads a parent with its children.
    /// </summary>
    private static List<LoadUnit> Linked(List<LoadUnit> units)
    {
        var group = Enumerable.Range(0, units.Count).ToArray();
        foreach (var unit in units)
        {
            foreach (var principal in unit.DependsOn)
            {
                group[Root(unit.Id)] = Root(principal);
            }
        }

        return units.GroupBy(u => Root(u.Id))
            .Select((members, i) => new LoadUnit(i, members.SelectMany(u => u.Tables).ToList(), []))
            .ToList();

        int Root(int id) => group[id] == id ? id : group[id] = Root(group[id]);
    }

    private static IEnumerable<TransferTable> References(TransferTable table, Dictionary<string, TransferTable> byName)
        => table.ForeignKeys
            .Where(fk => fk.Principal != table.DisplayName && byName.ContainsKey(fk.Principal))
            .Select(fk => byName[fk.Principal]);

    /// <summary>
    /// A cycle's tables ordered so that every foreign key the target checks at once points at a table
    /// loaded earlier; the deferrable and suspended ones are checked before the commit.
    /// </summary>
    private static IReadOnlyList<TransferTable> OrderWithinCycle(
        IReadOnlyList<TransferTable> members, Dictionary<string, TransferTable> byName, IReadOnlySet<string>? checkedAtOnce)
    {
        if (members.Count == 1 || checkedAtOnce is null)
        {
            return members;
        }

        var inCycle = members.Select(m => m.DisplayName).ToHashSet(StringComparer.Ordinal);
        var ordered = new List<TransferTable>(members.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var remaining = members.ToList();
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(t => t.ForeignKeys.All(fk =>
                fk.Principal == t.DisplayName || !inCycle.Contains(fk.Principal) || done.Contains(fk.Principal) || !checkedAtOnce.Contains(fk.Name)));
            if (next is null)
            {
                var cycle = string.Join(" -> ", members.Select(m => m.DisplayName).Append(members[0].DisplayName));
                throw new MigrationKitException(
                    $"The tables {cycle} reference each other through foreign keys the target checks at once (not DEFERRABLE), so no order can load them.",
                    "Copy as the owner of those tables (their foreign keys are then checked once at the end), make one of them DEFERRABLE in a revision, or pass --disable-triggers (needs the rights to set session_replication_role).");
            }

            ordered.Add(next);
            done.Add(next.DisplayName);
            remaining.Remove(next);
        }

        return ordered;
    }

    // Tarjan's algorithm; components come out with every referenced component before its referrers.
    private static List<IReadOnlyList<TransferTable>> StronglyConnected(IReadOnlyList<TransferTable> tables, Dictionary<string, TransferTable> byName)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<TransferTable>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<IReadOnlyList<TransferTable>>();
        var counter = 0;

        foreach (var table in tables)
        {
            if (!index.ContainsKey(table.DisplayName))
            {
                Visit(table);
            }
        }

        return components;

        void Visit(TransferTable table)
        {
            index[table.DisplayName] = low[table.DisplayName] = counter++;
            stack.Push(table);
            onStack.Add(table.DisplayName);
            foreach (var principal in References(table, byName))
            {
                if (!index.ContainsKey(principal.DisplayName))
                {
                    Visit(principal);
                    low[table.DisplayName] = Math.Min(low[table.DisplayName], low[principal.DisplayName]);
                }
                else if (onStack.Contains(principal.DisplayName))
                {
                    low[table.DisplayName] = Math.Min(low[table.DisplayName], index[principal.DisplayName]);
                }
            }

            if (low[table.DisplayName] == index[table.DisplayName])
            {
                var component = new List<TransferTable>();
                TransferTable member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member.DisplayName);
                    component.Add(member);
                }
                while (member.DisplayName != table.DisplayName);

                component.Sort((a, b) => string.CompareOrdinal(a.DisplayName, b.DisplayName));
                components.Add(component);
            }
        }
    }
}

/// <summary>Tables loaded together in one target transaction (more than one for a foreign-key cycle, or tables linked by foreign keys under --truncate).</summary>
internal sealed record LoadUnit(int Id, IReadOnlyList<TransferTable> Tables, IReadOnlyList<int> DependsOn)
{
    public bool IsCycle => Tables.Count > 1;
}
