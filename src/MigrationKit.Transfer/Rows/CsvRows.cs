using System.Text;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// Rows of an export's CSV file as PostgreSQL's COPY csv spells them: a NULL is an empty field, an
/// empty string is `""`, and a field is quoted when it holds a comma, a quote, a line break or a
/// backslash (so a lone `\.` is never COPY's end-of-data marker).
/// </summary>
internal sealed class CsvRowWriter(TextWriter output)
{
    private readonly StringBuilder _field = new();
    private bool _first = true;

    /// <summary>The builder to append the next field's text to; <see cref="EndField"/> quotes and writes it.</summary>
    public StringBuilder Field
    {
        get
        {
            _field.Clear();
            return _field;
        }
    }

    public async ValueTask EndFieldAsync(CancellationToken cancellationToken)
    {
        await SeparateAsync(cancellationToken);
        var needsQuotes = _field.Length == 0;
        for (var i = 0; i < _field.Length && !needsQuotes; i++)
        {
            needsQuotes = _field[i] is ',' or '"' or '\r' or '\n' or '\\';
        }

        if (needsQuotes)
        {
            _field.Replace("\"", "\"\"").Insert(0, '"').Append('"');
        }

        await output.WriteAsync(_field, cancellationToken);
    }

    public ValueTask NullAsync(CancellationToken cancellationToken) => SeparateAsync(cancellationToken);

    public async ValueTask EndRowAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync('\n');
        _first = true;
    }

    private async ValueTask SeparateAsync(CancellationToken cancellationToken)
    {
        if (!_first)
        {
            await output.WriteAsync(',');
        }

        _first = false;
    }
}

/// <summary>Reads the rows <see cref="CsvRowWriter"/> (or PostgreSQL's COPY csv) wrote: null for an unquoted empty field.</summary>
internal sealed class CsvRowReader(TextReader input)
{
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private long _lineBreaks;

    /// <summary>The line of the file (1 for the header) where the row last read starts; a quoted field may hold line breaks.</summary>
    public long Line { get; private set; }

    /// <summary>The next row's fields into <paramref name="fields"/>; false at the end of the file.</summary>
    public async ValueTask<bool> ReadRowAsync(List<string?> fields, CancellationToken cancellationToken)
    {
        fields.Clear();
        if (!await MoreAsync(cancellationToken))
        {
            return false;
        }

        Line = _lineBreaks + 1;

        while (true)
        {
            _field.Clear();
            var quoted = false;
            var inQuotes = false;
            while (true)
            {
                if (!await MoreAsync(cancellationToken))
                {
                    fields.Add(quoted || _field.Length > 0 ? _field.ToString() : null);
                    return true;
                }

                var c = _buffer[_position++];
                if (c == '\n')
                {
                    _lineBreaks++;
                }

                if (inQuotes)
                {
                    if (c != '"')
                    {
                        _field.Append(c);
                    }
                    else if (await MoreAsync(cancellationToken) && _buffer[_position] == '"')
                    {
                        _field.Append('"');
                        _position++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else if (c == '"')
                {
                    quoted = inQuotes = true;
                }
                else if (c is ',' or '\n')
                {
                    fields.Add(quoted || _field.Length > 0 ? _field.ToString() : null);
                    if (c == '\n')
                    {
                        return true;
                    }

                    break;
                }
                else if (c != '\r')
                {
                    _field.Append(c);
                }
            }
        }
    }

    private async ValueTask<bool> MoreAsync(CancellationToken cancellationToken)
    {
        if (_position < _length)
        {
            return true;
        }

        _length = await input.ReadAsync(_buffer, cancellationToken);
        _position = 0;
        return _length > 0;
    }
}
