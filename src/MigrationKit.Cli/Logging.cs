using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MigrationKit.Cli;

/// <summary>
/// Log events go to standard error, so standard output carries only results (`current`,
/// `--sql` scripts, JSON) and can be piped. --verbose adds the SQL.
/// </summary>
internal static class Logging
{
    private static volatile bool s_quietFleetSteps;

    /// <summary>
    /// Leaves out a fleet's per-target information lines (its steps), which would break the
    /// progress line rewritten in place on a terminal; warnings and errors still show.
    /// </summary>
    public static void QuietFleetSteps() => s_quietFleetSteps = !Log.IsEnabled(LogEventLevel.Debug);

    public static void Configure(bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.With(new LevelPrefix())
            // On a terminal the fleet's progress line says what its targets' step lines would.
            .Filter.ByExcluding(e => s_quietFleetSteps && e.Level < LogEventLevel.Warning && e.Properties.ContainsKey("FleetTarget"))
            .WriteTo.Console(
                // With --verbose, times show where a slow run spends them.
                outputTemplate: verbose ? "{Timestamp:HH:mm:ss.fff} {LevelPrefix}{Message:lj}{NewLine}" : "{LevelPrefix}{Message:lj}{NewLine}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
    }

    /// <summary>Plain lines for progress, a visible prefix for what needs attention, and the fleet target a line is about.</summary>
    private sealed class LevelPrefix : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
            => logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("LevelPrefix", logEvent.Level switch
            {
                LogEventLevel.Warning => "WARNING: ",
                LogEventLevel.Error or LogEventLevel.Fatal => "ERROR: ",
                _ => "",
            } + Target(logEvent)));

        /// <summary>Over a fleet, whose line it is: <c>[tenant_017] </c> (the fleet runner's FleetTarget property).</summary>
        private static string Target(LogEvent logEvent)
            => logEvent.Properties.TryGetValue("FleetTarget", out var target) && target is ScalarValue { Value: string name } ? $"[{name}] " : "";
    }
}
