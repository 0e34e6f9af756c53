using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Runner.DataLoss;

/// <summary>
/// Which column changes can lose data: the one rule that autogenerate's warnings and the runner's
/// counts (<see cref="DataLossCounter"/>) share.
/// </summary>
internal static class LossyChanges
{
    /// <summary>A nullable column made required: its NULLs have no place to go.</summary>
    public static bool MakesRequired(AlterColumnOperation alter) => !alter.IsNullable && alter.OldColumn.IsNullable;

    /// <summary>A store type change after which some values of the old type may not fit (see <see cref="TypeWidening"/>).</summary>
    public static bool Narrows(string from, string to) => !TypeWidening.Widens(from, to);

    /// <summary>A column change that keeps every value: its type widened, and it stays nullable if it was.</summary>
    public static bool OnlyWidens(MigrationOperation operation)
        => operation is AlterColumnOperation { ColumnType: { } type, OldColumn.ColumnType: { } oldType } alter
           && !MakesRequired(alter)
           && !Narrows(oldType, type);
}
