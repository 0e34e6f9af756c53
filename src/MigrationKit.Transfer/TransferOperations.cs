using Microsoft.EntityFrameworkCore;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Rows;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer;

/// <summary>The transfers an app's DbContext can ask for: its model names the tables, its connection is the default target.</summary>
internal static class TransferOperations
{
    /// <param name="to">The target's connection string; null for the app's own database.</param>
    public static Task<CopyResult> CopyAsync(
        DbContext app, string from, string? to, IReadOnlyCollection<string> tables, IReadOnlyCollection<string> exclude,
        CopyOptions options, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        var source = TransferEndpoint.Parse(from, "--from");
        var target = to is null ? TransferEndpoint.OfApp(app, "copy", "--to") : TransferEndpoint.Parse(to, "--to");
        var selected = TableSelection.Apply(ModelTables.Of(app, options.VersionTable), tables, exclude);

        // Between two PostgreSQL databases rows move as raw binary COPY, never decoded; with SQLite
        // at either end each value is read and written as the type the model stores.
        return source.Kind == DatabaseKind.PostgreSql && target.Kind == DatabaseKind.PostgreSql
            ? new PostgresCopy(source.ConnectionString, target.ConnectionString, options, progress).RunAsync(selected, cancellationToken)
            : new RowCopy(source, target, options, progress).RunAsync(selected, cancellationToken);
    }

    /// <summary>The app's database (or <paramref name="from"/>) into <paramref name="directory"/>: one CSV per table and a manifest.</summary>
    /// <param name="overwrite">Whether an export already in the folder may be replaced.</param>
    public static Task<Manifest> ExportAsync(
        DbContext app, string? from, string directory, IReadOnlyCollection<string> tables, IReadOnlyCollection<string> exclude,
        string versionTable, bool overwrite, ITransferProgress? progress, CancellationToken cancellationToken)
    {
        Manifest.RequireNoExport(directory, overwrite);
        var source = from is null ? TransferEndpoint.OfApp(app, "export", "--from") : TransferEndpoint.Parse(from, "--from");
        var selected = TableSelection.Apply(ModelTables.Of(app, versionTable), tables, exclude);
        return source.Kind == DatabaseKind.PostgreSql
            ? new CsvTransfer(source.ConnectionString, versionTable, progress).ExportAsync(selected, directory, cancellationToken)
            : RowCsv.ExportAsync(source, versionTable, selected, directory, progress, cancellationToken);
    }

    /// <summary>An export's folder (of either engine) into the app's database (or <paramref name="to"/>), which must be at the export's revision.</summary>
    /// <param name="lockWait">How long to wait for the target's migration lock (<c>--lock-wait</c>); default as upgrade's.</param>
    public static async Task<IReadOnlyList<TableResult>> ImportAsync(
        DbContext app, string? to, string directory, bool truncate, string versionTable, ITransferProgress? progress, CancellationToken cancellationToken,
        TimeSpan? lockWait = null)
    {
        var target = to is null ? TransferEndpoint.OfApp(app, "import", "--to") : TransferEndpoint.Parse(to, "--to");
        var model = ModelTables.Of(app, versionTable);
        // The migration lock, held by a session of its own for the whole load, as copy holds it on
        // its target: no upgrade changes the schema under an import, nor do two loads interleave.
        await using var lockSession = await RowDatabase.OpenAsync(target, "target", cancellationToken);
        await using var migrationLock = await lockSession.LockForMigrationAsync(
            versionTable, lockWait ?? Runner.RunnerOptions.DefaultLockWait, Serilog.Log.Logger, cancellationToken);
        return await (target.Kind == DatabaseKind.PostgreSql
            ? new CsvTransfer(target.ConnectionString, versionTable, progress).ImportAsync(model, directory, truncate, cancellationToken)
            : RowCsv.ImportAsync(target, versionTable, model, directory, truncate, progress, cancellationToken));
    }
}
