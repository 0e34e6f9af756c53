using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Lint;

namespace MigrationKit.Cli.Commands;

/// <summary><c>upgrade</c> and <c>downgrade</c>: walk the graph to a target, or write the SQL with <c>--sql</c>.</summary>
internal sealed class MigrateCommand(MigrationDirection direction) : CliCommand
{
    private CommandArgument _revision = null!;
    private CommandOption _sql = null!;
    private CommandOption _singleTransaction = null!;
    private CommandOption _lockWait = null!;
    private CommandOption _interruptedStatement = null!;
    private LiveDatabaseOptions _live = null!;
    private CommandOption _strict = null!;
    private CommandOption _refuseDataLoss = null!;
    private RehearseOptions? _rehearse;
    private BackupOption _backup = null!;
    private FleetArguments _fleet = null!;
    private CommandOption _replaced = null!;

    public override string Name => direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade";

    public override string Description => direction == MigrationDirection.Upgrade
        ? "Upgrade the database to a later revision."
        : "Revert the database to a previous revision.";

    public override void Configure(CommandLineApplication command)
    {
        _revision = command.Argument("revision",
            "Target: head, heads, base, an id or unique prefix, +N, -N, ID+N, LABEL@head, ...; FROM:TO with --sql.")
            .IsRequired();
        _sql = command.Option("--sql", "Write the SQL to standard output instead of running it (offline mode).", CommandOptionType.NoValue);
        _singleTransaction = command.Option("--single-transaction", "Run all revisions in one transaction instead of one each.", CommandOptionType.NoValue);
        _lockWait = LockWaitOption.Add(command);
        _interruptedStatement = command.Option(
            "--interrupted-statement <ANSWER>",
            "After a run was interrupted during a statement outside a transaction that the database cannot vouch for, ANSWER is "
            + "done (you checked that it completed) or rerun (it did not).",
            CommandOptionType.SingleValue);
        _live = new LiveDatabaseOptions(command);
        if (direction == MigrationDirection.Upgrade)
        {
            _strict = command.Option("--strict", "Fail before running anything when lint finds what no revision acknowledges (setting: \"lint\": {\"strict\": true}).", CommandOptionType.NoValue);
            _rehearse = new RehearseOptions(command);
        }

        // Both directions: a downgrade is the step most likely to lose data (it drops what upgrades added).
        _backup = new BackupOption(command);
        _refuseDataLoss = command.Option(
            "--refuse-data-loss",
            "Stop before a revision that would lose rows or values on this database (counted first); the revisions before it stay applied.",
            CommandOptionType.NoValue);
        _fleet = new FleetArguments(command, _rehearse?.Json);
        _replaced = command.Option(
            "--replaced",
            "Walk the old revisions a squash replaced (kept in Revisions/Squashed/ID/): brings a database inside a squashed run to its end, e.g. upgrade END --replaced.",
            CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        if (_replaced.HasValue())
        {
            app.WalkReplacedRevisions();
        }

        var target = RelativeArguments.Unescape(_revision.Value!);
        var range = target.Split(':');
        var live = _live.Over(app.Settings.LiveDatabase);
        if (_fleet.Requested(ownJson: _rehearse is not null))
        {
            return await RunFleetAsync(app, target, range, live, cancellationToken);
        }

        if (_rehearse?.Requested == true)
        {
            if (_backup.Requested)
            {
                // A rehearsal changes nothing (its transaction is rolled back), so there is nothing to back up for.
                throw new MigrationKitException("--backup cannot be used with --rehearse: a rehearsal changes nothing.",
                    "Give --backup to the upgrade that runs the plan for real.");
            }

            var options = app.RunnerOptions(lockWait: LockWaitOption.Value(_lockWait), live: live, refuseDataLoss: _refuseDataLoss.HasValue());
            return await _rehearse.RunAsync(app, new Runner.RevisionRunner(app.Context, app.Catalog, options), target, live,
                _strict.HasValue() || app.Settings.Lint?.Strict == true, options.RefuseDataLoss,
                [_sql, _singleTransaction, _interruptedStatement], Out, cancellationToken);
        }

        if (_sql.HasValue())
        {
            if (_refuseDataLoss.HasValue())
            {
                throw new MigrationKitException("--refuse-data-loss counts rows on the live database, so it cannot be used with --sql.",
                    $"Run {Name} without --sql to have its data loss counted.");
            }

            if (_backup.Requested)
            {
                throw new MigrationKitException("--backup backs up the live database, so it cannot be used with --sql.",
                    "Back the database up before running the script (pg_dump -Fc, or sqlite3's .backup).");
            }

            await Out.WriteAsync(Script(app, range));
            return 0;
        }

        if (range.Length > 1)
        {
            throw new MigrationKitException($"Range revision '{target}' is allowed only with --sql.", $"Run `{Name} {range[^1]}` to go to {range[^1]}.");
        }

        Runner.RevisionRunner? runner = null;
        runner = new Runner.RevisionRunner(
            app.Context,
            app.Catalog,
            app.RunnerOptions(_singleTransaction.HasValue(), LockWaitOption.Value(_lockWait), InterruptedStatementCompleted(), live,
                direction == MigrationDirection.Upgrade ? plan => Lint(app, runner!, plan, live) : null,
                _refuseDataLoss.HasValue(),
                _backup.Choose(app.Settings, app.Location.ProjectDirectory, app.Context.Database.ProviderName)));
        if (direction == MigrationDirection.Upgrade)
        {
            await runner.UpgradeAsync(target, cancellationToken);
        }
        else
        {
            await runner.DowngradeAsync(target, cancellationToken);
        }

        return 0;
    }

    /// <summary>The same run over every target of a fleet: one runner per target, the plan linted once per distinct plan.</summary>
    private async Task<int> RunFleetAsync(AppScope app, string target, string[] range, LiveDatabaseChoices live, CancellationToken cancellationToken)
    {
        var backup = _backup.Choose(app.Settings, app.Location.ProjectDirectory, app.Context.Database.ProviderName);
        FleetArguments.Refuse(
            (_sql.HasValue(), "--sql", "a script is for one database; write it once without the fleet's options and run it on each."),
            (_rehearse?.Rehearse.HasValue() == true, "--rehearse", "rehearse on one database of the fleet (the same plan runs on each)."),
            (_rehearse?.Markdown.HasValue() == true, "--markdown", "it formats a rehearsal; a fleet's report is --json or --report FILE."),
            (backup?.Path is not null, "--backup=PATH", "one file cannot hold each target's backup; give --backup alone for a file per target."),
            (range.Length > 1, $"'{target}'", "a range is only for --sql."));
        var lint = direction == MigrationDirection.Upgrade ? new PlanLint(this, app, live) : null;
        var options = app.RunnerOptions(_singleTransaction.HasValue(), LockWaitOption.Value(_lockWait), InterruptedStatementCompleted(), live,
            lint is null ? null : lint.Check, _refuseDataLoss.HasValue(), backup);
        return await _fleet.RunAsync(app, options, (runner, targets, token) => direction == MigrationDirection.Upgrade
            ? runner.UpgradeAsync(targets, target, token)
            : runner.DowngradeAsync(targets, target, token), cancellationToken);
    }

    /// <summary>
    /// Lint over a fleet: once per distinct plan (most targets share one), with the app's own context
    /// (SQL generation needs no connection), its findings logged once; strict, every target of that plan fails alike.
    /// </summary>
    private sealed class PlanLint(MigrateCommand command, AppScope app, LiveDatabaseChoices live)
    {
        private readonly Dictionary<string, MigrationKitException?> _plans = new(StringComparer.Ordinal);

        public void Check(MigrationPlan plan)
        {
            var key = string.Join(",", plan.Steps.Select(s => s.Revision.Id));
            MigrationKitException? refusal;
            lock (_plans)
            {
                if (!_plans.TryGetValue(key, out refusal))
                {
                    refusal = null;
                    try
                    {
                        command.Lint(app, new Runner.RevisionRunner(app.Context, app.Catalog), plan, live);
                    }
                    catch (MigrationKitException e)
                    {
                        refusal = e;
                    }

                    _plans[key] = refusal;
                }
            }

            if (refusal is not null)
            {
                throw new MigrationKitException(refusal.Message, refusal.Hint);
            }
        }
    }

    private bool? InterruptedStatementCompleted() => _interruptedStatement.Value() switch
    {
        null => null,
        "done" => true,
        "rerun" => false,
        var other => throw new MigrationKitException($"--interrupted-statement must be 'done' or 'rerun', not '{other}'."),
    };

    /// <summary>
    /// Lints the plan the run made under its lock, from the heads it read (no connection of its
    /// own), with the run's runner (the snapshots are built once for both), and prints the
    /// findings before any revision runs; strict, stops the run there.
    /// </summary>
    private void Lint(AppScope app, Runner.RevisionRunner runner, MigrationPlan plan, LiveDatabaseChoices live)
    {
        var revisions = plan.Steps.Select(s => s.Revision.Id).ToList();
        var findings = new RevisionLinter(app.Context, AppScope.LintSettingsFor(live)).Lint(runner, revisions);
        LintOutput.Log(findings, revisions.Count);
        var unacknowledged = findings.Count(f => !f.IsAcknowledged);
        if (unacknowledged > 0 && (_strict.HasValue() || app.Settings.Lint?.Strict == true))
        {
            throw new MigrationKitException(
                $"Lint found {unacknowledged} unacknowledged finding{(unacknowledged == 1 ? "" : "s")} in the revisions to upgrade; nothing was run.",
                "Make the changes the safe way, or acknowledge each on its revision with [AcknowledgeLint(\"rule-id\", \"reason\")].");
        }
    }

    private string Script(AppScope app, string[] range)
    {
        if (range.Length > 2)
        {
            throw new MigrationKitException($"'{string.Join(':', range)}' is not a FROM:TO range.");
        }

        IReadOnlyList<string> from;
        if (range.Length == 2)
        {
            // The version table as it would be after upgrading from nothing to FROM.
            from = range[0] is "" or "base" ? [] : app.Graph.PlanUpgrade([], range[0]).HeadsAfter;
        }
        else if (direction == MigrationDirection.Downgrade)
        {
            // Offline there is no database to read the start from (Alembic refuses the same way).
            throw new MigrationKitException("downgrade --sql needs a FROM:TO range.", $"For example: downgrade --sql head:{range[0]}");
        }
        else
        {
            from = [];
        }

        // The script sets the lock and statement timeouts the command would run with.
        var options = app.RunnerOptions(live: _live.Over(app.Settings.LiveDatabase));
        return new Runner.RevisionRunner(app.Context, app.Catalog, options).Script(direction, from, range[^1]);
    }
}
