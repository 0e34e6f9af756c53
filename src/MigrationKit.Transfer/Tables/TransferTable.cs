namespace MigrationKit.Transfer.Tables;

/// <summary>
/// One table as a transfer sees it: what to read, what to write, and which tables must be loaded
/// before it. Built from the app's EF Core model (<see cref="ModelTables"/>), or by hand in tests.
/// </summary>
/// <param name="Schema">The schema, or null for the database's default one.</param>
/// <param name="Columns">Every column the model maps; generated ones are read by nobody and recomputed by the target.</param>
/// <param name="Key">The primary key's columns, empty for a keyless table.</param>
internal sealed record TransferTable(
    string? Schema,
    string Name,
    IReadOnlyList<TransferColumn> Columns,
    IReadOnlyList<string> Key,
    IReadOnlyList<TransferForeignKey> ForeignKeys)
{
    /// <summary>schema.name, or name alone in the default schema: how messages name the table.</summary>
    public string DisplayName => Schema is null ? Name : $"{Schema}.{Name}";

    public override string ToString() => DisplayName;
}

/// <param name="IsGenerated">Computed by the database (a generated column): never copied.</param>
/// <param name="ClrType">
/// The type the model stores in the column (after the app's own value converter, enums as their
/// underlying type); null when unknown. A copy between PostgreSQL databases never looks at it; a
/// copy across providers reads and writes each value as this type.
/// </param>
internal sealed record TransferColumn(string Name, bool IsGenerated = false, Type? ClrType = null);

/// <summary>A foreign key from the table to <paramref name="Principal"/> (schema-qualified display name).</summary>
internal sealed record TransferForeignKey(string Name, string Principal);
