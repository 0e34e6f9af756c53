using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Output;
using MigrationKit.Core;
using MigrationKit.Transfer;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>copy --from CONN [--to CONN]</c>: every table of the model from one database into another at
/// the same revision: PostgreSQL or SQLite at either end, each told by its connection string.
/// </summary>
internal sealed class CopyCommand : CliCommand
{
    private CommandOption _from = null!;
    private CommandOption _to = null!;
    private CommandOption _jobs = null!;
    private CommandOption _onConflict = null!;
    private CommandOption _truncate = null!;
    private CommandOption _where = null!;
    private CommandOption _tables = null!;
    private CommandOption _exclude = null!;
    private CommandOption _force = null!;
    private CommandOption _disableTriggers = null!;
    private CommandOption _verify = null!;
    private CommandOption _resume = null!;
    private CommandOption _splitAbove = null!;
    private CommandOption _lockWait = null!;

    public override string Name => "copy";

    public override string Description => "Copy the model's tables from another database (PostgreSQL or a SQLite file) at the same revision.";

    public override void Configure(CommandLineApplication command)
    {
        _from = command.Option("--from <CONNECTION>", "The source's connection string: Host=... for PostgreSQL, Data Source=PATH for a SQLite file.", CommandOptionType.SingleValue).IsRequired();
        _to = command.Option("--to <CONNECTION>", "The target's connection string (PostgreSQL or SQLite). Default: the app's own database (--connection).", CommandOptionType.SingleValue);
        _jobs = command.Option("-j|--jobs <N>", "Tables copied at once between PostgreSQL databases (with SQLite: one at a time). Default: the number of cores.", CommandOptionType.SingleValue);
        _onConflict = command.Option("--on-conflict <MODE>", "A row whose key exists in the target: error (default), skip, or update.", CommandOptionType.SingleValue)
            .Accepts(v => v.Values("error", "skip", "update"));
        _truncate = command.Option("--truncate", "Empty each selected table in the transaction that loads it (a failed copy leaves it as it was).", CommandOptionType.NoValue);
        _where = command.Option("--where <FILTER>", "TABLE:PREDICATE: copy only the rows of TABLE where PREDICATE holds, e.g. \"orders:created_at >= '2024-01-01' AND status IN ('open', 'paid')\" (the table's columns, literals, comparisons, AND/OR/NOT, IN, BETWEEN, IS NULL, LIKE, casts, a few pure functions; repeatable).", CommandOptionType.MultipleValue);
        (_tables, _exclude) = TableOptions.Add(command);
        _force = command.Option("--force", "Go on despite revision or column differences, copying the columns that line up.", CommandOptionType.NoValue);
        _disableTriggers = command.Option("--disable-triggers", "Load with triggers and foreign-key checks off (a PostgreSQL target; needs a superuser).", CommandOptionType.NoValue);
        _verify = command.Option("--verify", "Compare row counts and checksums of both ends afterwards.", CommandOptionType.NoValue);
        _resume = command.Option("--resume", "Finish an interrupted copy: skip the tables it completed.", CommandOptionType.NoValue);
        _lockWait = LockWaitOption.Add(command);
        _splitAbove = command.Option("--split-above <MB>", "Read a table larger than this on the source as key ranges, several at once (0: never). Default: 512.", CommandOptionType.SingleValue);
    }

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        var app = Require(scope);
        var options = new CopyOptions
        {
            VersionTable = app.Settings.VersionTable,
            Jobs = Jobs(),
            OnConflict = _onConflict.Value() switch { "skip" => ConflictMode.Skip, "update" => ConflictMode.Update, _ => ConflictMode.Error },
            Truncate = _truncate.HasValue(),
            DisableTriggers = _disableTriggers.HasValue(),
            Force = _force.HasValue(),
            Verify = _verify.HasValue(),
            Resume = _resume.HasValue(),
            Where = Where(),
            SplitAbove = SplitAbove(),
            LockWait = LockWaitOption.Value(_lockWait),
        };
        var result = await TransferOperations.CopyAsync(
            app.Context, _from.Value()!, _to.Value(), TableOptions.Names(_tables), TableOptions.Names(_exclude), options, TransferProgressPrinter.ForStandardError(), cancellationToken);
        var copied = result.Tables.Where(t => !t.Skipped).ToList();
        await Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Copied {copied.Count} tables, {copied.Sum(t => t.Rows)} rows{(options.Verify ? ", verified" : "")}."));
        return 0;
    }

    private int Jobs()
    {
        if (!_jobs.HasValue())
        {
            return Environment.ProcessorCount;
        }

        return int.TryParse(_jobs.Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var jobs) && jobs > 0
            ? jobs
            : throw new MigrationKitException($"--jobs must be a whole number above 0, not '{_jobs.Value()}'.");
    }

    private long SplitAbove()
    {
        if (!_splitAbove.HasValue())
        {
            return new CopyOptions().SplitAbove;
        }

        return long.TryParse(_splitAbove.Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes < long.MaxValue / (1024 * 1024)
            ? megabytes * 1024 * 1024
            : throw new MigrationKitException($"--split-above must be a whole number of megabytes, not '{_splitAbove.Value()}'.");
    }

    private Dictionary<string, string> Where()
    {
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in _where.Values.OfType<string>())
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new MigrationKitException($"--where '{value}' names no table.", "Write --where TABLE:PREDICATE, e.g. --where \"orders:id > 100\".");
            }

            filters[value[..colon]] = value[(colon + 1)..];
        }

        return filters;
    }
}
