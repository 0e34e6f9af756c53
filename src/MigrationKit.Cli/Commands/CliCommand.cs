using McMaster.Extensions.CommandLineUtils;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// One command: its options, and the one operation it runs. Commands are thin: they parse,
/// call the graph or the runner, print, and leave failures to the one error path in
/// <see cref="CliApplication"/>.
/// </summary>
internal abstract class CliCommand
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>False for commands that run before any app exists (init).</summary>
    public virtual bool NeedsApp => true;

    /// <summary>
    /// Whether the command needs the app's DbContext, and so must run inside the app's
    /// dependency graph; asked after parsing. Graph-only commands answer from metadata.
    /// </summary>
    public virtual bool NeedsDatabase => true;

    /// <summary>
    /// Whether the command reads only the app's model and the revisions' snapshots, running no
    /// revision: the tool may then compile the model without the revisions (<c>Hosting/ModelBuild</c>).
    /// </summary>
    public virtual bool ReadsOnlyModel => false;

    /// <summary>Whether the command writes C# through EF Core's generators (autogenerate), which the tool prepares while the app compiles.</summary>
    public virtual bool WritesCode => false;

    public abstract void Configure(CommandLineApplication command);

    /// <summary>Runs inside the agent, with the app loaded (or with no app when <see cref="NeedsApp"/> is false).</summary>
    public abstract Task<int> ExecuteAsync(AppScope? app, CancellationToken cancellationToken);

    protected static AppScope Require(AppScope? app) => app ?? throw new InvalidOperationException("This command needs the app.");

    protected static TextWriter Out => Console.Out;
}
