using System.Text.RegularExpressions;

namespace MigrationKit.Cli;

/// <summary>Masks passwords in anything we print: connection-string keywords and URL credentials.</summary>
internal static partial class Secrets
{
    public static string Redact(string text)
        => UrlCredentials().Replace(PasswordKeyword().Replace(text, "$1=***"), "$1:***@");

    [GeneratedRegex(@"(?i)\b(password|pwd)\s*=\s*(""[^""]*""|'[^']*'|[^;]*)")]
    private static partial Regex PasswordKeyword();

    [GeneratedRegex(@"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]+):[^@\s]*@")]
    private static partial Regex UrlCredentials();
}
