using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MigrationKit.Runner.Tests;

/// <summary>A logger for a runner under test that keeps every line it writes, rendered as the CLI prints it.</summary>
public sealed class LogLines : ILogEventSink
{
    private readonly List<string> _lines = [];

    public LogLines() => Logger = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lines)
        {
            _lines.Add(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
