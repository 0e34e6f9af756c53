using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MigrationKit.Runner.Tests;

/// <summary>
/// The test assembly run as a program (<c>dotnet MigrationKit.Runner.Tests.dll upgrade|rehearse|fleet PROVIDER CONNECTION</c>):
/// a real separate process that upgrades <see cref="InParts.SlowAll"/>, or rehearses
/// <see cref="RehearsalTests.Slow"/>, or upgrades <see cref="Fleet.SlowTenants"/> over a fleet
/// (CONNECTION is then a file of connection strings, one a line), for the tests that kill it with
/// SIGKILL. Its log goes to standard output, a line at a time.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not [var command and ("upgrade" or "rehearse" or "fleet"), var provider, var connectionString])
        {
            await Console.Error.WriteLineAsync("usage: upgrade|rehearse|fleet PROVIDER CONNECTION");
            return 2;
        }

        var log = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(new StandardOutput()).CreateLogger();
        if (command == "fleet")
        {
            var targets = (await File.ReadAllLinesAsync(connectionString)).Select((c, i) => new Runner.Fleet.FleetTarget($"tenant_{i}", c)).ToList();
            var report = await new Runner.Fleet.FleetRunner(
                    Fleet.FleetContext.Factory(provider), RevisionCatalog.FromTypes(Fleet.SlowTenants.All),
                    options: new Runner.Fleet.FleetOptions { Parallel = 3 }, logger: log)
                .UpgradeAsync(targets);
            return report.Succeeded ? 0 : 1;
        }

        var db = TestDatabase.Attach(provider, connectionString);
        if (command == "rehearse")
        {
            await db.Runner(RehearsalTests.Slow.All, log: log).RehearseUpgradeAsync("head");
            return 0;
        }

        await db.Runner(InParts.SlowAll, log: log).UpgradeAsync("head");
        return 0;
    }

    private sealed class StandardOutput : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            Console.Out.WriteLine(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }
    }
}
