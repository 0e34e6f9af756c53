using System.Reflection;
using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Cli.Commands;
using MigrationKit.Cli.Hosting;
using MigrationKit.Core;
using Serilog;

namespace MigrationKit.Cli;

/// <summary>
/// The command tree and the one place where failures become output and exit codes:
/// an expected failure is one line on standard error and exit 1; a usage error exit 2;
/// anything else is a bug, printed in one line too unless --verbose asks for the trace.
/// </summary>
internal static class CliApplication
{
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>Interrupted by Ctrl-C: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;

    private static volatile bool s_interrupted;

    /// <summary>The agent's answer when the model it was given cannot serve (<see cref="MigrationKit.Design.ModelCompiledApartException"/>): build all of the app and run it again.</summary>
    private const int FullBuildNeeded = 75;

    public static int Run(string[] arguments)
    {
        var verbose = GlobalOptions.VerboseRequested(arguments);
        var parsed = RelativeArguments.Escape(arguments);
        Logging.Configure(verbose);
        try
        {
            return Build(arguments).Execute(parsed);
        }
        catch (CommandParsingException e)
        {
            return Fail(e.Message, "Run `dotnet migratekit --help` for usage.", UsageError);
        }
        catch (MigrationKitException e) when (AppLocation.OfAgent is { ModelAssembly: not null } && IsModelCompiledApart(e))
        {
            Log.Debug("{Reason}: compiling all of the app", e.Message);
            return FullBuildNeeded;
        }
        catch (MigrationKitException e)
        {
            if (verbose)
            {
                Console.Error.WriteLine(Secrets.Redact(e.ToString()));
            }

            return Fail(e.Message, e.Hint, s_interrupted ? Interrupted : Failure);
        }
        catch (OperationCanceledException e) when (s_interrupted)
        {
            if (verbose)
            {
                Console.Error.WriteLine(Secrets.Redact(e.ToString()));
            }

            return Fail("Interrupted", null, Interrupted);
        }
        catch (Exception e)
        {
            // A bug: the message without the exception's type, which tells a user nothing.
            if (verbose)
            {
                Console.Error.WriteLine(Secrets.Redact(e.ToString()));
                return Fail(e.Message, null, Failure);
            }

            return Fail(e.Message, "Run again with --verbose for details.", Failure);
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    private static CommandLineApplication Build(string[] arguments)
    {
        // Unexpected arguments are collected, not thrown: the parser's own refusal also prints a
        // hint on standard output, and a usage error is one line on standard error.
        var root = new CommandLineApplication(throwOnUnexpectedArg: false)
        {
            Name = "dotnet migratekit",
            FullName = "MigrationKit",
            Description = "Alembic's revision-graph migrations for EF Core applications.",
        };
        root.HelpOption("-h|--help", inherited: true);
        var version = root.Option("--version", "Show the tool's version.", CommandOptionType.NoValue);
        var options = new GlobalOptions(root);
        CliCommand[] commands =
        [
            new InitCommand(options),
            new RevisionCommand(),
            new MergeCommand(),
            new SnapshotsCommand(),
            new MigrateCommand(MigrationDirection.Upgrade),
            new MigrateCommand(MigrationDirection.Downgrade),
            new SquashCommand(),
            new CurrentCommand(),
            new HistoryCommand(),
            new HeadsCommand(),
            new BranchesCommand(),
            new ShowCommand(),
            new CheckCommand(),
            new LintCommand(),
            new TestCommand(),
            new StampCommand(),
            new CopyCommand(),
            new ExportCommand(),
            new ImportCommand(),
            new ImportEfCommand(),
        ];
        foreach (var command in commands)
        {
            root.Command(command.Name, sub =>
            {
                sub.Description = command.Description;
                sub.ThrowOnUnexpectedArgument = false;
                // A missing required argument is a usage error like any other: one line, exit 2.
                sub.ValidationErrorHandler = result => RefuseUnexpected(sub, command.Name)
                    ?? Fail(result.ErrorMessage ?? "Invalid arguments.", $"Run `dotnet migratekit {command.Name} --help` for usage.", UsageError);
                command.Configure(sub);
                sub.OnExecute(() => RefuseUnexpected(sub, command.Name) is { } refused
                    ? Task.FromResult(refused)
                    : ExecuteAsync(command, options, arguments));
            });
        }

        root.OnExecute(() =>
        {
            if (RefuseUnexpected(root, null) is { } refused)
            {
                return refused;
            }

            if (version.HasValue())
            {
                Console.Out.WriteLine(ToolVersion);
                return 0;
            }

            root.ShowHelp();
            return UsageError;
        });
        return root;
    }

    /// <summary>The package version the tool was packed with (without the commit the SDK appends after '+').</summary>
    private static string ToolVersion
        => typeof(CliApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>The usage error for the first argument the parser did not expect; null when there is none.</summary>
    private static int? RefuseUnexpected(CommandLineApplication command, string? name)
    {
        if (command.RemainingArguments.FirstOrDefault() is not { } unexpected)
        {
            return null;
        }

        var help = name is null ? "`dotnet migratekit --help`" : $"`dotnet migratekit {name} --help`";
        return unexpected.StartsWith('-')
            ? Fail($"Unrecognized option '{unexpected}'.", $"Run {help} for usage.", UsageError)
            : Fail($"Unrecognized command or argument '{RelativeArguments.Unescape(unexpected)}'.", $"Run {help} for usage.", UsageError);
    }

    private static async Task<int> ExecuteAsync(CliCommand command, GlobalOptions options, string[] arguments)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The command stops at its next wait and says what state it left (exit 130).
            e.Cancel = true;
            s_interrupted = true;
            cancellation.Cancel();
        };

        if (!command.NeedsApp)
        {
            return await command.ExecuteAsync(null, cancellation.Token);
        }

        var location = AppLocation.OfAgent;
        if (location is null)
        {
            // The tool's own process: build the app; run again inside it when the command needs
            // its DbContext, answer here from the assembly's metadata when the graph is enough.
            var early = new EarlyGraph(options);
            var launcher = await AgentLauncher.LocateAsync(
                options, command.ReadsOnlyModel, command.WritesCode, cancellation.Token, command.NeedsDatabase ? null : early.Start);
            if (command.NeedsDatabase)
            {
                var exitCode = await launcher.RunAsync(arguments, cancellation.Token);
                if (exitCode == FullBuildNeeded && launcher.App.ModelAssembly is not null)
                {
                    // An agent in this process closed the logger it shares with us.
                    Logging.Configure(GlobalOptions.VerboseRequested(arguments));
                    launcher = await AgentLauncher.LocateAsync(options, modelOnly: false, writesCode: false, cancellation.Token);
                    // In a process of its own: this runtime keeps the assembly it loaded from the
                    // output folder, by path, and would hand the old one to a new load of the rebuilt file.
                    exitCode = await launcher.RunAsync(arguments, cancellation.Token, inProcess: false);
                }

                return exitCode;
            }

            using var graphOnly = await early.ScopeAsync(launcher.App);
            return await command.ExecuteAsync(graphOnly, cancellation.Token);
        }

        Log.Debug("Running {Command} inside the app", command.Name);
        // As under EF Core's own tools: the app's code that asks skips what only the running app does.
        Microsoft.EntityFrameworkCore.EF.IsDesignTime = true;
        using var app = new AppScope(location, options, insideApp: true);
        return await command.ExecuteAsync(app, cancellation.Token);
    }

    /// <summary>
    /// The graph of a command that needs no database, read from the last build's assembly on
    /// another thread while the project's files are checked: kept when that check built nothing.
    /// </summary>
    private sealed class EarlyGraph(GlobalOptions options)
    {
        private AppScope? _scope;
        private Task? _reading;
        private DateTime _writtenUtc;

        public Task Start(AppLocation location)
        {
            _scope = new AppScope(location, options, insideApp: false);
            _writtenUtc = File.GetLastWriteTimeUtc(location.RevisionsAssembly);
            return _reading = Task.Run(() => _scope.Graph);
        }

        /// <summary>The scope to run in: the one read early when the app is where it was, else a new one.</summary>
        public async Task<AppScope> ScopeAsync(AppLocation location)
        {
            if (_scope is { } scope && _reading is { } reading)
            {
                try
                {
                    await reading;
                }
                catch (Exception)
                {
                    // Read again by the command, where a failure is reported as usual.
                }

                if (scope.Location == location && File.GetLastWriteTimeUtc(location.RevisionsAssembly) == _writtenUtc)
                {
                    return scope;
                }

                scope.Dispose();
            }

            return new AppScope(location, options, insideApp: false);
        }
    }

    // Its own method, so that the design assembly loads only in an agent given a model compiled apart.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsModelCompiledApart(Exception e) => e is MigrationKit.Design.ModelCompiledApartException;

    private static int Fail(string message, string? hint, int exitCode)
    {
        Console.Error.WriteLine("ERROR: " + Secrets.Redact(Runner.RevisionRunner.OneLine(message, hint)));
        return exitCode;
    }
}
