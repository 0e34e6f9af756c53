using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;

namespace MigrationKit.Cli.Commands;

/// <summary><c>stamp REV...</c>: adopt a database as it is by writing the version table, running no revision.</summary>
internal sealed class StampCommand : CliCommand
{
    private CommandArgument _revisions = null!;
    private CommandOption _purge = null!;
    private CommandOption _lockWait = null!;
    private CommandOption _yes = null!;
    private FleetArguments _fleet = null!;

    public override string Name => "stamp";

    public override string Description => "Set the version table to the given revision(s) without running any revision.";

    public override void Configure(CommandLineApplication command)
    {
        _revisions = command.Argument("revisions", "Revisions to stamp: ids, labels, head, heads or base.", multipleValues: true).IsRequired();
        _purge = command.Option("--purge", "Empty the version table first (the way out when it names a revision that no longer exists).", CommandOptionType.NoValue);
        _lockWait = LockWaitOption.Add(command);
        _yes = command.Option("--yes", "With a fleet: stamp every target (required: stamping runs nothing, so a wrong revision goes unnoticed).", CommandOptionType.NoValue);
        _fleet = new FleetArguments(command);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var targets = _revisions.Values.Where(v => v is not null).Cast<string>().ToList();
        if (targets.Count == 0)
        {
            throw new MigrationKitException("stamp needs at least one revision.", "For example: stamp head");
        }

        var options = app.RunnerOptions(lockWait: LockWaitOption.Value(_lockWait));
        if (_fleet.Requested())
        {
            return _yes.HasValue()
                ? await _fleet.RunAsync(app, options, (runner, fleet, token) => runner.StampAsync(fleet, targets, _purge.HasValue(), token), cancellationToken)
                : throw new MigrationKitException("stamp over a fleet needs --yes: it writes every target's version table and runs nothing.",
                    "Check the revision on one database first, then add --yes.");
        }

        if (_yes.HasValue())
        {
            throw new MigrationKitException("--yes goes with a fleet: stamp of one database asks nothing.");
        }

        var runner = new Runner.RevisionRunner(app.Context, app.Catalog, options);
        await runner.StampAsync(targets, _purge.HasValue(), cancellationToken);
        return 0;
    }
}
