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
        var revisions = await RevisionsAsync(app, cancellationToken);
        var findings = new RevisionLinter(app.Context, app.LintSettings).Lint(app.Catalog, revisions);
        await Out.WriteLineAsync(_json.HasValue() ? LintOutput.Json(findings, revisions.Count) : LintOutput.Text(findings, revisions.Count));
        return findings.Any(f => !f.IsAcknowledged) ? CliApplication.Failure : 0;
    }

    /// <summary>The revisions to lint, in the order an upgrade runs them.</summary>
    private async Task<IReadOnlyList<string>> RevisionsAsync(AppScope app, CancellationToken cancellationToken)
    {
        var graph = app.Graph;
        var range = _range.Value is { } text ? RelativeArguments.Unescape(text) : null;
        if (_database.HasValue())
        {
            if (range is not null)
            {
                throw new MigrationKitException($"lint --database takes no range, not '{range}': it lints from the database's heads to the heads.");
            }

            var (heads, _) = await app.ReadCurrentHeadsAsync(cancellationToken);
            graph.ValidateCurrentHeads(heads);
            return Ids(graph.PlanUpgrade(heads, "heads"));
        }

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
