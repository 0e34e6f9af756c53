using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Lint;
using MigrationKit.Runner;
using MigrationKit.Runner.Rehearsal;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>upgrade TARGET --rehearse [--json | --markdown]</c>: the plan run against the database and
/// undone (<see cref="RevisionRunner.RehearseUpgradeAsync"/>), reported with the lint findings of
/// its revisions. Fails (exit 1) where the real run would: a statement that fails, and, as
/// <c>--strict</c> and <c>--refuse-data-loss</c> ask, an unacknowledged finding or a loss above zero.
/// </summary>
internal sealed class RehearseOptions
{
    private readonly CommandOption _rehearse;
    private readonly CommandOption _json;
    private readonly CommandOption _markdown;

    public RehearseOptions(CommandLineApplication command)
    {
        _rehearse = command.Option(
            "--rehearse",
            "Run the plan and undo it, then report per statement its time, rows and locks: PostgreSQL in one transaction rolled back "
            + "(it holds the plan's locks until then), SQLite on a temporary copy of the file. Nothing is changed.",
            CommandOptionType.NoValue);
        _json = command.Option("--json", "With --rehearse: print the report as JSON.", CommandOptionType.NoValue);
        _markdown = command.Option("--markdown", "With --rehearse: print the report as Markdown (a pull-request comment, a CI job summary).", CommandOptionType.NoValue);
    }

    /// <summary>--json, which a fleet's report shares (with a fleet it prints the report).</summary>
    public CommandOption Json => _json;

    public CommandOption Rehearse => _rehearse;

    public CommandOption Markdown => _markdown;

    /// <summary>Whether --rehearse was given; refuses --json or --markdown without it.</summary>
    public bool Requested
    {
        get
        {
            if (!_rehearse.HasValue() && (_json.HasValue() || _markdown.HasValue()))
            {
                throw new MigrationKitException($"--{(_json.HasValue() ? _json : _markdown).LongName} goes with --rehearse.", "Run `upgrade TARGET --rehearse --json`.");
            }

            return _rehearse.HasValue();
        }
    }

    /// <param name="incompatible">Options of upgrade that make no sense for a rehearsal: refused in one line when given.</param>
    public async Task<int> RunAsync(
        AppScope app, RevisionRunner runner, string target, LiveDatabaseChoices live, bool strict, bool refuseDataLoss,
        IEnumerable<CommandOption> incompatible, TextWriter output, CancellationToken cancellationToken)
    {
        if (incompatible.FirstOrDefault(o => o.HasValue()) is { } other)
        {
            throw new MigrationKitException($"--rehearse cannot be used with --{other.LongName}.",
                "A rehearsal runs the plan in one transaction on the database, from a database no revision is part-way through.");
        }

        if (_json.HasValue() && _markdown.HasValue())
        {
            throw new MigrationKitException("--json and --markdown cannot be used together: the report has one form.");
        }

        var report = await runner.RehearseUpgradeAsync(target, cancellationToken);
        var revisions = report.Steps.Select(s => s.Step.Revision.Id).ToList();
        var findings = new RevisionLinter(app.Context, AppScope.LintSettingsFor(live)).Lint(runner, revisions);
        // Decided before the report is printed: a Markdown summary or a script must not read "passed" when the exit is 1.
        var refusal = Refusal(report, findings, strict, refuseDataLoss);
        var refused = report.Succeeded ? refusal?.Message : null;
        await output.WriteLineAsync(_json.HasValue() ? RehearsalOutput.Json(report, findings, refused)
            : _markdown.HasValue() ? RehearsalOutput.Markdown(report, findings, refused)
            : RehearsalOutput.Text(report, findings));
        if (refusal is not null)
        {
            throw refusal;
        }

        return 0;
    }

    /// <summary>Why the rehearsal exits 1: a statement failed, or the real upgrade would refuse to run (or stop part-way); null when it would run.</summary>
    private static MigrationKitException? Refusal(RehearsalReport report, IReadOnlyList<LintFinding> findings, bool strict, bool refuseDataLoss)
    {
        if (!report.Succeeded)
        {
            return new MigrationKitException(RehearsalOutput.Summary(report));
        }

        var unacknowledged = findings.Count(f => !f.IsAcknowledged);
        if (strict && unacknowledged > 0)
        {
            return new MigrationKitException(
                $"Lint found {unacknowledged} unacknowledged finding{(unacknowledged == 1 ? "" : "s")}: with --strict the real upgrade would not run.",
                "Make the changes the safe way, or acknowledge each on its revision with [AcknowledgeLint(\"rule-id\", \"reason\")].");
        }

        if (refuseDataLoss && report.Steps.SelectMany(s => s.DataLoss).FirstOrDefault(l => l.Count > 0) is { } loss)
        {
            return new MigrationKitException(
                $"{loss.Step.Describe()} would lose data ({loss}): with --refuse-data-loss the real upgrade would stop before it.",
                "Move or delete the data first, or run without --refuse-data-loss (setting refuseDataLoss).");
        }

        return null;
    }
}
