namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>The tool's output contract, as assertions that print the whole run when they fail.</summary>
public static class ToolAssert
{
    public static CommandResult Succeeded(CommandResult result)
    {
        Assert.True(result.ExitCode == 0, "Expected exit code 0.\n" + result);
        NoStackTrace(result);
        return result;
    }

    /// <summary>
    /// Exit code <paramref name="exitCode"/>, and standard error is the steps that ran (if any, and
    /// lint's findings before them) followed by exactly one line starting <c>ERROR: </c>, and no stack trace anywhere.
    /// </summary>
    /// <returns>The error line, without its <c>ERROR: </c> prefix.</returns>
    public static string FailedInOneLine(CommandResult result, int exitCode = 1)
    {
        Assert.True(result.ExitCode == exitCode, $"Expected exit code {exitCode}.\n{result}");
        NoStackTrace(result);
        var lines = result.ErrorLines.Where(l => !IsProgress(l)).ToList();
        Assert.True(lines.Count == 1, $"Expected one error line on standard error besides the steps, found {lines.Count}.\n{result}");
        Assert.True(lines[0].StartsWith("ERROR: ", StringComparison.Ordinal), $"Expected the error line to start with 'ERROR: '.\n{result}");
        Assert.True(result.ErrorLines[^1] == lines[0], $"Expected the error line to be the last line.\n{result}");
        return lines[0]["ERROR: ".Length..];
    }

    public static void DoesNotPrint(CommandResult result, string secret)
    {
        Assert.False(result.StandardOutput.Contains(secret, StringComparison.Ordinal), $"Standard output shows '{secret}'.\n{result}");
        Assert.False(result.StandardError.Contains(secret, StringComparison.Ordinal), $"Standard error shows '{secret}'.\n{result}");
    }

    public static void NoStackTrace(CommandResult result)
    {
        var trace = result.OutputLines.Concat(result.ErrorLines).FirstOrDefault(l => l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.True(trace is null, $"Expected no stack trace without --verbose, found '{trace}'.\n{result}");
    }

    /// <summary>The revision ids that lead the lines of `current` or `heads`.</summary>
    public static List<string> LeadingIds(CommandResult result)
        => result.OutputLines.Select(l => l.Split(' ', 2)[0]).ToList();

    /// <summary>Steps (run or rehearsed), a database created, the lint findings `upgrade` prints before it runs anything, and its backup (repeated on failure).</summary>
    private static bool IsProgress(string line)
        => line.StartsWith("Running ", StringComparison.Ordinal) || line.StartsWith("Rehearsing ", StringComparison.Ordinal)
           || line.StartsWith("Creating ", StringComparison.Ordinal)
           || line.StartsWith("Lint", StringComparison.Ordinal) || line.StartsWith("WARNING: Lint ", StringComparison.Ordinal)
           || line.StartsWith("Backing up first: ", StringComparison.Ordinal)
           || line.StartsWith("Backup: ", StringComparison.Ordinal) || line.StartsWith("WARNING: Backup: ", StringComparison.Ordinal);
}
