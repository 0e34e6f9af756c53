namespace MigrationKit.Runner.Database;

/// <summary>
/// One spelling per store type name, PostgreSQL's own (<c>varchar</c> is <c>character varying</c>,
/// <c>int4</c> is <c>integer</c>), so two spellings of one type compare equal (drift, lint).
/// </summary>
internal static class StoreTypeNames
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["int"] = "integer",
        ["int4"] = "integer",
        ["int8"] = "bigint",
        ["int2"] = "smallint",
        ["serial4"] = "serial",
        ["serial8"] = "bigserial",
        ["serial2"] = "smallserial",
        ["bool"] = "boolean",
        ["float8"] = "double precision",
        ["float4"] = "real",
        ["decimal"] = "numeric",
        ["varchar"] = "character varying",
        ["char"] = "character",
        ["bpchar"] = "character",
        ["varbit"] = "bit varying",
        ["timestamptz"] = "timestamp with time zone",
        ["timestamp"] = "timestamp without time zone",
        ["timetz"] = "time with time zone",
        ["time"] = "time without time zone",
    };

    /// <summary>The name's canonical spelling; a lower-case name without its arguments in, e.g. <c>varchar</c>.</summary>
    public static string Canonical(string name) => Aliases.GetValueOrDefault(name, name);
}
