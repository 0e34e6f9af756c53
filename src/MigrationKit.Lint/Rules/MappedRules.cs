using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint.Rules;

/// <summary>
/// A change to a table or column the running app still maps. The app deployed before a revision
/// keeps running while it is applied, and after it until the new one is out: it still reads and
/// writes what its model (the parents' snapshot) maps. These rules read the operations, and raw
/// SQL's text, rather than the SQL a provider makes of them (SQLite rebuilds a table to drop a column).
/// </summary>
/// <param name="change">What the revision does to it, for the message: "renames", "drops".</param>
internal abstract class RunningAppRule(string change) : LintRule
{
    public override bool AppliesTo(LintProvider provider) => true;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => Changed(revision)
            .Where(c => revision.RunningAppMaps(c.Table, c.Column))
            .Select(c => (c.Table, $"{change} {(c.Column is null ? "table " + c.Table : $"column {c.Table}.{c.Column}")}, which the running app maps"));

    /// <summary>The tables, or columns, the revision changes: by its operations and in its raw SQL.</summary>
    protected abstract IEnumerable<(string Table, string? Column)> Changed(RevisionToLint revision);

    protected static IEnumerable<AlterTable> RawAlterTables(RevisionToLint revision)
        => revision.RawStatements().Select(s => s.AsAlterTable()).OfType<AlterTable>();
}

internal sealed class RenamingColumn() : RunningAppRule("renames")
{
    public override string Id => "renaming-column";

    public override string Why => "The running app still uses the old name: its queries fail from the moment the rename commits.";

    public override string Alternative => "Add the new column, write both from the app, copy the data, move reads, then drop the old column in a later release.";

    protected override IEnumerable<(string Table, string? Column)> Changed(RevisionToLint revision)
        => revision.Operations.OfType<RenameColumnOperation>().Select(o => (o.Table, (string?)o.Name))
            .Concat(RawAlterTables(revision).SelectMany(a => a.RenamedColumns().Select(c => (a.Table.Name, (string?)c))));
}

internal sealed class RenamingTable() : RunningAppRule("renames")
{
    public override string Id => "renaming-table";

    public override string Why => "The running app still uses the old name: its queries fail from the moment the rename commits.";

    public override string Alternative => "Create the new table (or a view under the old name), move the app to it, and drop the old one in a later release.";

    protected override IEnumerable<(string Table, string? Column)> Changed(RevisionToLint revision)
        => revision.Operations.OfType<RenameTableOperation>().Select(o => o.Name)
            .Concat(RawAlterTables(revision).Where(a => a.RenamesTable).Select(a => a.Table.Name))
            .Select(t => (t, (string?)null));
}

internal sealed class BanDropColumn() : RunningAppRule("drops")
{
    public override string Id => "ban-drop-column";

    public override string Why => "The running app still maps the column: its inserts and selects fail once it is gone.";

    public override string Alternative => "First release an app (and a revision with only its snapshot) that no longer maps the column; drop it in a later revision.";

    protected override IEnumerable<(string Table, string? Column)> Changed(RevisionToLint revision)
        => revision.Operations.OfType<DropColumnOperation>().Select(o => (o.Table, (string?)o.Name))
            .Concat(RawAlterTables(revision).SelectMany(a => a.DroppedColumns().Select(c => (a.Table.Name, (string?)c))));
}

internal sealed class BanDropTable() : RunningAppRule("drops")
{
    public override string Id => "ban-drop-table";

    public override string Why => "The running app still maps the table: every query of it fails once it is gone.";

    public override string Alternative => "First release an app (and a revision with only its snapshot) that no longer maps the table; drop it in a later revision.";

    protected override IEnumerable<(string Table, string? Column)> Changed(RevisionToLint revision)
        => revision.Operations.OfType<DropTableOperation>().Select(o => o.Name)
            .Concat(revision.RawStatements().SelectMany(s => s.DroppedTables()).Select(t => t.Name))
            .Select(t => (t, (string?)null));
}
