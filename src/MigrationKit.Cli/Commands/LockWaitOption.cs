using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Runner;

namespace MigrationKit.Cli.Commands;

/// <summary>--lock-wait, alike for every command that takes the migration lock (upgrade, downgrade, stamp, copy, import).</summary>
internal static class LockWaitOption
{
    public static CommandOption Add(CommandLineApplication command) => command.Option(
        "--lock-wait <SECONDS>",
        $"How long to wait while another process holds the database's migration lock before giving up. Default: {RunnerOptions.DefaultLockWait.TotalSeconds}.",
        CommandOptionType.SingleValue);

    public static TimeSpan Value(CommandOption option) => Seconds(option) ?? RunnerOptions.DefaultLockWait;

    /// <summary>The option's value as a number of seconds (0 or more); null when it is not given.</summary>
    public static TimeSpan? Seconds(CommandOption option)
    {
        if (!option.HasValue())
        {
            return null;
        }

        return double.TryParse(option.Value(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new MigrationKitException($"--{option.LongName} must be a number of seconds, not '{option.Value()}'.");
    }
}
