using System.Buffers;
using System.Threading.Channels;
using Npgsql;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// One table read as key ranges on several source sessions at once, written through the one binary
/// COPY that loads it in its own target transaction. Each range's stream loses its header and
/// trailer and is cut at row boundaries (<see cref="BinaryCopyRowCounter"/>), so whole rows of the
/// ranges interleave into a single stream under one header. Writing stays one transaction per table,
/// so a split table is still as it was or complete after a kill, and --resume still counts whole
/// tables. Memory: a few buffers per range, more only for a row larger than a buffer.
/// </summary>
internal static class KeyRangePump
{
    // PGCOPY\n\377\r\n\0, flags 0, header extension length 0.
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] Trailer = [0xFF, 0xFF];

    private readonly record struct Chunk(byte[] Buffer, int Offset, int Length, long Rows);

    /// <param name="reads">One COPY ... TO STDOUT (FORMAT binary) per range, each run on its own reader.</param>
    /// <param name="advanced">Called with the rows and bytes written so far, after every chunk.</param>
    public static async Task<(long Rows, long Bytes)> PumpAsync(
        IReadOnlyList<NpgsqlConnection> readers, IReadOnlyList<string> reads, NpgsqlConnection writer, string write,
        int bufferSize, Action<long, long> advanced, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(2 * readers.Count) { SingleReader = true });
        var reading = Task.WhenAll(readers.Select((r, i) => ReadRangeAsync(r, reads[i], bufferSize, chunks.Writer, stop.Token)));
        // A cancelled range must not look like the end of the data: the writer would commit what arrived.
        var completing = reading.ContinueWith(
            t => chunks.Writer.TryComplete(t.IsCompletedSuccessfully ? null : t.Exception?.InnerException ?? new OperationCanceledException(cancellationToken)),
            TaskScheduler.Default);

        long rows = 0, bytes = 0;
        try
        {
            await using var output = await writer.BeginRawBinaryCopyAsync(write, stop.Token);
            try
            {
                await output.WriteAsync(Header, stop.Token);
                await foreach (var chunk in chunks.Reader.ReadAllAsync(stop.Token))
                {
                    try
                    {
                        await output.WriteAsync(chunk.Buffer.AsMemory(chunk.Offset, chunk.Length), stop.Token);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }

                    rows += chunk.Rows;
                    bytes += chunk.Length;
                    advanced(rows, bytes);
                }

                await output.WriteAsync(Trailer, stop.Token);
            }
            catch
            {
                // Without this the target would see an orderly end of the data and keep what arrived.
                await Cleanup.QuietlyAsync(output.CancelAsync);
                throw;
            }
        }
        catch
        {
            await stop.CancelAsync();
            await completing;
            while (chunks.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }

            // A range's own failure says more than the cancellation it caused in the writer.
            if (reading.IsFaulted)
            {
                await reading;
            }

            throw;
        }

        await completing;
        return (rows, bytes + Header.Length + Trailer.Length);
    }

    /// <summary>Reads one range's COPY into buffers and hands on whole rows; the part of a row a buffer ends with starts the next one.</summary>
    private static async Task ReadRangeAsync(NpgsqlConnection reader, string read, int bufferSize, ChannelWriter<Chunk> chunks, CancellationToken cancellationToken)
    {
        var counter = new BinaryCopyRowCounter();
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        long start = 0; // the stream offset of buffer[0]
        var filled = 0;
        long sentRows = 0;
        try
        {
            await using (var input = await reader.BeginRawBinaryCopyAsync(read, cancellationToken))
            {
                int n;
                while ((n = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
                {
                    counter.Feed(buffer.AsSpan(filled, n));
                    filled += n;
                    if (filled < buffer.Length)
                    {
                        continue;
                    }

                    // Whole rows are [from, to); the rest moves to the next buffer, a larger one when no row fits this one.
                    var (from, to) = WholeRows(counter, start);
                    var next = ArrayPool<byte>.Shared.Rent(to > from ? Math.Max(bufferSize, 2 * (filled - to)) : 2 * buffer.Length);
                    buffer.AsSpan(to, filled - to).CopyTo(next);
                    if (to > from)
                    {
                        await chunks.WriteAsync(new Chunk(buffer, from, to - from, counter.Rows - sentRows), cancellationToken);
                        sentRows = counter.Rows;
                    }
                    else
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    buffer = next;
                    start += to;
                    filled -= to;
                }
            }

            if (!counter.IsDone)
            {
                throw new InvalidOperationException("A key range's COPY stream ended before its trailer.");
            }

            var (first, end) = WholeRows(counter, start);
            if (end > first)
            {
                await chunks.WriteAsync(new Chunk(buffer, first, end - first, counter.Rows - sentRows), cancellationToken);
                buffer = null;
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The whole rows held by a buffer that starts at stream offset <paramref name="start"/>: after the header, up to the last row's end.</summary>
    private static (int From, int To) WholeRows(BinaryCopyRowCounter counter, long start)
    {
        if (counter.HeaderEnd < 0)
        {
            return (0, 0);
        }

        var from = (int)(Math.Max(counter.HeaderEnd, start) - start);
        return (from, (int)Math.Max(counter.RowsEnd - start, from));
    }
}
