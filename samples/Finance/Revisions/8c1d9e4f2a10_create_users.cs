using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Finance.Revisions;

/// <summary>
/// create users
/// </summary>
[Revision("8c1d9e4f2a10",
    Message = "create users",
    Created = "2026-11-24T09:00:00.000000+00:00")]
public sealed class CreateUsers_8c1d9e4f2a10 : Revision
{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "users",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Email = table.Column<string>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_users", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_users_Email", table: "users", column: "Email", unique: true);
    }

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "users");
    }
}
