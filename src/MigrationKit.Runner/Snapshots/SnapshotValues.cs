using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using MigrationKit.Core;

namespace MigrationKit.Runner.Snapshots;

/// <summary>
/// Types and values in a data snapshot: annotation values, default values, seed data. Strings,
/// booleans, ints and null are plain JSON; any other value is <c>{"t": type, "v": text}</c>, so it
/// reads back as the same CLR type (EF compares annotation values by type and value). A value of
/// a type not listed here cannot be represented: <see cref="SnapshotFormatException"/>.
/// </summary>
internal static class SnapshotValues
{
    private static readonly Dictionary<Type, string> Aliases = new()
    {
        [typeof(string)] = "string", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(DateTime)] = "DateTime",
        [typeof(DateTimeOffset)] = "DateTimeOffset", [typeof(DateOnly)] = "DateOnly", [typeof(TimeOnly)] = "TimeOnly",
        [typeof(TimeSpan)] = "TimeSpan", [typeof(Guid)] = "Guid", [typeof(byte[])] = "byte[]", [typeof(string[])] = "string[]",
        [typeof(object)] = "object",
    };

    private static readonly Dictionary<string, Type> ByAlias = Aliases.ToDictionary(a => a.Value, a => a.Key, StringComparer.Ordinal);

    /// <summary>A type's name in the document: an alias, <c>T?</c> for a nullable value type, else its full name and assembly's simple name.</summary>
    public static string TypeName(Type type)
    {
        if (Aliases.TryGetValue(type, out var alias))
        {
            return alias;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying) + "?";
        }

        // Generic arguments carry assembly versions in FullName; the reader's resolver ignores versions.
        return type.FullName is { } fullName ? $"{fullName}, {type.Assembly.GetName().Name}"
            : throw new SnapshotFormatException($"type {type} has no full name");
    }

    /// <summary>The type a name stands for, loaded in the load context of <paramref name="context"/> (the app's revisions).</summary>
    public static Type ResolveType(string name, Assembly context)
        => ByAlias.TryGetValue(name, out var known) ? known
            // Once per name: a snapshot names a few types thousands of times (every property's
            // annotations), and each look-up parses the name and asks the load context.
            : Resolved.GetOrCreateValue(context).GetOrAdd(name, static (name, context) => Resolve(name, context), context);

    private static readonly ConditionalWeakTable<Assembly, ConcurrentDictionary<string, Type>> Resolved = new();

    private static Type Resolve(string name, Assembly context)
    {
        if (name.EndsWith('?'))
        {
            return typeof(Nullable<>).MakeGenericType(ResolveType(name[..^1], context));
        }

        var loadContext = AssemblyLoadContext.GetLoadContext(context) ?? AssemblyLoadContext.Default;
        return Type.GetType(
                   name,
                   assemblyName => assemblyName.Name == context.GetName().Name ? context : loadContext.LoadFromAssemblyName(new AssemblyName(assemblyName.Name!)),
                   typeResolver: null,
                   throwOnError: false)
               ?? throw new MigrationKitException($"The data snapshot names type '{name}', which the app does not have.",
                   "Restore the type, or write the revision's snapshot again (snapshots --convert keeps C# ones).");
    }

    public static JsonNode? Write(object? value, string where)
    {
        switch (value)
        {
            case null:
                return null;
            case string text:
                return JsonValue.Create(text);
            case bool flag:
                return JsonValue.Create(flag);
            case int number:
                return JsonValue.Create(number);
        }

        var type = value.GetType();
        JsonNode written = value switch
        {
            byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
            string[] texts => new JsonArray(texts.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            Enum e => JsonValue.Create(e.ToString()),
            DateTime d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
            DateTimeOffset d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
            DateOnly d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
            TimeOnly t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
            TimeSpan t => JsonValue.Create(t.ToString("c", CultureInfo.InvariantCulture)),
            double d => JsonValue.Create(d.ToString("R", CultureInfo.InvariantCulture)),
            float f => JsonValue.Create(f.ToString("R", CultureInfo.InvariantCulture)),
            byte or sbyte or short or ushort or uint or long or ulong or decimal or char or Guid
                => JsonValue.Create(((IFormattable)(value is char c ? (int)c : value)).ToString(null, CultureInfo.InvariantCulture)),
            _ => throw new SnapshotFormatException($"{where} holds a value of type {type.FullName}, which the data form does not carry"),
        };
        return new JsonObject { ["t"] = TypeName(type), ["v"] = written };
    }

    public static object? Read(JsonNode? node, Assembly context)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue plain when plain.TryGetValue(out string? plainText):
                return plainText;
            case JsonValue plain when plain.TryGetValue(out bool flag):
                return flag;
            case JsonValue plain:
                return plain.GetValue<int>();
        }

        var type = ResolveType((string)node["t"]!, context);
        var value = node["v"]!;
        if (type == typeof(string[]))
        {
            return value.AsArray().Select(v => (string?)v).ToArray();
        }

        var text = (string)value!;
        var c = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(byte[]) => Convert.FromBase64String(text),
            _ when type.IsEnum => Enum.Parse(type, text),
            _ when type == typeof(DateTime) => DateTime.Parse(text, c, DateTimeStyles.RoundtripKind),
            _ when type == typeof(DateTimeOffset) => DateTimeOffset.Parse(text, c, DateTimeStyles.RoundtripKind),
            _ when type == typeof(DateOnly) => DateOnly.ParseExact(text, "O", c),
            _ when type == typeof(TimeOnly) => TimeOnly.ParseExact(text, "O", c),
            _ when type == typeof(TimeSpan) => TimeSpan.ParseExact(text, "c", c),
            _ when type == typeof(Guid) => Guid.Parse(text, c),
            _ when type == typeof(char) => (char)int.Parse(text, c),
            _ => Convert.ChangeType(text, type, c),
        };
    }
}

/// <summary>A model the data form cannot represent; the message says what, for the one line of the C# fallback.</summary>
internal sealed class SnapshotFormatException(string message) : Exception(message);
