using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Runner.Database;

namespace MigrationKit.Design;

/// <summary>The opt-in forms autogenerate writes for a live PostgreSQL database (<c>migratekit.json</c>'s <c>autogenerate</c> group).</summary>
public sealed record AutogenerateOptions
{
    /// <summary>
    /// Every new index on an existing table carries Npgsql's CreatedConcurrently annotation, as
    /// <c>IsCreatedConcurrently()</c> in the model would: CREATE INDEX CONCURRENTLY, outside the
    /// revision's transaction, so writes to the table go on while it builds.
    /// </summary>
    public bool ConcurrentIndexes { get; init; }

    /// <summary>
    /// Every new foreign key on an existing table is added NOT VALID in the revision's transaction
    /// (no scan of the rows while writes wait) and validated by a statement of its own after it
    /// (which lets writes go on). The downgrade still drops it.
    /// </summary>
    public bool NotValidForeignKeys { get; init; }
}

/// <summary>
/// Rewrites an upgrade's operations into the forms <see cref="AutogenerateOptions"/> asks for. A
/// table created by the same revision is new, empty and unused, so its indexes and keys keep the
/// plain forms. Only on PostgreSQL: SQLite builds neither form, and other providers are left as they are.
/// </summary>
internal static class SafeForms
{
    /// <summary>Npgsql's annotation name (NpgsqlAnnotationNames.CreatedConcurrently; Design does not reference Npgsql).</summary>
    internal const string CreatedConcurrently = "Npgsql:CreatedConcurrently";

    public static IReadOnlyList<MigrationOperation> Apply(
        IReadOnlyList<MigrationOperation> operations, AutogenerateOptions options, string? provider,
        IMigrationsSqlGenerator sqlGenerator, ISqlGenerationHelper sql, IModel target)
    {
        if (provider != DatabaseDialect.PostgreSqlProvider || options is { ConcurrentIndexes: false, NotValidForeignKeys: false })
        {
            return operations;
        }

        var created = operations.OfType<CreateTableOperation>().Select(t => (t.Schema, t.Name)).ToHashSet();
        var rewritten = new List<MigrationOperation>(operations.Count);
        var validations = new List<MigrationOperation>();
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case CreateIndexOperation index when options.ConcurrentIndexes && !created.Contains((index.Schema, index.Table)):
                    index[CreatedConcurrently] = true;
                    rewritten.Add(index);
                    break;
                case AddForeignKeyOperation key when options.NotValidForeignKeys && !created.Contains((key.Schema, key.Table))
                                                     && AddNotValid(key, sqlGenerator, target) is { } addNotValid:
                    rewritten.Add(new SqlOperation { Sql = addNotValid });
                    // Last, after the revision's transaction commits: VALIDATE holds a lock that lets writes go on.
                    validations.Add(new SqlOperation
                    {
                        Sql = $"ALTER TABLE {sql.DelimitIdentifier(key.Table, key.Schema)} VALIDATE CONSTRAINT {sql.DelimitIdentifier(key.Name)};",
                        SuppressTransaction = true,
                    });
                    break;
                default:
                    rewritten.Add(operation);
                    break;
            }
        }

        return [.. rewritten, .. validations];
    }

    /// <summary>The provider's own ADD CONSTRAINT for the key, marked NOT VALID; null when it is not one statement.</summary>
    private static string? AddNotValid(AddForeignKeyOperation key, IMigrationsSqlGenerator sqlGenerator, IModel target)
    {
        var commands = sqlGenerator.Generate([key], target);
        if (commands.Count != 1)
        {
            return null;
        }

        var statement = commands[0].CommandText.TrimEnd();
        return statement.EndsWith(';') ? statement[..^1] + " NOT VALID;" : null;
    }
}
