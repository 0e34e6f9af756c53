using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Finance.Revisions;

/// <summary>
/// create email verifications
/// </summary>
/// <remarks>Written on a branch of its own, in parallel with "create stocks"; joined by the merge revision.</remarks>
[Revision("a45e6d0c7b39",
    Parents = ["8c1d9e4f2a10"],
    Message = "create email verifications",
    Created = "2026-11-24T09:15:00.000000+00:00",
    BranchLabels = ["verification"])]
public sealed class CreateEmailVerifications_a45e6d0c7b39 : Revision
{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "email_verifications",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                UserId = table.Column<int>(nullable: false),
                Token = table.Column<string>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_email_verifications", x => x.Id);
                table.ForeignKey("FK_email_verifications_users_UserId", x => x.UserId, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_email_verifications_UserId", table: "email_verifications", column: "UserId");
    }

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "email_verifications");
    }
}
