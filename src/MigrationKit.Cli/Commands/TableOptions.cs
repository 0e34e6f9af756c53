using McMaster.Extensions.CommandLineUtils;

namespace MigrationKit.Cli.Commands;

/// <summary>--tables and --exclude, alike for every command that moves data.</summary>
internal static class TableOptions
{
    public static (CommandOption Tables, CommandOption Exclude) Add(CommandLineApplication command) => (
        command.Option("--tables <TABLES>", "Only these tables (comma-separated, repeatable).", CommandOptionType.MultipleValue),
        command.Option("--exclude <TABLES>", "Leave these tables out (comma-separated, repeatable).", CommandOptionType.MultipleValue));

    public static List<string> Names(CommandOption option)
        => option.Values.OfType<string>()
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
}
