using Microsoft.EntityFrameworkCore.Design;
using Serilog;

namespace MigrationKit.Design;

/// <summary>Where EF Core's design-time reports go: our log.</summary>
public static class ReportHandler
{
    public static OperationReportHandler ToLog() => new(
        // EF reports failures it is about to throw (a refused connection, say); the exception
        // reaches the user as one line, so the report is detail for --verbose.
        error => Log.Debug("{Message:l}", error),
        warning => Log.Warning("{Message:l}", warning),
        information => Log.Debug("{Message:l}", information),
        verbose => Log.Verbose("{Message:l}", verbose));
}
