using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MigrationKit.Transfer.Postgres;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// --verify across providers: SQLite and PostgreSQL spell values differently (a decimal's trailing
/// zeros, a date's format, a GUID's case), so each value is hashed in one canonical form computed
/// here, on the client, from the typed value either reader returns. A row's hash is the md5 of its
/// values (each length-prefixed, NULL apart from every value); the table's checksum adds up part of
/// every row's hash, so the row order does not matter.
/// </summary>
internal sealed class RowChecksum : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private byte[] _scratch = new byte[256];
    private ulong _sum;

    public long Rows { get; private set; }

    public string Sum => _sum.ToString(CultureInfo.InvariantCulture);

    /// <summary>Count and checksum of the rows a reader returns, each column read as its <see cref="ColumnValue"/>.</summary>
    public static async Task<TableChecksum> OfAsync(System.Data.Common.DbDataReader reader, IReadOnlyList<ColumnValue> values, CancellationToken cancellationToken)
    {
        using var checksum = new RowChecksum();
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < values.Count; i++)
            {
                values[i].AddTo(checksum, reader, i);
            }

            checksum.EndRow();
        }

        return new TableChecksum(checksum.Rows, checksum.Sum);
    }

    public void AddNull() => Length(-1);

    public void Add<T>(T value)
    {
        // Each branch is one type; the JIT keeps only the one that applies.
        if (typeof(T) == typeof(string))
        {
            var text = Unsafe.As<T, string>(ref value);
            var length = Encoding.UTF8.GetByteCount(text);
            if (_scratch.Length < length)
            {
                _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
            }

            Length(length);
            _md5.AppendData(_scratch.AsSpan(0, Encoding.UTF8.GetBytes(text, _scratch)));
        }
        else if (typeof(T) == typeof(byte[]))
        {
            var bytes = Unsafe.As<T, byte[]>(ref value);
            Length(bytes.Length);
            _md5.AppendData(bytes);
        }
        else if (typeof(T) == typeof(bool))
        {
            Formatted(Unsafe.As<T, bool>(ref value) ? 1 : 0, null);
        }
        else if (typeof(T) == typeof(decimal))
        {
            // G29 drops trailing zeros: numeric(12,2)'s 10.00 and SQLite's "10.0" are one value.
            Formatted(Unsafe.As<T, decimal>(ref value), "G29");
        }
        else if (typeof(T) == typeof(float))
        {
            Formatted((double)Unsafe.As<T, float>(ref value), "R");
        }
        else if (typeof(T) == typeof(double))
        {
            Formatted(Unsafe.As<T, double>(ref value), "R");
        }
        else if (typeof(T) == typeof(byte))
        {
            Formatted(Unsafe.As<T, byte>(ref value), null);
        }
        else if (typeof(T) == typeof(short))
        {
            Formatted(Unsafe.As<T, short>(ref value), null);
        }
        else if (typeof(T) == typeof(int))
        {
            Formatted(Unsafe.As<T, int>(ref value), null);
        }
        else if (typeof(T) == typeof(long))
        {
            Formatted(Unsafe.As<T, long>(ref value), null);
        }
        else if (typeof(T) == typeof(Guid))
        {
            Formatted(Unsafe.As<T, Guid>(ref value), "D");
        }
        else if (typeof(T) == typeof(DateOnly))
        {
            Formatted(Unsafe.As<T, DateOnly>(ref value).DayNumber, null);
        }
        else if (typeof(T) == typeof(DateTime))
        {
            // The wall clock (SQLite keeps no Kind, timestamptz comes back as UTC), in microseconds.
            Formatted(Microseconds(Unsafe.As<T, DateTime>(ref value).Ticks), null);
        }
        else if (typeof(T) == typeof(DateTimeOffset))
        {
            // The instant: PostgreSQL keeps no offset.
            Formatted(Microseconds(Unsafe.As<T, DateTimeOffset>(ref value).UtcTicks), null);
        }
        else if (typeof(T) == typeof(TimeSpan))
        {
            Formatted(Microseconds(Unsafe.As<T, TimeSpan>(ref value).Ticks), null);
        }
        else if (typeof(T) == typeof(TimeOnly))
        {
            Formatted(Microseconds(Unsafe.As<T, TimeOnly>(ref value).Ticks), null);
        }
        else
        {
            throw new InvalidOperationException($"No canonical form for {typeof(T)}.");
        }
    }

    /// <summary>
    /// PostgreSQL keeps times to the microsecond, and a copy into it truncates the 100 ns ticks .NET
    /// (and so SQLite's text) may carry: both ends compare at that precision.
    /// </summary>
    private static long Microseconds(long ticks) => ticks / TimeSpan.TicksPerMicrosecond;

    public void EndRow()
    {
        Span<byte> hash = stackalloc byte[16];
        _md5.GetHashAndReset(hash);
        _sum += BinaryPrimitives.ReadUInt64LittleEndian(hash);
        Rows++;
    }

    public void Dispose() => _md5.Dispose();

    private void Formatted<TValue>(TValue value, string? format)
        where TValue : IUtf8SpanFormattable
    {
        int written;
        while (!value.TryFormat(_scratch, out written, format, CultureInfo.InvariantCulture))
        {
            _scratch = new byte[_scratch.Length * 2];
        }

        Length(written);
        _md5.AppendData(_scratch.AsSpan(0, written));
    }

    private void Length(int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
        _md5.AppendData(prefix);
    }
}
