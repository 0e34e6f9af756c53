namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>Revision bodies as a developer writes them, for both providers (no provider-specific annotations).</summary>
public static class Schema
{
    public static string CreateTable(string name) => $$"""
        migrationBuilder.CreateTable(
            name: "{{name}}",
            columns: table => new { Id = table.Column<int>(nullable: false) },
            constraints: table => table.PrimaryKey("PK_{{name}}", x => x.Id));
        """;

    public static string DropTable(string name) => $"migrationBuilder.DropTable(name: \"{name}\");";

    public static string Sql(string sql) => $"migrationBuilder.Sql(\"{sql}\");";

    public static string Lines(params string[] statements) => string.Join('\n', statements);
}
