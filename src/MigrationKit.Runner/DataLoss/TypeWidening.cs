using System.Globalization;
using System.Text.RegularExpressions;

namespace MigrationKit.Runner.DataLoss;

/// <summary>
/// Whether a column's store type can hold every value of another unchanged: EF Core's differ marks
/// every type change as able to lose data (its source leaves detecting narrowing for later), so
/// widening a string, an integer, a decimal or a float would warn as loudly as narrowing it.
/// Autogenerate's warnings and the runner's data-loss counts both ask it (<see cref="LossyChanges"/>).
/// </summary>
/// <remarks>
/// Known only for the plain families that PostgreSQL, SQLite and SQL Server spell alike; any other
/// change (char padding, dates, a type we do not parse) counts as narrowing, so it still warns.
/// </remarks>
internal static partial class TypeWidening
{
    internal enum Family
    {
        String,
        Integer,
        Decimal,
        Float,
    }

    /// <summary>True when every value of <paramref name="from"/> fits <paramref name="to"/> as it is.</summary>
    public static bool Widens(string from, string to)
    {
        if (Parse(from) is not { } source || Parse(to) is not { } target)
        {
            return string.Equals(from.Trim(), to.Trim(), StringComparison.OrdinalIgnoreCase);
        }

        return (source.Family, target.Family) switch
        {
            // No length: unlimited (PostgreSQL's varchar and text, SQLite's TEXT).
            (Family.String, Family.String) => target.Size is null || source.Size <= target.Size,
            (Family.Integer, Family.Integer) or (Family.Float, Family.Float) => source.Size <= target.Size,
            // Integers as decimals: enough whole digits (no precision: unlimited).
            (Family.Integer, Family.Decimal) => target.Size is null || target.Size - (target.Scale ?? 0) >= IntegerDigits(source.Size!.Value),
            // Integers as floats: within the float's mantissa (int2 in real, int4 in double).
            (Family.Integer, Family.Float) => IntegerBits(source.Size!.Value) < FloatMantissaBits(target.Size!.Value),
            (Family.Decimal, Family.Decimal) => target.Size is null
                || (source.Size is { } precision
                    && (target.Scale ?? 0) >= (source.Scale ?? 0)
                    && target.Size - (target.Scale ?? 0) >= precision - (source.Scale ?? 0)),
            _ => false,
        };
    }

    /// <summary>
    /// The family and size of a store type: a string's length (null: unlimited), an integer's or a
    /// float's width in bytes, a decimal's precision and scale (null: unconstrained). Null for any
    /// other type. The data-loss counts use it to ask which values a narrower type refuses.
    /// </summary>
    internal static (Family Family, int? Size, int? Scale)? Parse(string storeType)
    {
        var match = StoreType().Match(storeType.Trim().ToLowerInvariant());
        if (!match.Success)
        {
            return null;
        }

        int? first = match.Groups["first"].Success ? int.Parse(match.Groups["first"].Value, CultureInfo.InvariantCulture) : null;
        int? second = match.Groups["second"].Success ? int.Parse(match.Groups["second"].Value, CultureInfo.InvariantCulture) : null;
        var name = match.Groups["name"].Value;
        return name switch
        {
            "character varying" or "varchar" or "nvarchar" or "national character varying" when second is null => (Family.String, first, null),
            "text" or "ntext" or "clob" when first is null => (Family.String, null, null),
            "smallint" or "int2" when first is null => (Family.Integer, 2, null),
            "integer" or "int" or "int4" when first is null => (Family.Integer, 4, null),
            "bigint" or "int8" when first is null => (Family.Integer, 8, null),
            "numeric" or "decimal" => (Family.Decimal, first, first is null ? null : second ?? 0),
            "real" or "float4" when first is null => (Family.Float, 4, null),
            "double precision" or "float8" or "double" when first is null => (Family.Float, 8, null),
            _ => null,
        };
    }

    private static int IntegerDigits(int bytes) => bytes switch { 2 => 5, 4 => 10, _ => 19 };

    private static int IntegerBits(int bytes) => bytes * 8;

    private static int FloatMantissaBits(int bytes) => bytes == 4 ? 24 : 53;

    [GeneratedRegex(@"^(?<name>[a-z][a-z0-9 ]*?)\s*(\(\s*(?<first>\d+)\s*(,\s*(?<second>\d+)\s*)?\))?$")]
    private static partial Regex StoreType();
}
