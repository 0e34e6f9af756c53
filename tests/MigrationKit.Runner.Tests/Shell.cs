using System.Diagnostics;

namespace MigrationKit.Runner.Tests;

/// <summary>A SQL shell (psql, sqlite3) fed a script on standard input, as `psql &lt; upgrade.sql` runs it.</summary>
public static class Shell
{
    public static async Task<(int ExitCode, string Error)> RunAsync(ProcessStartInfo start, string script)
    {
        start.RedirectStandardInput = start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _ = await output;
        return (process.ExitCode, error);
    }
}
