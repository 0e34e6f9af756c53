using MigrationKit.Testing;
using MigrationKit.Transfer.Postgres;
using Npgsql;

namespace MigrationKit.Transfer.Tests;

/// <summary>The row counter reads a real binary COPY stream, however the stream is cut into reads.</summary>
public sealed class RowCounterTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(65536)]
    public async Task Rows_are_counted_whatever_the_read_sizes(int chunk)
    {
        await using var connection = new NpgsqlConnection(await PostgresServer.CreateDatabaseAsync());
        await connection.OpenAsync();
        var stream = new MemoryStream();
        await using (var copy = await connection.BeginRawBinaryCopyAsync(
            "COPY (SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE repeat('x', g) END, ''::text FROM generate_series(1, 1234) g) TO STDOUT (FORMAT binary)"))
        {
            await copy.CopyToAsync(stream);
        }

        var counter = new BinaryCopyRowCounter();
        var bytes = stream.ToArray();
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            counter.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        Assert.Equal(1234, counter.Rows);
        Assert.True(counter.IsDone);
        Assert.Equal(19, counter.HeaderEnd); // signature, flags, no header extension
        Assert.Equal(bytes.Length - 2, counter.RowsEnd); // where the trailer starts
    }
}
