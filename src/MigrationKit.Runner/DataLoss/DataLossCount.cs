using System.Globalization;
using MigrationKit.Core;

namespace MigrationKit.Runner.DataLoss;

/// <summary>What one destructive change of a step would lose, counted on the live database.</summary>
/// <param name="Change">The change, e.g. <c>drops column users.note</c>.</param>
/// <param name="Count">How many rows or values it would lose; zero when the table or column is empty or does not exist yet.</param>
/// <param name="Unit">What is counted, e.g. <c>non-null values</c>.</param>
public sealed record DataLossCount(MigrationStep Step, string Change, long Count, string Unit)
{
    /// <summary>One line: <c>drops column users.note: 12,345 non-null values</c>.</summary>
    public override string ToString() => $"{Change}: {Count.ToString("N0", CultureInfo.InvariantCulture)} {Unit}";
}
