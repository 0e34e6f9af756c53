using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Hosting;
using MigrationKit.Core;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// --backup[=PATH], --no-backup, --pg-dump and --environment of upgrade and downgrade, over the
/// <c>"backup"</c> settings (<see cref="BackupSettings"/>): whether and where the run backs the
/// database up before its first step (<see cref="RunnerOptions.Backup"/>).
/// </summary>
internal sealed class BackupOption
{
    private readonly CommandOption _backup;
    private readonly CommandOption _noBackup;
    private readonly CommandOption _pgDump;
    private readonly CommandOption _environment;

    public BackupOption(CommandLineApplication command)
    {
        _backup = command.Option(
            "--backup",
            "Back the database up before the first revision runs (pg_dump -Fc, or SQLite's backup API) and print how to restore it. "
            + "--backup=PATH names the file; default a timestamped one in backup.directory of migratekit.json, else beside a SQLite file, else backups/ in the project.",
            CommandOptionType.SingleOrNoValue);
        _noBackup = command.Option("--no-backup", "No backup, even where the settings ask for one (\"backup\": {\"environments\": [...]}).", CommandOptionType.NoValue);
        _pgDump = command.Option("--pg-dump <PATH>", "PostgreSQL: the pg_dump --backup runs. Default: the one on PATH.", CommandOptionType.SingleValue);
        _environment = command.Option(
            "--environment <NAME>",
            "The environment the run is in, for backup.environments. Default: $DOTNET_ENVIRONMENT, then $ASPNETCORE_ENVIRONMENT.",
            CommandOptionType.SingleValue);
    }

    /// <summary>The command line asks for a backup; a setting alone does not count (an offline --sql script has no database to back up).</summary>
    public bool Requested => _backup.HasValue();

    /// <summary>The backup the run takes, or null: the options, else the settings for the environment.</summary>
    public BackupOptions? Choose(ToolSettings settings, string projectDirectory, string? provider)
    {
        var backupSettings = settings.Backup;
        if (_noBackup.HasValue())
        {
            return _backup.HasValue() ? throw new MigrationKitException("--backup and --no-backup contradict each other; give one.") : null;
        }

        if (!_backup.HasValue())
        {
            var environment = EnvironmentName;
            if (environment is null || backupSettings?.Environments?.Contains(environment, StringComparer.OrdinalIgnoreCase) != true)
            {
                return null;
            }

            Log.Information("Backing up first: environment {Environment:l} is in backup.environments of {File:l} (--no-backup skips it)",
                environment, ToolSettings.FileName);
        }

        return new BackupOptions
        {
            Path = _backup.Value() is { Length: > 0 } path ? Path.GetFullPath(path) : null,
            // A PostgreSQL backup has no database file to sit beside: the project's folder, not wherever the command was typed.
            Directory = backupSettings?.Directory is { } directory ? Path.GetFullPath(directory, projectDirectory)
                : provider == Runner.Database.DatabaseDialect.PostgreSqlProvider ? Path.Combine(projectDirectory, "backups")
                : null,
            PgDump = _pgDump.Value() is { } pgDump ? Path.GetFullPath(pgDump)
                : backupSettings?.PgDump is { } setting ? Path.GetFullPath(setting, projectDirectory)
                : null,
        };
    }

    /// <summary>As the app's host reads it: the option, else DOTNET_ENVIRONMENT, else ASPNETCORE_ENVIRONMENT.</summary>
    private string? EnvironmentName
        => new[] { _environment.Value(), Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"), Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") }
            .FirstOrDefault(e => !string.IsNullOrEmpty(e));
}
