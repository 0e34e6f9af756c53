using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// Values as text in an export's CSV files, the way PostgreSQL's `COPY ... (FORMAT csv)` writes
/// and reads them (with TimeZone UTC): so a SQLite export loads into PostgreSQL with COPY, and a
/// PostgreSQL export parses into the model's types for SQLite. Booleans are t/f, bytes \x and hex,
/// times ISO with six fractional digits, instants with their offset.
/// </summary>
internal static class CsvText
{
    private const string DateTimeFormat = "yyyy'-'MM'-'dd HH':'mm':'ss'.'ffffff";

    /// <summary>Whether a type has one spelling both engines read: every type a <see cref="ColumnValue"/> moves.</summary>
    public static bool Spells(Type type) => ColumnValue.For(type) is not null;

    public static void Append<T>(StringBuilder text, T value)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (typeof(T) == typeof(string))
        {
            text.Append(Unsafe.As<T, string>(ref value));
        }
        else if (typeof(T) == typeof(byte[]))
        {
            text.Append("\\x").Append(Convert.ToHexStringLower(Unsafe.As<T, byte[]>(ref value)));
        }
        else if (typeof(T) == typeof(bool))
        {
            text.Append(Unsafe.As<T, bool>(ref value) ? 't' : 'f');
        }
        else if (typeof(T) == typeof(float))
        {
            text.Append(Unsafe.As<T, float>(ref value).ToString("R", invariant));
        }
        else if (typeof(T) == typeof(double))
        {
            text.Append(Unsafe.As<T, double>(ref value).ToString("R", invariant));
        }
        else if (typeof(T) == typeof(DateTime))
        {
            text.Append(Unsafe.As<T, DateTime>(ref value).ToString(DateTimeFormat, invariant));
        }
        else if (typeof(T) == typeof(DateTimeOffset))
        {
            text.Append(Unsafe.As<T, DateTimeOffset>(ref value).ToString(DateTimeFormat + "zzz", invariant));
        }
        else if (typeof(T) == typeof(DateOnly))
        {
            text.Append(Unsafe.As<T, DateOnly>(ref value).ToString("yyyy'-'MM'-'dd", invariant));
        }
        else if (typeof(T) == typeof(TimeOnly))
        {
            text.Append(Unsafe.As<T, TimeOnly>(ref value).ToString("HH':'mm':'ss'.'ffffff", invariant));
        }
        else if (typeof(T) == typeof(TimeSpan))
        {
            // ISO 8601 with a sign on every field, as PostgreSQL's IntervalStyle iso_8601 writes it.
            var span = Unsafe.As<T, TimeSpan>(ref value);
            var seconds = span.Seconds + (span.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond / 1_000_000m);
            text.Append(invariant, $"P{span.Days}DT{span.Hours}H{span.Minutes}M{seconds}S");
        }
        else
        {
            // Integers, decimals, GUIDs: their invariant text.
            text.AppendFormat(invariant, "{0}", value);
        }
    }

    public static T Parse<T>(string text)
    {
        var invariant = CultureInfo.InvariantCulture;

        // PostgreSQL's infinite dates are the extremes .NET has, as Npgsql reads them.
        if (text is "infinity" or "-infinity")
        {
            var max = text[0] != '-';
            object extreme = typeof(T) switch
            {
                _ when typeof(T) == typeof(DateTime) => max ? DateTime.MaxValue : DateTime.MinValue,
                _ when typeof(T) == typeof(DateTimeOffset) => max ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue,
                _ when typeof(T) == typeof(DateOnly) => max ? DateOnly.MaxValue : DateOnly.MinValue,
                _ => text,
            };
            if (extreme is T infinite)
            {
                return infinite;
            }
        }

        object value = typeof(T) switch
        {
            _ when typeof(T) == typeof(string) => text,
            _ when typeof(T) == typeof(byte[]) => text.StartsWith("\\x", StringComparison.Ordinal) ? Convert.FromHexString(text.AsSpan(2)) : Encoding.UTF8.GetBytes(text),
            _ when typeof(T) == typeof(bool) => Boolean(text),
            _ when typeof(T) == typeof(byte) => byte.Parse(text, invariant),
            _ when typeof(T) == typeof(short) => short.Parse(text, invariant),
            _ when typeof(T) == typeof(int) => int.Parse(text, invariant),
            _ when typeof(T) == typeof(long) => long.Parse(text, invariant),
            _ when typeof(T) == typeof(float) => float.Parse(text, invariant),
            _ when typeof(T) == typeof(double) => double.Parse(text, invariant),
            _ when typeof(T) == typeof(decimal) => decimal.Parse(text, NumberStyles.Float, invariant),
            _ when typeof(T) == typeof(Guid) => Guid.Parse(text),

            // timestamptz comes with an offset (+00 under TimeZone UTC), a plain timestamp without.
            _ when typeof(T) == typeof(DateTime) => DateTime.Parse(text, invariant, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            _ when typeof(T) == typeof(DateTimeOffset) => DateTimeOffset.Parse(text, invariant, DateTimeStyles.AssumeUniversal),
            _ when typeof(T) == typeof(DateOnly) => DateOnly.Parse(text, invariant),
            _ when typeof(T) == typeof(TimeOnly) => TimeOnly.Parse(text, invariant),
            _ when typeof(T) == typeof(TimeSpan) => Interval(text),
            _ => throw new InvalidOperationException($"No CSV spelling for {typeof(T)}."),
        };
        return (T)value;
    }

    /// <summary>What PostgreSQL's boolean input takes (t, true, yes, on, 1 and their opposites, in any case): anything else is refused, not read as false.</summary>
    private static bool Boolean(string text) => text.Trim().ToLowerInvariant() switch
    {
        "t" or "true" or "y" or "yes" or "on" or "1" => true,
        "f" or "false" or "n" or "no" or "off" or "0" => false,
        _ => throw new FormatException($"'{text}' is not a boolean (t or f)."),
    };

    /// <summary>An ISO 8601 duration as PostgreSQL's iso_8601 style writes it (P1DT2H3M4.5S, P-3D, PT0S); years and months have no TimeSpan.</summary>
    private static TimeSpan Interval(string text)
    {
        if (!text.StartsWith('P'))
        {
            throw new FormatException($"'{text}' is not an ISO 8601 interval.");
        }

        var ticks = 0L;
        var time = false;
        var start = 1;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == 'T')
            {
                time = true;
                start = i + 1;
                continue;
            }

            if (char.IsAsciiDigit(c) || c is '-' or '+' or '.')
            {
                continue;
            }

            var number = decimal.Parse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
            var unit = (c, time) switch
            {
                ('W', false) => TimeSpan.TicksPerDay * 7,
                ('D', false) => TimeSpan.TicksPerDay,
                ('H', true) => TimeSpan.TicksPerHour,
                ('M', true) => TimeSpan.TicksPerMinute,
                ('S', true) => TimeSpan.TicksPerSecond,
                _ => throw new FormatException($"The interval '{text}' has years or months, which no TimeSpan holds."),
            };
            ticks += (long)(number * unit);
            start = i + 1;
        }

        return new TimeSpan(ticks);
    }
}
