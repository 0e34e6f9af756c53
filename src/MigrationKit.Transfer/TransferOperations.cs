using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>The transfers an app's DbContext can ask for: its model names the tables, its connection is the default target.</summary>
internal static class TransferOperations
{
    public const string PostgreSqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <param name="to">The target's connection string; null for the app's own database.</param>
    public static Task<CopyResult> CopyAsync(
        DbContext app, string from, string? to, IReadOnlyCollection<string> tables, IReadOnlyCollection<string> exclude,
        CopyOptions options, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        var target = to ?? PostgresConnection(app, "copy", "--to");
        var selected = TableSelection.Apply(ModelTables.Of(app, options.VersionTable), tables, exclude);
        return new PostgresCopy(from, target, options, progress).RunAsync(selected, cancellationToken);
    }

    /// <summary>The app's database (or <paramref name="from"/>) into <paramref name="directory"/>: one CSV per table and a manifest.</summary>
    public static Task<Manifest> ExportAsync(
        DbContext app, string? from, string directory, IReadOnlyCollection<string> tables, IReadOnlyCollection<string> exclude,
        string versionTable, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        var selected = TableSelection.Apply(ModelTables.Of(app, versionTable), tables, exclude);
        return new CsvTransfer(from ?? PostgresConnection(app, "export", "--from"), versionTable, progress).ExportAsync(selected, directory, cancellationToken);
    }

    /// <summary>An export's folder into the app's database (or <paramref name="to"/>), which must be at the export's revision.</summary>
    public static Task<IReadOnlyList<TableResult>> ImportAsync(
        DbContext app, string? to, string directory, bool truncate, string versionTable, ITransferProgress? progress, CancellationToken cancellationToken)
        => new CsvTransfer(to ?? PostgresConnection(app, "import", "--to"), versionTable, progress)
            .ImportAsync(ModelTables.Of(app, versionTable), directory, truncate, cancellationToken);

    private static string PostgresConnection(DbContext app, string command, string option)
    {
        if (app.Database.ProviderName != PostgreSqlProvider)
        {
            throw new MigrationKitException(
                $"{command} works on PostgreSQL databases, and the app's database is {app.Database.ProviderName}.",
                $"Pass {option} with a PostgreSQL connection string.");
        }

        return app.Database.GetConnectionString()
            ?? throw new MigrationKitException($"The app's DbContext has no connection string for {command}.", $"Pass {option} or --connection.");
    }
}
