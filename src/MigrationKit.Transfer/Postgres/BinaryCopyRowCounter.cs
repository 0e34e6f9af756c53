using System.Buffers.Binary;

namespace MigrationKit.Transfer.Postgres;

/// <summary>
/// Counts the rows of a PostgreSQL binary COPY stream as it passes, without decoding a value: it
/// reads only the field counts and lengths and jumps over the data
/// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4).
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

    public void Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
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
                _state = State.Done; // the trailer
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
