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
    public static void Configure(bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.With(new LevelPrefix())
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
