namespace MigrationKit.Lint;

/// <summary>The database kinds rules are written for.</summary>
internal enum LintProvider
{
    PostgreSql,
    Sqlite,
    Other,
}
