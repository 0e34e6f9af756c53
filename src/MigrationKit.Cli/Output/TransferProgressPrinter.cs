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
            Console.Error.Write($"\r  {table}: {rows:N0} rows, {Megabytes(bytes):F1} MB ...".PadRight(Math.Max(20, Console.WindowWidth - 1))[..Math.Max(20, Console.WindowWidth - 1)]);
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
            else
            {
                Log.Information("Copied {Table}: {Rows} rows, {Megabytes:F1} MB, {RowsPerSecond:F0} rows/s",
                    result.Table, result.Rows, Megabytes(result.Bytes), result.RowsPerSecond);
            }
        }
    }

    private static double Megabytes(long bytes) => bytes / (1024.0 * 1024.0);
}
