using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using Microsoft.EntityFrameworkCore;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Runner;
using MigrationKit.Runner.Fleet;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// The fleet options of upgrade, downgrade, current, check --database and stamp: where the targets
/// come from (exactly one of --targets, --targets-sql, --each-database, --each-schema), how the run
/// is scheduled, and where the report goes. <see cref="RunAsync"/> is the one fleet path of all five.
/// </summary>
internal sealed class FleetArguments
{
    private readonly CommandOption _targets;
    private readonly CommandOption _targetsSql;
    private readonly CommandOption _eachDatabase;
    private readonly CommandOption _eachSchema;
    private readonly CommandOption _parallel;
    private readonly CommandOption _canary;
    private readonly CommandOption _continueOnError;
    private readonly CommandOption _retryFailed;
    private readonly CommandOption _report;
    private readonly CommandOption _json;

    /// <param name="json">The command's own --json, when it has one; else the fleet adds it.</param>
    public FleetArguments(CommandLineApplication command, CommandOption? json = null)
    {
        _targets = command.Option("--targets <FILE>",
            "Run over a fleet: the databases in FILE, one connection string a line, or a JSON list of strings or {\"name\", \"connection\", \"schema\"}.",
            CommandOptionType.SingleValue);
        _targetsSql = command.Option("--targets-sql <SQL>",
            "Run over a fleet: the rows (name, connection[, schema]) of SQL, run on the app's database (or --connection).",
            CommandOptionType.SingleValue);
        _eachDatabase = command.Option("--each-database <PATTERN>",
            "Run over a fleet: each database of the app's server whose name matches PATTERN (* and ? wildcards); SQLite: the files PATTERN matches from the project's folder.",
            CommandOptionType.SingleValue);
        _eachSchema = command.Option("--each-schema <PATTERN>",
            "Run over a fleet: each schema of the app's PostgreSQL database that matches PATTERN, first on search_path.",
            CommandOptionType.SingleValue);
        _parallel = command.Option("--parallel <N>", "With a fleet: how many targets run at once. Default: 4.", CommandOptionType.SingleValue);
        _canary = command.Option("--canary <K>", "With a fleet: run the first K targets first; if any fails, start no other.", CommandOptionType.SingleValue);
        _continueOnError = command.Option("--continue-on-error",
            "With a fleet: go on after a target fails (default: finish the running targets, start no more).", CommandOptionType.NoValue);
        _retryFailed = command.Option("--retry-failed <REPORT>",
            "With a fleet: only the targets that failed or did not start in REPORT (a --report file).", CommandOptionType.SingleValue);
        _report = command.Option("--report <FILE>", "With a fleet: write the report (JSON, no connection strings) to FILE.", CommandOptionType.SingleValue);
        _json = json ?? command.Option("--json", "With a fleet: print the report as JSON.", CommandOptionType.NoValue);
    }

    private IEnumerable<CommandOption> Sources => [_targets, _targetsSql, _eachDatabase, _eachSchema];

    /// <summary>
    /// Whether a target source was given; refuses two sources, and the fleet's other options without one
    /// (the command's own --json excepted, which <paramref name="ownJson"/> says it has).
    /// </summary>
    public bool Requested(bool ownJson = false)
    {
        var given = Sources.Where(o => o.HasValue()).ToList();
        if (given.Count > 1)
        {
            throw new MigrationKitException($"--{given[0].LongName} and --{given[1].LongName} are two target sources; give one.");
        }

        if (given.Count == 0)
        {
            CommandOption[] fleetOnly = ownJson
                ? [_parallel, _canary, _continueOnError, _retryFailed, _report]
                : [_parallel, _canary, _continueOnError, _retryFailed, _report, _json];
            if (fleetOnly.FirstOrDefault(o => o.HasValue()) is { } alone)
            {
                throw new MigrationKitException($"--{alone.LongName} goes with a fleet.",
                    "Name the targets with --targets FILE, --targets-sql SQL, --each-database PATTERN or --each-schema PATTERN.");
            }
        }

        return given.Count == 1;
    }

