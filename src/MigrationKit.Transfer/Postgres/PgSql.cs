using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Postgres;

/// <summary>Quoting for the SQL we build: every identifier quoted, whatever its case or spelling.</summary>
internal static class PgSql
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Table(TransferTable table)
        => table.Schema is null ? Quote(table.Name) : Quote(table.Schema) + "." + Quote(table.Name);

    public static string Columns(IEnumerable<string> columns) => string.Join(", ", columns.Select(Quote));

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
