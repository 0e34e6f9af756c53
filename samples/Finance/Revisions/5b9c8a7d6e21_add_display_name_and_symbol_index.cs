using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;

namespace Finance.Revisions;

/// <summary>
/// add display name and symbol index
/// </summary>
[Revision("5b9c8a7d6e21",
    Parents = ["d2e1f0a9b876"],
    Message = "add display name and symbol index",
    Created = "2026-11-24T09:30:00.000000+00:00")]
public sealed class AddDisplayNameAndSymbolIndex_5b9c8a7d6e21 : Revision
{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "DisplayName", table: "users", nullable: true);
        migrationBuilder.CreateIndex(name: "IX_stocks_Symbol", table: "stocks", column: "Symbol");
    }

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: "IX_stocks_Symbol", table: "stocks");
        // SQLite cannot drop a column in place; raw SQL keeps this revision free of a model snapshot.
        migrationBuilder.Sql("ALTER TABLE users DROP COLUMN \"DisplayName\";");
    }
}
