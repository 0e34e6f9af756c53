using System.Diagnostics;
using System.Runtime.CompilerServices;
using McMaster.Extensions.CommandLineUtils;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Core;
using MigrationKit.Design;
using MigrationKit.Design.Drift;
using MigrationKit.Runner.Fleet;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>check</c>: fails (for CI) when the app's model has changes that no revision holds, that is,
/// when `revision --autogenerate` on the head would write something; with <c>--database</c>, when
/// the database drifted from its revision's snapshot; with <c>--applied</c>, when revisions changed
/// after they ran on the database.
/// </summary>
internal sealed class CheckCommand : CliCommand
{
    private CommandOption _database = null!;
    private CommandOption _applied = null!;
    private CommandOption _json = null!;
    private FleetArguments _fleet = null!;

    public override string Name => "check";

    public override string Description => "Fail when the model has changes that no revision holds yet; with --database, when the database differs from its revision's snapshot; with --applied, when revisions changed after they ran on the database.";

    // --applied generates the revisions' SQL, so it needs them compiled.
    public override bool ReadsOnlyModel => !_applied.HasValue();

    public override void Configure(CommandLineApplication command)
    {
        _database = command.Option("--database", "Compare the live database with the model of the revision it is at (drift made by hand).", CommandOptionType.NoValue);
        _applied = command.Option("--applied", "Compare what ran on the database (its history) with the revisions' SQL now: edited after apply, or gone from the app.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON (with --applied, or a fleet's report with --database).", CommandOptionType.NoValue);
        _fleet = new FleetArguments(command, _json);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        if (_fleet.Requested(ownJson: true))
        {
            return _database.HasValue() && !_applied.HasValue()
                ? await _fleet.RunAsync(app, app.RunnerOptions(), (runner, targets, token) => runner.RunAsync("check", targets, DriftJob(app), token), cancellationToken)
                : throw new MigrationKitException("check runs over a fleet only with --database (drift of each database).");
        }

        if (_json.HasValue() && !_applied.HasValue())
        {
            throw new MigrationKitException("--json is only for check --applied.", "Run `check --applied --json`.");
        }

        if (_applied.HasValue())
        {
            return _database.HasValue()
                ? throw new MigrationKitException("check takes --applied or --database, not both.", "Run them as two checks.")
                : await CheckAppliedAsync(app, _json.HasValue(), cancellationToken);
        }

        if (_database.HasValue())
        {
            return await CheckDatabaseAsync(app, cancellationToken);
        }

        // The head that a new revision would build on; several heads are refused the same way.
        var parents = app.Graph.ParentsForNewRevision("head", splice: false, []);
        var operations = new Autogenerator(app.Context, app.ModelAssembly, app.StartupAssembly)
            .PendingOperations(app.Catalog, parents.Count == 0 ? null : parents[0]);
        if (operations.Count == 0)
        {
            await Out.WriteLineAsync("No new upgrade operations detected.");
            return 0;
        }

        await Out.WriteLineAsync($"New upgrade operations detected ({operations.Count}); add them with `revision --autogenerate -m MESSAGE`:");
        foreach (var operation in operations)
        {
            await Out.WriteLineAsync("  " + OperationDescriptions.Describe(operation));
        }

        return CliApplication.Failure;
    }

    /// <summary>`check --database`: drift between the live schema and the current revision's snapshot.</summary>
    private static async Task<int> CheckDatabaseAsync(AppScope app, CancellationToken cancellationToken)
    {
        var (revision, differences) = await DriftAsync(app, app.Runner, () => new DriftDetector(app.Context, app.ModelAssembly, app.StartupAssembly), schema: null, cancellationToken);
        var at = revision ?? "base";
        if (differences.Count == 0)
        {
            await Out.WriteLineAsync($"No drift: the database matches the model of revision {at}.");
            return 0;
        }

        await Out.WriteLineAsync($"The database differs from the model of revision {at} ({differences.Count}):");
        foreach (var difference in differences)
        {
            await Out.WriteLineAsync("  " + difference);
        }

        return CliApplication.Failure;
    }

    /// <summary>
    /// `check --database` over a fleet, per target: drift is that target's failure, with the
    /// differences as its detail. One detector per worker's context (its design-time services cost the most).
    /// </summary>
    private static Func<FleetTarget, DbContext, CancellationToken, Task<TargetResult>> DriftJob(AppScope app)
    {
        var detectors = new ConditionalWeakTable<DbContext, DriftDetector>();
        return async (target, context, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var runner = new Runner.RevisionRunner(context, app.Catalog, app.RunnerOptions(), Serilog.Log.Logger, new Runner.GeneratedSteps(), target.Schema);
            var (revision, differences) = await DriftAsync(app, runner,
                () => detectors.GetValue(context, c => new DriftDetector(c, app.ModelAssembly, app.StartupAssembly)), target.Schema, token);
            IReadOnlyList<string> heads = revision is null ? [] : [revision];
            return differences.Count == 0
                ? new TargetResult(target.Name, TargetStatus.Unchanged, heads, heads, 0, Stopwatch.GetElapsedTime(started), null)
                : new TargetResult(target.Name, TargetStatus.Failed, heads, heads, 0, Stopwatch.GetElapsedTime(started),
                    $"differs from the model of revision {revision ?? "base"} ({differences.Count}): {differences[0]}{(differences.Count > 1 ? ", ..." : "")}",
                    string.Join(Environment.NewLine, differences));
        };
    }

    /// <summary>The revision a database is at and how its schema differs from that revision's model.</summary>
    private static async Task<(string? Revision, IReadOnlyList<string> Differences)> DriftAsync(
        AppScope app, Runner.RevisionRunner runner, Func<DriftDetector> detector, string? schema, CancellationToken cancellationToken)
    {
        var heads = await runner.GetCurrentHeadsAsync(cancellationToken);
        app.Graph.ValidateCurrentHeads(heads);
        if (heads.Count > 1)
        {
            throw new MigrationKitException(
                $"The database is at several revisions ({string.Join(", ", heads)}), and no one snapshot holds them all",
                "Upgrade it to a merge of them first (`merge heads`, then `upgrade head`).");
        }

        var revision = heads.Count == 0 ? null : heads[0];
        return (revision, detector().Find(app.Catalog, revision, app.Settings.VersionTable, schema));
    }

    /// <summary>`check --applied`: revisions edited since they ran on the database, and ones it ran that the app no longer has.</summary>
    private static async Task<int> CheckAppliedAsync(AppScope app, bool json, CancellationToken cancellationToken)
    {
        var check = await app.Runner.CheckAppliedAsync(cancellationToken);
        if (json)
        {
            await Out.WriteLineAsync(Output.JsonOutput.AppliedCheck(check));
        }
        else if (check.Changes.Count == 0)
        {
            await Out.WriteLineAsync(check.Applied == 0
                ? $"Nothing to check: the history of {app.Runner.DescribeConnection()} records no applied revision."
                : $"No change: the {check.Applied} applied {(check.Applied == 1 ? "revision runs" : "revisions run")} the SQL that ran on the database.");
        }
        else
        {
            await Out.WriteLineAsync($"Revisions changed since they ran on the database ({check.Changes.Count}):");
            foreach (var change in check.Changes)
            {
                await Out.WriteLineAsync("  " + Output.HistoryOutput.Change(change, app.Graph));
            }
        }

        return check.Changes.Count == 0 ? 0 : CliApplication.Failure;
    }
}
