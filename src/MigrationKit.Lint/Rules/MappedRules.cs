using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Lint.Rules;

// The app deployed before a revision keeps running while it is applied, and after it until the new
// one is out: it still reads and writes what its model (the parents' snapshot) maps. These rules
// read the operations, and raw SQL's text, rather than the SQL a provider makes of them (SQLite
// rebuilds a table to drop a column).

internal sealed class RenamingColumn : LintRule
{
    public override string Id => "renaming-column";

    public override string Why => "The running app still uses the old name: its queries fail from the moment the rename commits.";

    public override string Alternative => "Add the new column, write both from the app, copy the data, move reads, then drop the old column in a later release.";

    public override bool AppliesTo(LintProvider provider) => true;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Operations.OfType<RenameColumnOperation>().Select(o => (o.Table, o.Name))
            .Concat(revision.RawStatements().Select(s => s.AsAlterTable()).OfType<Sql.AlterTable>()
                .SelectMany(a => a.RenamedColumns().Select(c => (a.Table.Name, c))))
            .Where(c => revision.RunningAppMaps(c.Item1, c.Item2))
            .Select(c => (c.Item1, $"renames column {c.Item1}.{c.Item2}, which the running app maps"));
}

internal sealed class RenamingTable : LintRule
{
    public override string Id => "renaming-table";

    public override string Why => "The running app still uses the old name: its queries fail from the moment the rename commits.";

    public override string Alternative => "Create the new table (or a view under the old name), move the app to it, and drop the old one in a later release.";

    public override bool AppliesTo(LintProvider provider) => true;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Operations.OfType<RenameTableOperation>().Select(o => o.Name)
            .Concat(revision.RawStatements().Select(s => s.AsAlterTable()).Where(a => a is { RenamesTable: true }).Select(a => a!.Table.Name))
            .Where(t => revision.RunningAppMaps(t))
            .Select(t => (t, $"renames table {t}, which the running app maps"));
}

internal sealed class BanDropColumn : LintRule
{
    public override string Id => "ban-drop-column";

    public override string Why => "The running app still maps the column: its inserts and selects fail once it is gone.";

    public override string Alternative => "First release an app (and a revision with only its snapshot) that no longer maps the column; drop it in a later revision.";

    public override bool AppliesTo(LintProvider provider) => true;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Operations.OfType<DropColumnOperation>().Select(o => (o.Table, o.Name))
            .Concat(revision.RawStatements().Select(s => s.AsAlterTable()).OfType<Sql.AlterTable>()
                .SelectMany(a => a.DroppedColumns().Select(c => (a.Table.Name, c))))
            .Where(c => revision.RunningAppMaps(c.Item1, c.Item2))
            .Select(c => (c.Item1, $"drops column {c.Item1}.{c.Item2}, which the running app maps"));
}

internal sealed class BanDropTable : LintRule
{
    public override string Id => "ban-drop-table";

    public override string Why => "The running app still maps the table: every query of it fails once it is gone.";

    public override string Alternative => "First release an app (and a revision with only its snapshot) that no longer maps the table; drop it in a later revision.";

    public override bool AppliesTo(LintProvider provider) => true;

    public override IEnumerable<(string Table, string Message)> Find(RevisionToLint revision)
        => revision.Operations.OfType<DropTableOperation>().Select(o => o.Name)
            .Concat(revision.RawStatements().SelectMany(s => s.DroppedTables()).Select(t => t.Name))
            .Where(t => revision.RunningAppMaps(t))
            .Select(t => (t, $"drops table {t}, which the running app maps"));
}
