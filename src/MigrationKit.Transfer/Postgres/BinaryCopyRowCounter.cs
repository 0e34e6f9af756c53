using System.Buffers.Binary;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// Counts the rows of a PostgreSQL binary COPY stream as it passes, without decoding a value: it
/// reads only the field counts and lengths and jumps over the data
/// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4). It also knows where the
/// header ends and where the last whole row fed so far ends, so that the rows of several streams
/// can be interleaved into one (<see cref="KeyRangePump"/>).
/// </summary>
internal sealed class BinaryCopyRowCounter
{
    private enum State { ExtensionLength, FieldCount, FieldLength, Done }

    // The header's signature (11 bytes) and flags (4 bytes) are skipped; its extension length is read.
    private long _skip = 15;
    private State _state = State.ExtensionLength;
    private int _remainingFields;
    private readonly byte[] _pending = new byte[4];
    private int _have;

    public long Rows { get; private set; }

    /// <summary>Bytes fed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Where the header ends and the first row starts; -1 until the header has passed.</summary>
    public long HeaderEnd { get; private set; } = -1;

    /// <summary>Where the last whole row fed so far ends (the header's end before any row); once <see cref="IsDone"/>, where the trailer starts.</summary>
    public long RowsEnd { get; private set; } = -1;

    /// <summary>The trailer has been read: no row follows.</summary>
    public bool IsDone => _state == State.Done;

    public void Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            NoteBoundary(Position + i);
            if (_skip > 0)
            {
                var n = (int)Math.Min(_skip, data.Length - i);
                _skip -= n;
                i += n;
                continue;
            }

            var need = _state == State.FieldCount ? 2 : 4;
            int value;
            if (_have == 0 && data.Length - i >= need)
            {
                value = Read(data.Slice(i, need));
                i += need;
            }
            else
            {
                // A number split across two reads: gather its bytes first.
                _pending[_have++] = data[i++];
                if (_have < need)
                {
                    continue;
                }

                value = Read(_pending.AsSpan(0, need));
                _have = 0;
            }

            Advance(value);
        }

        Position += data.Length;
        NoteBoundary(Position);
    }

    // Between rows: nothing left to skip of the previous one, no number half read, a field count next.
    private void NoteBoundary(long position)
    {
        if (_state == State.FieldCount && _skip == 0 && _have == 0)
        {
            RowsEnd = position;
            if (HeaderEnd < 0)
            {
                HeaderEnd = position;
            }
        }
    }

    private static int Read(ReadOnlySpan<byte> bytes)
        => bytes.Length == 2 ? BinaryPrimitives.ReadInt16BigEndian(bytes) : BinaryPrimitives.ReadInt32BigEndian(bytes);

    private void Advance(int value)
    {
        switch (_state)
        {
            case State.ExtensionLength:
                _skip = value;
                _state = State.FieldCount;
                break;
            case State.FieldCount when value < 0:
                _state = State.Done; // the trailer; RowsEnd stays where it starts
                break;
            case State.FieldCount when value == 0:
                Rows++;
                break;
            case State.FieldCount:
                _remainingFields = value;
                _state = State.FieldLength;
                break;
            case State.FieldLength:
                _skip = Math.Max(value, 0); // -1 is NULL: no bytes follow
                if (--_remainingFields == 0)
                {
                    Rows++;
                    _state = State.FieldCount;
                }

                break;
        }
    }
}
