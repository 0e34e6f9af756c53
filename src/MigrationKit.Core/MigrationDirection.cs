namespace MigrationKit.Core;

public enum MigrationDirection
{
    Upgrade,
    Downgrade,
}
