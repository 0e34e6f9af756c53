using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;

namespace MigrationKit.Runner.Database;

/// <summary>
/// The SQL of the version table: one row per current head, as Alembic keeps it. DDL comes from
/// the provider's own migrations SQL generator, literals from its type mapping, so every
/// provider gets its own dialect without code here.
/// </summary>
internal sealed class VersionTable(
    string name,
    Lazy<IMigrationsSqlGenerator> sqlGenerator,
    ISqlGenerationHelper sqlHelper,
    Lazy<IRelationalTypeMappingSource> typeMappings)
{
    public const string DefaultName = "migratekit_version";

    /// <summary>
    /// The version table of a context that keeps revisions of its own: two graphs in one database
    /// need two tables.
    /// </summary>
    public static string NameFor(string contextClassName) => DefaultName + "_" + ContextBaseName(contextClassName).ToLowerInvariant();

    /// <summary>A context's class name without "DbContext" or "Context" at its end: Reporting for ReportingDbContext.</summary>
    public static string ContextBaseName(string contextClassName)
    {
        foreach (var suffix in (string[])["DbContext", "Context"])
        {
            if (contextClassName.Length > suffix.Length && contextClassName.EndsWith(suffix, StringComparison.Ordinal))
            {
                return contextClassName[..^suffix.Length];
            }
        }

        return contextClassName;
    }
    public const string Column = "version_num";

    // Alembic's VARCHAR(32) breaks deployments with longer ids; 255 leaves room for any id scheme.
    private const int IdLength = 255;

    public string Name { get; } = name;

    public IReadOnlyList<MigrationCommand> CreateCommands()
    {
        var create = new CreateTableOperation
        {
            Name = Name,
            Columns =
            {
                new AddColumnOperation
                {
                    Name = Column,
                    Table = Name,
                    ClrType = typeof(string),
                    MaxLength = IdLength,
                    IsNullable = false,
                    ColumnType = typeMappings.Value.FindMapping(typeof(string), null, false, false, IdLength, null, false, null, null)?.StoreType,
                },
            },
            PrimaryKey = new AddPrimaryKeyOperation { Name = Name + "_pkc", Table = Name, Columns = [Column] },
        };
        return sqlGenerator.Value.Generate([create]);
    }

    public string SelectSql => $"SELECT {sqlHelper.DelimitIdentifier(Column)} FROM {sqlHelper.DelimitIdentifier(Name)}";

    public string InsertSql(string id)
        => $"INSERT INTO {sqlHelper.DelimitIdentifier(Name)} ({sqlHelper.DelimitIdentifier(Column)}) VALUES ({Literal(id)})"
           + sqlHelper.StatementTerminator;

    public string DeleteSql(string id)
        => $"DELETE FROM {sqlHelper.DelimitIdentifier(Name)} WHERE {sqlHelper.DelimitIdentifier(Column)} = {Literal(id)}"
           + sqlHelper.StatementTerminator;

    public string DeleteAllSql => $"DELETE FROM {sqlHelper.DelimitIdentifier(Name)}" + sqlHelper.StatementTerminator;

    private string Literal(string id) => typeMappings.Value.GetMapping(typeof(string)).GenerateSqlLiteral(id);
}
