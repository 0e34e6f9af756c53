namespace MigrationKit.Transfer;

/// <summary>
/// What the hint of a failed load advises: the options of the command that loads, since `copy`
/// and `import` share the loading code but not their options.
/// </summary>
internal sealed record LoadAdvice(string Conflict, string Privilege)
{
    public static readonly LoadAdvice Copy = new(
        "The target already holds some of these rows: pass --on-conflict skip or update, --truncate, or --resume after an interrupted copy.",
        "The target's user lacks a right the copy needs (--disable-triggers needs a superuser).");

    public static readonly LoadAdvice Import = new(
        "The database already holds some of these rows: pass --truncate to replace the tables' rows with the export's.",
        "The database's user lacks a right the import needs (INSERT on the tables, and TRUNCATE with --truncate).");
}
