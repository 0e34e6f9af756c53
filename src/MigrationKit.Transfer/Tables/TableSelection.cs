using MigrationKit.Core;

namespace MigrationKit.Transfer.Tables;

/// <summary>--tables and --exclude: names as the model spells them (schema.name outside the default schema).</summary>
internal static class TableSelection
{
    public static IReadOnlyList<TransferTable> Apply(IReadOnlyList<TransferTable> tables, IReadOnlyCollection<string> include, IReadOnlyCollection<string> exclude)
    {
        var known = tables.Select(t => t.DisplayName).ToHashSet(StringComparer.Ordinal);
        foreach (var name in include.Concat(exclude))
        {
            Require(known, name, "--tables or --exclude");
        }

        return tables
            .Where(t => (include.Count == 0 || include.Contains(t.DisplayName)) && !exclude.Contains(t.DisplayName))
            .ToList();
    }

    public static void Require(IReadOnlySet<string> known, string name, string option)
    {
        if (!known.Contains(name))
        {
            throw new MigrationKitException(
                $"{option} names table {name}, which is not a table of the model.",
                $"The model's tables: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        }
    }
}
