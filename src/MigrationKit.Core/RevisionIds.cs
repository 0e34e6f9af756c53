using System.Security.Cryptography;

namespace MigrationKit.Core;

public static class RevisionIds
{
    /// <summary>
    /// A new random revision id of lowercase hex digits (Alembic uses the last 12 digits of a uuid4).
    /// At most 32 digits, because the version table's column holds 32 characters.
    /// </summary>
    public static string New(int hexDigits = 12)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hexDigits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hexDigits, 32);
        return RandomNumberGenerator.GetHexString(hexDigits, lowercase: true);
    }
}
