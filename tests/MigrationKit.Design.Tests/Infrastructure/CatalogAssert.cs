using Xunit.Sdk;

namespace MigrationKit.Design.Tests.Infrastructure;

internal static class CatalogAssert
{
    /// <summary>Fails with the catalog lines each side has and the other lacks.</summary>
    public static void Same(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string what)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count)
        {
            return;
        }

        throw new XunitException(
            $"{what}\n  only in EnsureCreated():\n    {string.Join("\n    ", missing)}\n  only after the revisions:\n    {string.Join("\n    ", extra)}");
    }
}
