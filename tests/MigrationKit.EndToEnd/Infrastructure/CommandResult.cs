namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>What a finished command printed and returned.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public IReadOnlyList<string> OutputLines => NonEmptyLines(StandardOutput);

    public IReadOnlyList<string> ErrorLines => NonEmptyLines(StandardError);

    /// <summary>The lines of standard error that report a step (Running upgrade A -> B, message).</summary>
    public IReadOnlyList<string> StepLines => ErrorLines.Where(l => l.StartsWith("Running ", StringComparison.Ordinal)).ToList();

    /// <summary>The whole run, for assertion messages: a failing test shows what the user would have seen.</summary>
    public override string ToString()
        => $"$ {Command}\nexit code {ExitCode}\n--- standard output\n{StandardOutput}--- standard error\n{StandardError}---";

    private static List<string> NonEmptyLines(string text)
        => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
}
