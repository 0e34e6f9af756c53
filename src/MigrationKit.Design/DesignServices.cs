using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;

namespace MigrationKit.Design;

/// <summary>
/// EF Core's design-time services for the app's context, as `dotnet ef` builds them: the
/// provider's (differ, code generators, the live-schema reader) and the app's own IDesignTimeServices.
/// </summary>
internal static class DesignServices
{
    public static IServiceProvider Build(DbContext context, Assembly revisionsAssembly, Assembly startupAssembly, Serilog.ILogger? log = null)
        => new DesignTimeServicesBuilder(revisionsAssembly, startupAssembly, new OperationReporter(ReportHandler.ToLog(log)), [])
            .Build(context);
}
