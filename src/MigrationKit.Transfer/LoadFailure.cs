using MigrationKit.Core;

namespace MigrationKit.Transfer;

/// <summary>
/// What a failed load leaves behind. Each unit empties (--truncate) and loads its tables in its own
/// transaction, so a failure keeps every table as it was except those of the units committed before it.
/// </summary>
internal static class LoadFailure
{
    /// <summary>Our own failure told with the tables committed before it; any other exception passes as it is.</summary>
    public static Exception Explain(Exception failure, IEnumerable<string> committed)
    {
        if (failure is not MigrationKitException known)
        {
            return failure;
        }

        var tables = string.Join(", ", committed);
        var left = tables.Length == 0
            ? "No table of the target was changed."
            : $"Loaded and committed before the failure: {tables}; every other table is as it was.";
        return new MigrationKitException($"{known.Message.TrimEnd('.')}. {left}", known.Hint, known);
    }
}