    /// <summary>Refuses, in one line, an option of the command that cannot apply to many targets.</summary>
    public static void Refuse(params (bool Given, string Option, string Why)[] options)
    {
        if (options.FirstOrDefault(o => o.Given) is { Given: true } refused)
        {
            throw new MigrationKitException($"{refused.Option} cannot be used with a fleet: {refused.Why}");
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> over the targets, with the progress line and failure lines
    /// on standard error, then the summary (or the JSON report) on standard output and --report's file.
    /// Exit 1 when a target failed or did not start.
    /// </summary>
    public async Task<int> RunAsync(
        AppScope app, RunnerOptions runnerOptions,
        Func<FleetRunner, IReadOnlyList<FleetTarget>, CancellationToken, Task<FleetReport>> operation, CancellationToken cancellationToken)
    {
        var targets = await TargetsAsync(app, cancellationToken);
        var output = FleetOutput.ForConsole();
        var options = new FleetOptions
        {
            Parallel = Count(_parallel, 1) ?? 4,
            Canary = Count(_canary, 0) ?? 0,
            ContinueOnError = _continueOnError.HasValue(),
            Progress = output,
        };
        var runner = new FleetRunner(app.NewContext, app.Catalog, runnerOptions, options);
        Serilog.Log.Information("Running over {Count} targets, {Parallel} at a time", targets.Count, options.Parallel);
        var clock = Stopwatch.StartNew();
        var report = await operation(runner, targets, cancellationToken);
        output.Finish();
        if (_report.Value() is { } path)
        {
            await File.WriteAllTextAsync(path, report.ToJson(), CancellationToken.None);
        }

        await Console.Out.WriteAsync(_json.HasValue() ? report.ToJson() + Environment.NewLine : FleetOutput.Summary(report, app.Graph, clock.Elapsed));
        if (report.Cancelled)
        {
            throw new OperationCanceledException();
        }

        return report.Succeeded ? 0 : CliApplication.Failure;
    }

    /// <summary>The targets of the source given, less those --retry-failed's report does not name.</summary>
    private async Task<IReadOnlyList<FleetTarget>> TargetsAsync(AppScope app, CancellationToken cancellationToken)
    {
        var project = app.Location.ProjectDirectory;
        IReadOnlyList<FleetTarget> targets;
        if (_targets.Value() is { } file)
        {
            targets = FleetTargets.ReadFile(file, project, ProviderFactory(app));
        }
        else
        {
            await using var connection = AppConnection(app);
            targets = _targetsSql.Value() is { } sql ? await FleetTargets.FromQueryAsync(connection, sql, cancellationToken, project)
                : _eachDatabase.Value() is { } databases ? await FleetTargets.EachDatabaseAsync(connection, databases, cancellationToken, project)
                : await FleetTargets.EachSchemaAsync(connection, _eachSchema.Value()!, cancellationToken);
        }

        var source = Sources.First(o => o.HasValue());
        if (targets.Count == 0)
        {
            throw new MigrationKitException($"--{source.LongName} gives no target.",
                source == _eachDatabase || source == _eachSchema ? "Check the pattern: * and ? are its only wildcards, and case counts." : null);
        }

        return _retryFailed.Value() is { } reportPath ? Retry(targets, FleetReport.ReadFile(reportPath), reportPath) : targets;
    }

    /// <summary>
    /// The targets the report says failed or did not start, as the source gives them now (a report
    /// holds no connection strings); a name the source no longer gives is a warning.
    /// </summary>
    private static IReadOnlyList<FleetTarget> Retry(IReadOnlyList<FleetTarget> targets, FleetReport report, string path)
    {
        var names = report.NamesToRetry();
        var kept = targets.Where(t => names.Contains(t.Name)).ToList();
        var gone = names.Except(kept.Select(t => t.Name), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (gone.Count > 0)
        {
            Serilog.Log.Warning("{Count} target(s) to retry from {Report:l} are no longer among the targets, left out: {Names:l}",
                gone.Count, path, string.Join(", ", gone));
        }

        if (kept.Count == 0)
        {
            throw new MigrationKitException(names.Count == 0
                ? $"The report '{path}' has no failed or unstarted target: nothing to retry."
                : $"None of the {names.Count} targets to retry from '{path}' is among the targets now.");
        }

        Serilog.Log.Information("Retrying {Count} of {Total} targets (failed or not started in {Report:l})", kept.Count, targets.Count, path);
        return kept;
    }

    /// <summary>A new, closed connection of the app's provider to the app's database: a closed one still holds its password, which each target's string keeps.</summary>
    private static DbConnection AppConnection(AppScope app)
    {
        var connectionString = app.Context.Database.GetConnectionString()
                               ?? throw new MigrationKitException("The app's DbContext has no connection string to find the fleet from.",
                                   "Give one with --connection or $" + Hosting.ContextFactory.ConnectionVariable + ".");
        var connection = ProviderFactory(app).CreateConnection()!;
        connection.ConnectionString = connectionString;
        return connection;
    }

    private static DbProviderFactory ProviderFactory(AppScope app)
        => DbProviderFactories.GetFactory(app.Context.Database.GetDbConnection())
           ?? throw new MigrationKitException($"{app.Context.Database.ProviderName} names no ADO.NET provider factory to read the targets with.");

    private static int? Count(CommandOption option, int minimum)
    {
        if (!option.HasValue())
        {
            return null;
        }

        return int.TryParse(option.Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= minimum
            ? count
            : throw new MigrationKitException($"--{option.LongName} must be a whole number, {minimum} or more, not '{option.Value()}'.");
    }
}
