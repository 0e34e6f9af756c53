using McMaster.Extensions.CommandLineUtils;

namespace MigrationKit.Cli;

/// <summary>The options every command takes, named as `dotnet ef` names them.</summary>
internal sealed class GlobalOptions
{
    private readonly CommandOption _project;
    private readonly CommandOption _startupProject;
    private readonly CommandOption _context;
    private readonly CommandOption _configuration;
    private readonly CommandOption _framework;
    private readonly CommandOption _noBuild;
    private readonly CommandOption _connection;
    private readonly CommandOption _verbose;

    public GlobalOptions(CommandLineApplication root)
    {
        _project = root.Option("-p|--project <PROJECT>", "The project that holds the revisions (folder or .csproj). Default: the current folder.", CommandOptionType.SingleValue, inherited: true);
        _startupProject = root.Option("-s|--startup-project <PROJECT>", "The project whose DbContext configuration to use. Default: --project.", CommandOptionType.SingleValue, inherited: true);
        _context = root.Option("-c|--context <DBCONTEXT>", "The DbContext to use, when the app has several.", CommandOptionType.SingleValue, inherited: true);
        _configuration = root.Option("--configuration <CONFIGURATION>", "The build configuration. Default: Debug.", CommandOptionType.SingleValue, inherited: true);
        _framework = root.Option("--framework <FRAMEWORK>", "The target framework, for projects with several.", CommandOptionType.SingleValue, inherited: true);
        _noBuild = root.Option("--no-build", "Do not build the project first.", CommandOptionType.NoValue, inherited: true);
        _connection = root.Option("--connection <CONNECTION>", "The connection string. Default: $MIGRATEKIT_CONNECTION, then the app's own configuration.", CommandOptionType.SingleValue, inherited: true);
        _verbose = root.Option("--verbose", "Show the SQL and every detail; print stack traces of errors.", CommandOptionType.NoValue, inherited: true);
    }

    public string? Project => _project.Value();
    public string? StartupProject => _startupProject.Value();
    public string? Context => _context.Value();
    public string? Configuration => _configuration.Value();
    public string? Framework => _framework.Value();
    public bool NoBuild => _noBuild.HasValue();
    public string? Connection => _connection.Value();
    public bool Verbose => _verbose.HasValue();

    /// <summary>Read before parsing, so that errors during parsing already know how much to print.</summary>
    public static bool VerboseRequested(IEnumerable<string> arguments) => arguments.Contains("--verbose");
}
