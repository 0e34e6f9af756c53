using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MigrationKit.Core;

namespace MigrationKit.Runner.Backup;

/// <summary>
/// <c>pg_dump -Fc</c> of the database, restored with <c>pg_restore</c>. The connection settings go
/// to pg_dump as libpq's environment variables, the password in a passfile readable by this user
/// alone and deleted after: never on a command line, where any user of the machine sees it.
/// </summary>
internal sealed partial class PostgresDump : DatabaseBackup
{
    private readonly LibpqSettings _settings;
    private readonly string _pgDump;
    private readonly TimeSpan _lockWait;

    /// <param name="lockWait">How long the dump may wait for a table's lock: the run's own wait for the migration lock.</param>
    public PostgresDump(string connectionString, BackupOptions options, TimeSpan lockWait)
        : base(options)
    {
        _settings = LibpqSettings.Parse(connectionString);
        _pgDump = Locate(options.PgDump);
        _lockWait = lockWait;
    }

    /// <summary>
    /// pg_dump refuses a server of a later major version than its own, so that is refused here,
    /// before anything runs; an older server, or another minor release of the same, it dumps.
    /// </summary>
    public override async Task CheckAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var (_, output) = await RunAsync(["--version"], new Dictionary<string, string>(), ToolAnswerTime, cancellationToken);
        var tool = ParseToolVersion(output)
            ?? throw new MigrationKitException($"{_pgDump} --version printed '{RevisionRunner.OneLine(output)}', not a pg_dump version; nothing was run.", Hint);
        await using var command = connection.CreateCommand();
        command.CommandText = "SHOW server_version_num";
        var server = int.Parse((string)(await command.ExecuteScalarAsync(cancellationToken))!, CultureInfo.InvariantCulture);
        if (!CanDump(tool, server))
        {
            throw new MigrationKitException(
                $"{_pgDump} is pg_dump {VersionText(tool)}, older than the server ({VersionText(server)}), which it cannot dump; nothing was run.",
                Hint);
        }
    }

    protected override async Task WriteAsync(DbConnection connection, string path, CancellationToken cancellationToken)
    {
        var passfile = _settings.Password is null ? null : WritePassfile(_settings.Password);
        try
        {
            var environment = new Dictionary<string, string>(_settings.Environment);
            if (passfile is not null)
            {
                environment["PGPASSFILE"] = passfile;
            }

            // A dump waits for ACCESS SHARE on every table; a session holding one longer ends the dump, not the pipeline.
            var lockWait = (long)Math.Max(1, _lockWait.TotalMilliseconds);
            var (exitCode, output) = await RunAsync(
                ["--format=custom", "--no-password", $"--lock-wait-timeout={lockWait}", "--file", path], environment, timeout: null, cancellationToken);
            if (exitCode != 0)
            {
                throw new MigrationKitException($"pg_dump exited with {exitCode}: {ErrorLine(output)}");
            }
        }
        finally
        {
            if (passfile is not null)
            {
                File.Delete(passfile);
            }
        }
    }

    protected override string DefaultDirectory(DbConnection connection) => Path.Combine(Directory.GetCurrentDirectory(), "backups");

    protected override string DefaultFileName(DbConnection connection, string timestamp) => $"{connection.Database}-{timestamp}.dump";

    /// <summary>
    /// Restores over the database as it is: <c>--clean --if-exists</c> drops what the dump holds before
    /// recreating it. A table that a committed step created is not in the dump and stays.
    /// </summary>
    protected override string RestoreCommand(DbConnection connection, string path)
        => string.Join(' ', new[] { "pg_restore", "--clean", "--if-exists" }
            .Concat(_settings.Host is { } host ? ["-h", ShellWord(host)] : [])
            .Concat(_settings.Port is { } port ? ["-p", ShellWord(port)] : [])
            .Concat(_settings.Username is { } user ? ["-U", ShellWord(user)] : [])
            .Concat(["-d", ShellWord(connection.Database), ShellWord(path)]));

    private const string Hint = "Install pg_dump of the server's major version or later (Debian: postgresql-client-N) and put it on PATH, "
                                + "or name it with --pg-dump PATH (setting: \"backup\": {\"pgDump\": PATH}); or run without --backup.";

    // `pg_dump --version` reads nothing: a binary that does not answer in this time is not one.
    private static readonly TimeSpan ToolAnswerTime = TimeSpan.FromSeconds(30);

    /// <summary>The pg_dump named (a file), else the first on PATH; a one-line refusal when there is none.</summary>
    private static string Locate(string? named)
    {
        var executable = OperatingSystem.IsWindows() ? "pg_dump.exe" : "pg_dump";
        if (named is not null)
        {
            return File.Exists(named) ? Path.GetFullPath(named)
                : throw new MigrationKitException($"--pg-dump {named}: no such file; nothing was run.", Hint);
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new MigrationKitException("--backup needs pg_dump to back up a PostgreSQL database, and none is on PATH; nothing was run.", Hint);
    }

    /// <summary>
    /// Runs pg_dump with its output collected, ended by <paramref name="timeout"/> (null: none, a dump
    /// takes as long as the database needs) or by <paramref name="cancellationToken"/>, its process killed.
    /// </summary>
    private async Task<(int ExitCode, string Output)> RunAsync(
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_pgDump) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new MigrationKitException($"Cannot run {_pgDump}: {e.Message}; nothing was run.", Hint, e);
        }

        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } time)
        {
            limit.CancelAfter(time);
        }

        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new MigrationKitException($"{_pgDump} {string.Join(' ', arguments)} did not answer within {timeout!.Value.TotalSeconds:0} s; nothing was run.", Hint);
        }

        return (process.ExitCode, (await output) + (await error));
    }

    /// <summary>pg_dump's "error:" line (its "detail:" lines follow it), else its last.</summary>
    private static string ErrorLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "no message";
    }

    /// <summary>A passfile (https://www.postgresql.org/docs/current/libpq-pgpass.html) matching any server, readable by this user only.</summary>
    private static string WritePassfile(string password)
    {
        var path = Path.Combine(Path.GetTempPath(), $"migratekit-{Guid.NewGuid():N}.pgpass");
        var escaped = password.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(":", @"\:", StringComparison.Ordinal);
        var file = OperatingSystem.IsWindows()
            ? new FileStream(path, FileMode.CreateNew, FileAccess.Write)
            : new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        using (var writer = new StreamWriter(file))
        {
            writer.Write($"*:*:*:*:{escaped}\n");
        }

        return path;
    }

    /// <summary>
    /// The version number pg_dump prints (<c>pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)</c>,
    /// <c>9.6.24</c>, <c>17beta1</c>) in the server's server_version_num form; null when it prints none.
    /// </summary>
    internal static int? ParseToolVersion(string output)
    {
        var match = ToolVersion().Match(output);
        if (!match.Success)
        {
            return null;
        }

        var first = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var second = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        var third = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return first >= 10 ? first * 10000 + second : first * 10000 + second * 100 + third;
    }

    /// <summary>Whether pg_dump of version <paramref name="tool"/> dumps a server of <paramref name="server"/>: its major version is not older.</summary>
    internal static bool CanDump(int tool, int server) => Major(tool) >= Major(server);

    // Since 10 the major version is the first number (150018: 15); before, the first two (90624: 9.6).
    private static int Major(int version) => version >= 100000 ? version / 10000 * 10000 : version / 100 * 100;

    private static string VersionText(int version) => version >= 100000
        ? $"{version / 10000}.{version % 10000}"
        : $"{version / 10000}.{version / 100 % 100}.{version % 100}";

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?")]
    private static partial Regex ToolVersion();
}
