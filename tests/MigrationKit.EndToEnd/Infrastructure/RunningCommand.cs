using System.Diagnostics;
using System.Text;

namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>
/// A `dotnet` process started the way a user's shell starts it, its output captured. Used directly
/// where a test needs the process while it runs (to kill it), through <see cref="RunAsync"/> otherwise.
/// </summary>
public sealed class RunningCommand : IDisposable
{
    /// <summary>Long enough for a cold build on a busy machine; a hung command fails the test instead of the run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The native image cache of the tool runs of this test process; <see cref="PackedTool"/> removes it.</summary>
    public static readonly string NativeImageCache = Path.Combine(Path.GetTempPath(), $"migratekit-e2e-native-images-{Environment.ProcessId}");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<(string Prefix, TaskCompletionSource<bool> Seen)> _waiters = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningCommand(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment)
    {
        Command = "dotnet " + string.Join(' ', arguments.Select(Quote));
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // `dotnet test` hands its own MSBuild settings to the test host; a user's shell has none,
        // and with them the app's build would resolve SDK parts from the test run's MSBuild.
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("MIGRATEKIT_", StringComparison.Ordinal)
                || name.StartsWith("APP_", StringComparison.Ordinal))
            {
                info.Environment.Remove(name);
            }
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Build nodes left running would outlive the test; the compiler server is shared and stays.
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // The tool's native images go to a cache of this test run, not the user's (tests may set their own).
        info.Environment["MIGRATEKIT_NATIVE_IMAGE_CACHE"] = NativeImageCache;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data, isError: false);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data, isError: true);
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Command { get; }

    /// <summary>Completes when the process has exited (on its own or killed).</summary>
    public Task Exited => _exited.Task;

    public static RunningCommand Start(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
        => new(workingDirectory, arguments, environment);

    public static async Task<CommandResult> RunAsync(
        string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var command = Start(workingDirectory, arguments, environment);
        return await command.WaitAsync(timeout ?? DefaultTimeout);
    }

    /// <summary>
    /// True once standard error has a line starting with <paramref name="prefix"/>; false when the
    /// process exits without printing one.
    /// </summary>
    public Task<bool> ErrorLineSeenAsync(string prefix)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_error)
        {
            if (_error.ToString().Split('\n').Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return Task.FromResult(true);
            }

            _waiters.Add((prefix, seen));
        }

        _ = _exited.Task.ContinueWith(_ => seen.TrySetResult(false), TaskScheduler.Default);
        return seen.Task;
    }

    /// <summary>SIGKILL to the tool and everything it started (the agent runs as a child process).</summary>
    /// <returns>False when the process had already exited by itself.</returns>
    public bool KillTree()
    {
        if (_process.HasExited)
        {
            return false;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            return true;
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
            return false;
        }
    }

    /// <summary>
    /// SIGINT to the command and every process it started, as a terminal's Ctrl-C reaches its
    /// whole foreground process group.
    /// </summary>
    public async Task InterruptAsync()
    {
        var pids = new List<int> { _process.Id };
        // /proc/PID/stat: "pid (name) state ppid ..."; the name may hold spaces, so read after its ')'.
        var parents = Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Select(pid =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    return (Pid: pid, Parent: int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (IOException)
                {
                    return (Pid: pid, Parent: 0);
                }
            })
            .ToList();
        for (var i = 0; i < pids.Count; i++)
        {
            pids.AddRange(parents.Where(p => p.Parent == pids[i]).Select(p => p.Pid));
        }

        using var kill = Process.Start("kill", ["-INT", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        await kill.WaitForExitAsync();
    }

    public async Task<CommandResult> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree();
            await _process.WaitForExitAsync();
            throw new TimeoutException($"Still running after {timeout.TotalSeconds:0} s, killed.\n{Snapshot(-1)}");
        }

        return Snapshot(_process.ExitCode);
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    private CommandResult Snapshot(int exitCode)
    {
        lock (_error)
        {
            lock (_output)
            {
                return new CommandResult(Command, exitCode, _output.ToString(), _error.ToString());
            }
        }
    }

    private void Append(StringBuilder text, string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
            if (!isError)
            {
                return;
            }

            foreach (var waiter in _waiters.Where(w => line.StartsWith(w.Prefix, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult(true);
                _waiters.Remove(waiter);
            }
        }
    }

    private static string Quote(string argument)
        => argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@+,".Contains(c)) ? argument : $"\"{argument}\"";
}
