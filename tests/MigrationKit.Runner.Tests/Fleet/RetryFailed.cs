using MigrationKit.Runner.Fleet;
using MigrationKit.Testing;

namespace MigrationKit.Runner.Tests.Fleet;

/// <summary>What <c>--retry-failed REPORT</c> does with a report: written to a file, read back, its names run again.</summary>
public static class RetryFailed
{
    public static async Task<FleetReport> RunAsync(FleetRunner runner, IReadOnlyList<FleetTarget> targets, FleetReport report)
    {
        using var folder = new TempDirectory("fleet-report");
        await File.WriteAllTextAsync(folder.File("report.json"), report.ToJson());
        var retry = FleetReport.ReadFile(folder.File("report.json")).NamesToRetry();
        return await runner.UpgradeAsync(targets.Where(t => retry.Contains(t.Name)).ToList());
    }
}
