using Microsoft.EntityFrameworkCore.Design;
using Serilog;

namespace MigrationKit.Design;

/// <summary>Where EF Core's design-time reports go: our log.</summary>
public static class ReportHandler
{
    /// <param name="log">Where to; null: the tool's log, as configured when a report comes.</param>
    public static OperationReportHandler ToLog(ILogger? log = null) => new(
        // EF reports failures it is about to throw (a refused connection, say); the exception
        // reaches the user as one line, so the report is detail for --verbose.
        error => (log ?? Log.Logger).Debug("{Message:l}", error),
        warning => (log ?? Log.Logger).Warning("{Message:l}", warning),
        information => (log ?? Log.Logger).Debug("{Message:l}", information),
        verbose => (log ?? Log.Logger).Verbose("{Message:l}", verbose));
}
