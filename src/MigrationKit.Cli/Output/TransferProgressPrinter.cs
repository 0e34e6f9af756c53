using MigrationKit.Transfer;
using Serilog;

namespace MigrationKit.Cli.Output;

/// <summary>
/// A transfer's progress on standard error: one line per finished table (rows, MB, rows/s), and on
/// a terminal a live line for the table that moved last, redrawn in place.
/// </summary>
internal sealed class TransferProgressPrinter(bool live) : ITransferProgress
{
    private readonly Lock _console = new();
    private bool _liveLineShown;

    public static TransferProgressPrinter ForStandardError() => new(live: !Console.IsErrorRedirected);

    public void Started(string table)
    {
    }

    public void Advanced(string table, long rows, long bytes)
    {
        if (!live)
        {
            return;
        }

        lock (_console)
        {
            var size = bytes == 0 ? "" : $", {Megabytes(bytes):F1} MB";
            Console.Error.Write($"\r  {table}: {rows:N0} rows{size} ...".PadRight(Math.Max(20, Console.WindowWidth - 1))[..Math.Max(20, Console.WindowWidth - 1)]);
            _liveLineShown = true;
        }
    }

    public void Finished(TableResult result)
    {
        lock (_console)
        {
            if (_liveLineShown)
            {
                Console.Error.Write("\r" + new string(' ', Math.Max(20, Console.WindowWidth - 1)) + "\r");
                _liveLineShown = false;
            }

            if (result.Skipped)
            {
                Log.Information("Skipped {Table}: an earlier copy finished it", result.Table);
            }
            else if (result.Bytes == 0)
            {
                // A copy with SQLite at one end moves values, not a byte stream it could measure.
                Log.Information("Copied {Table}: {Rows} rows, {RowsPerSecond:F0} rows/s", result.Table, result.Rows, result.RowsPerSecond);
            }
            else
            {
                Log.Information("Copied {Table}: {Rows} rows, {Megabytes:F1} MB, {RowsPerSecond:F0} rows/s",
                    result.Table, result.Rows, Megabytes(result.Bytes), result.RowsPerSecond);
            }
        }
    }

    private static double Megabytes(long bytes) => bytes / (1024.0 * 1024.0);
}
