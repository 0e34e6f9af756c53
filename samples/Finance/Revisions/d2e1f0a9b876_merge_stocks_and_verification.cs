using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;

namespace Finance.Revisions;

/// <summary>
/// merge stocks and verification
/// </summary>
[Revision("d2e1f0a9b876",
    Parents = ["3f7b2c9d1e84", "a45e6d0c7b39"],
    Message = "merge stocks and verification",
    Created = "2026-11-24T09:20:00.000000+00:00")]
public sealed class MergeStocksAndVerification_d2e1f0a9b876 : Revision
{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {
    }

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {
    }
}
