using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Lint;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>lint [RANGE]</c>: the findings of the lint rules for the revisions in the range, on the
/// app's provider; fails (for CI) when one is not acknowledged.
/// </summary>
internal sealed class LintCommand : CliCommand
{
    private CommandArgument _range = null!;
    private CommandOption _database = null!;
    private CommandOption _json = null!;

    public override string Name => "lint";

    public override string Description => "Check the SQL of revisions for locks and rewrites that hurt a live database; fails on unacknowledged findings.";

    public override void Configure(CommandLineApplication command)
    {
        _range = command.Argument("range", "Nothing: every revision; REV: that revision; FROM:TO: the revisions an upgrade from FROM to TO runs.");
        _database = command.Option("--database", "Lint the revisions an upgrade of the database would run: from its current heads to the heads.", CommandOptionType.NoValue);
        _json = command.Option("--json", "Print JSON.", CommandOptionType.NoValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var plan = await PlanAsync(app, cancellationToken);
        var revisions = plan?.Steps.Select(s => s.Revision.Id).ToList() ?? Revisions(app);
        var findings = new RevisionLinter(app.Context, app.LintSettings).Lint(app.Catalog, revisions);
        // With --database, what each destructive step would lose there, as `upgrade` counts it before the step.
        var losses = plan is null ? null : await app.Runner.CountDataLossAsync(plan, cancellationToken);
        await Out.WriteLineAsync(_json.HasValue()
            ? LintOutput.Json(findings, revisions.Count, losses)
            : LintOutput.Text(findings, revisions.Count, losses));
        var refusedLoss = app.Settings.RefuseDataLoss && losses?.Any(l => l.Count > 0) == true;
        return findings.Any(f => !f.IsAcknowledged) || refusedLoss ? CliApplication.Failure : 0;
    }

    /// <summary>With --database, the plan an upgrade of the database to the heads would run; else null.</summary>
    private async Task<MigrationPlan?> PlanAsync(AppScope app, CancellationToken cancellationToken)
    {
        if (!_database.HasValue())
        {
            return null;
        }

        if (_range.Value is { } range)
        {
            throw new MigrationKitException($"lint --database takes no range, not '{range}': it lints from the database's heads to the heads.");
        }

        var (state, _) = await app.ReadCurrentStateAsync(withJournal: false, cancellationToken);
        app.Graph.ValidateCurrentHeads(state.Heads);
        return app.Graph.PlanUpgrade(state.Heads, "heads");
    }

    /// <summary>The revisions to lint, in the order an upgrade runs them.</summary>
    private IReadOnlyList<string> Revisions(AppScope app)
    {
        var graph = app.Graph;
        var range = _range.Value is { } text ? RelativeArguments.Unescape(text) : null;
        if (range is null)
        {
            return Ids(graph.PlanUpgrade([], "heads"));
        }

        var ends = range.Split(':');
        return ends.Length switch
        {
            // "head"/"heads" name what upgrading from nothing would reach, as `show` takes them.
            1 => range is "head" or "heads" ? [.. graph.PlanUpgrade([], range).HeadsAfter] : [graph.Resolve(range).Id],
            // The version table as it would be after upgrading from nothing to FROM, as `upgrade --sql FROM:TO` takes it.
            2 => Ids(graph.PlanUpgrade(ends[0] is "" or "base" ? [] : graph.PlanUpgrade([], ends[0]).HeadsAfter, ends[1] is "" ? "heads" : ends[1])),
            _ => throw new MigrationKitException($"'{range}' is not a revision or a FROM:TO range."),
        };
    }

    private static List<string> Ids(MigrationPlan plan) => plan.Steps.Select(s => s.Revision.Id).ToList();
}
