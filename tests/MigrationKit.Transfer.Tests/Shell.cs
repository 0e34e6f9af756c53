using System.Diagnostics;

namespace MigrationKit.Transfer.Tests;

/// <summary>The machine's own tools (mount, chattr, stat) for faults a test sets up: tests run as root.</summary>
internal static class Shell
{
    /// <summary>Runs the program and returns what it printed; a failure fails the test, naming the command.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {error.Result}");
        return output;
    }
}
