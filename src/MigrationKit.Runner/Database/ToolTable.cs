using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;

namespace MigrationKit.Runner.Database;

/// <summary>
/// A table the tool keeps beside the version table (the step journal, the history): DDL from the
/// provider's own migrations SQL generator and literals from its type mappings, so every provider
/// gets its own dialect without code here.
/// </summary>
internal abstract class ToolTable(
    string name,
    Lazy<IMigrationsSqlGenerator> sqlGenerator,
    ISqlGenerationHelper sqlHelper,
    Lazy<IRelationalTypeMappingSource> typeMappings)
{
    public string Name { get; } = name;

    protected string Terminator => sqlHelper.StatementTerminator;

    protected string Delimit(string identifier) => sqlHelper.DelimitIdentifier(identifier);

    /// <summary>CREATE TABLE of the columns, the first one the primary key.</summary>
    protected IReadOnlyList<MigrationCommand> Create(IEnumerable<AddColumnOperation> columns)
    {
        var create = new CreateTableOperation { Name = Name };
        create.Columns.AddRange(columns);
        create.PrimaryKey = new AddPrimaryKeyOperation { Name = Name + "_pkc", Table = Name, Columns = [create.Columns[0].Name] };
        return sqlGenerator.Value.Generate([create]);
    }

    /// <param name="length">A string's maximum length; null: unbounded.</param>
    protected AddColumnOperation Column(string column, Type type, int? length = null, bool nullable = false) => new()
    {
        Name = column,
        Table = Name,
        ClrType = type,
        MaxLength = length,
        IsNullable = nullable,
        ColumnType = (length is null
            ? typeMappings.Value.FindMapping(type)
            : typeMappings.Value.FindMapping(type, null, false, false, length, null, false, null, null))?.StoreType,
    };

    protected string Literal<T>(T? value) => value is null ? "NULL" : typeMappings.Value.GetMapping(typeof(T)).GenerateSqlLiteral(value);
}
