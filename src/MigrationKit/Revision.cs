using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit;

/// <summary>
/// One node of the revision graph: the schema change that leads from its parents to itself.
/// Its identity (id, parents, message) lives in <see cref="RevisionAttribute"/> so the graph can be
/// read without running any revision code.
/// </summary>
/// <remarks>
/// Deliberately not an EF Core <c>Migration</c>: EF's <c>Database.Migrate()</c> only looks for
/// <c>[Migration]</c> classes, so revisions never enter its linear history.
/// </remarks>
public abstract class Revision
{
    /// <summary>Operations that move the schema from the parents to this revision.</summary>
    protected abstract void Upgrade(MigrationBuilder migrationBuilder);

    /// <summary>Operations that move the schema from this revision back to its parents.</summary>
    protected abstract void Downgrade(MigrationBuilder migrationBuilder);

    /// <summary>
    /// The full EF Core model as it stands after this revision, when the revision carries one.
    /// SQL generators need it (SQLite rebuilds a table from it); autogenerate diffs against it.
    /// </summary>
    protected virtual void BuildTargetModel(ModelBuilder modelBuilder)
    {
    }

    /// <summary>True when the revision overrides <see cref="BuildTargetModel"/>.</summary>
    internal bool HasTargetModel =>
        GetType().GetMethod(nameof(BuildTargetModel), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .DeclaringType != typeof(Revision);

    internal IReadOnlyList<MigrationOperation> GetUpgradeOperations(string? activeProvider)
        => Collect(Upgrade, activeProvider);

    internal IReadOnlyList<MigrationOperation> GetDowngradeOperations(string? activeProvider)
        => Collect(Downgrade, activeProvider);

    internal void BuildModel(ModelBuilder modelBuilder) => BuildTargetModel(modelBuilder);

    private static List<MigrationOperation> Collect(Action<MigrationBuilder> body, string? activeProvider)
    {
        var builder = new MigrationBuilder(activeProvider);
        body(builder);
        return builder.Operations;
    }
}
