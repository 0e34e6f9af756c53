using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Runner;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// --lock-timeout, --retries, --statement-timeout, --transaction-pooler of upgrade and downgrade:
/// how a run behaves on a PostgreSQL database the app is using. Each overrides its setting in
/// migratekit.json (<see cref="Hosting.ToolSettings"/>).
/// </summary>
internal sealed class LiveDatabaseOptions
{
    private readonly CommandOption _lockTimeout;
    private readonly CommandOption _retries;
    private readonly CommandOption _statementTimeout;
    private readonly CommandOption _transactionPooler;

    public LiveDatabaseOptions(CommandLineApplication command)
    {
        _lockTimeout = command.Option(
            "--lock-timeout <SECONDS>",
            $"PostgreSQL: how long a statement may wait for a table's lock (the app's queries queue behind it meanwhile) before its revision is rolled back and retried; 0 waits as long as it takes. Default: {RunnerOptions.DefaultLockTimeout.TotalSeconds}.",
            CommandOptionType.SingleValue);
        _retries = command.Option(
            "--retries <N>",
            $"PostgreSQL: how often a revision that hit the lock timeout is tried again, after a growing pause. Default: {RunnerOptions.DefaultLockRetries}.",
            CommandOptionType.SingleValue);
        _statementTimeout = command.Option(
            "--statement-timeout <SECONDS>",
            "PostgreSQL: the longest a statement of a revision may run; 0 for no limit. Default: the server's setting.",
            CommandOptionType.SingleValue);
        _transactionPooler = command.Option(
            "--transaction-pooler",
            "The connection goes through a pooler in transaction mode (PgBouncer): refuse to run, as the migration lock cannot hold there.",
            CommandOptionType.NoValue);
    }

    /// <summary>The settings' choices, overridden by the options given.</summary>
    public LiveDatabaseChoices Over(LiveDatabaseChoices settings) => new(
        LockWaitOption.Seconds(_lockTimeout) ?? settings.LockTimeout,
        Count(_retries) ?? settings.Retries,
        LockWaitOption.Seconds(_statementTimeout) ?? settings.StatementTimeout,
        _transactionPooler.HasValue() || settings.TransactionPooler);

    private static int? Count(CommandOption option)
    {
        if (!option.HasValue())
        {
            return null;
        }

        return int.TryParse(option.Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new MigrationKitException($"--{option.LongName} must be a whole number, 0 or more, not '{option.Value()}'.");
    }
}

/// <summary>What <see cref="LiveDatabaseOptions"/> and the settings choose; null leaves the runner's default.</summary>
internal sealed record LiveDatabaseChoices(TimeSpan? LockTimeout, int? Retries, TimeSpan? StatementTimeout, bool TransactionPooler);
