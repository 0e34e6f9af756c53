namespace MigrationKit.Core;

/// <summary>
/// An expected failure with a message for the user (and, optionally, what to type next).
/// The CLI prints it as one line and exits non-zero; anything else is a bug and keeps its stack trace.
/// </summary>
public class MigrationKitException(string message, string? hint = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>What the user can do about it, when there is something to say.</summary>
    public string? Hint { get; } = hint;
}
