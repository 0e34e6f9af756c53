using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Finance.Revisions;

/// <summary>
/// create stocks
/// </summary>
[Revision("3f7b2c9d1e84",
    Parents = ["8c1d9e4f2a10"],
    Message = "create stocks",
    Created = "2026-11-24T09:10:00.000000+00:00")]
public sealed class CreateStocks_3f7b2c9d1e84 : Revision
{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "stocks",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                UserId = table.Column<int>(nullable: false),
                Symbol = table.Column<string>(nullable: false),
                Quantity = table.Column<decimal>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_stocks", x => x.Id);
                table.ForeignKey("FK_stocks_users_UserId", x => x.UserId, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_stocks_UserId", table: "stocks", column: "UserId");
    }

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "stocks");
    }
}
