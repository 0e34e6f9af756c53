using MigrationKit.Core;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// Finds and builds the app, and runs this same tool again inside the app's dependency graph
/// (`dotnet exec --depsfile app.deps.json ...`) for commands that need its DbContext, so the
/// app's own EF Core and provider versions load, not ours: one tool serves every EF Core 10.x patch.
/// </summary>
internal sealed class AgentLauncher
{
    private readonly ProjectInfo _startup;
    private readonly PreparedAgent? _prepared;
    private readonly bool _separate;

    private AgentLauncher(ProjectInfo startup, AppLocation app, PreparedAgent? prepared, bool separate)
    {
        _startup = startup;
        App = app;
        _prepared = prepared;
        _separate = separate;
    }

    public AppLocation App { get; }

    /// <param name="modelOnly">The command reads the model and the snapshots and runs no revision: the model may be compiled alone (<see cref="ModelBuild"/>).</param>
    /// <param name="writesCode">The command writes C# through EF Core (autogenerate): what that needs is prepared while the app compiles.</param>
    /// <param name="whileChecking">
    /// Called, for a project that is its own startup project, with where the app was at the last
    /// build, while its files are checked for changes (<see cref="App"/> when nothing needs
    /// building); the task it returns reads that assembly, and a build waits for it to end.
    /// </param>
    public static async Task<AgentLauncher> LocateAsync(
        GlobalOptions options, bool modelOnly, bool writesCode, CancellationToken cancellationToken, Func<AppLocation, Task>? whileChecking = null)
    {
        var projectFile = ProjectInfo.FindProjectFile(options.Project);
        var startupFile = options.StartupProject is null ? projectFile : ProjectInfo.FindProjectFile(options.StartupProject);
        PreparedAgent? prepared = null;
        var separate = false;
        void WhileCompiling(ProjectInfo info, bool assemblyStays)
        {
            if (prepared is not null)
            {
                // The model did not compile alone and the whole app compiles now: the context
                // may hold the assembly it replaces, and this runtime would keep handing out the
                // old one (it caches what it loaded by path), so the agent runs in a process of its own.
                prepared = null;
                separate = true;
                return;
            }

            // The compiler alone leaves the dependency manifest as it is: the app's graph can be
            // loaded now, and what the command will need prepared on another core meanwhile.
            if (!writesCode || startupFile != projectFile || Environment.GetEnvironmentVariable(SeparateProcessVariable) == "1")
            {
                return;
            }

            var images = NativeImages.ForThisProcess();
            if (AppLoadContext.TryCreate(info, Location(info), ToolDirectory, images) is { } context)
            {
                context.PrepareCodeGeneration(assemblyStays ? info.TargetPath : null, options.Context ?? ToolSettings.Load(info.ProjectDirectory).Context);
                prepared = new PreparedAgent(context, images);
            }
        }

        // Building the startup project builds the revisions project it references.
        var (startup, model) = await ProjectInfo.ReadAsync(
            startupFile, options.Configuration, options.Framework, build: !options.NoBuild, modelOnly && startupFile == projectFile, cancellationToken, WhileCompiling,
            whileChecking is null || startupFile != projectFile ? null : info => whileChecking(Location(info)));
        var project = startupFile == projectFile
            ? startup
            : (await ProjectInfo.ReadAsync(projectFile, options.Configuration, options.Framework, build: false, modelOnly: false, cancellationToken)).Info;
        foreach (var assembly in new[] { startup.TargetPath, project.TargetPath }.Distinct())
        {
            if (!File.Exists(assembly))
            {
                throw new MigrationKitException($"The app's assembly '{assembly}' does not exist.", "Build the project, or drop --no-build.");
            }
        }

        return new AgentLauncher(startup, new AppLocation(project.TargetPath, startup.TargetPath, project.ProjectDirectory, project.RootNamespace, model), prepared, separate);
    }

    private static AppLocation Location(ProjectInfo info) => new(info.TargetPath, info.TargetPath, info.ProjectDirectory, info.RootNamespace);

    private static string ToolDirectory => Path.GetDirectoryName(NativeImages.ToolAssembly)!;

    /// <summary>The app's graph loaded in this process while the app compiled, and the images it loads from.</summary>
    private sealed record PreparedAgent(AppLoadContext Context, NativeImages? Images);

    /// <summary>Set to 1 to run the agent as a process of its own even when it could run in ours.</summary>
    public const string SeparateProcessVariable = "MIGRATEKIT_AGENT_PROCESS";

    /// <param name="inProcess">False runs the agent as a process of its own whatever the app needs.</param>
    public async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken, bool inProcess = true)
    {
        var toolAssembly = NativeImages.ToolAssembly;
        // A second runtime costs a start-up and compiling our code again: when the app needs
        // only the runtime we already run on, its graph is loaded into a context of this process.
        inProcess &= !_separate;
        var images = inProcess && _prepared is not null ? _prepared.Images : NativeImages.ForThisProcess();
        var prepared = inProcess ? _prepared?.Context : null;
        if (inProcess && Environment.GetEnvironmentVariable(SeparateProcessVariable) != "1"
            && (prepared ?? AppLoadContext.TryCreate(_startup, App, ToolDirectory, images)) is { } context)
        {
            foreach (var (name, value) in App.ToAgentVariables())
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Serilog.Log.Debug("Running the agent in this process");
            try
            {
                return context.RunAgent(arguments);
            }
            finally
            {
                images?.CompileMissing(context.Files, _startup.PackageFolders);
            }
        }

        var variables = new Dictionary<string, string>(App.ToAgentVariables());
        if (Environment.GetEnvironmentVariable("DOTNET_TieredPGO") is null)
        {
            // As in our own runtimeconfig: profiling for a later re-compile costs a short run time.
            variables["DOTNET_TieredPGO"] = "0";
        }

        var exec = new List<string> { "exec", "--depsfile", _startup.DepsFile };
        exec.AddRange(["--runtimeconfig", _startup.RuntimeConfigFile is { } config && File.Exists(config)
            ? config
            : Path.ChangeExtension(toolAssembly, ".runtimeconfig.json")]);
        foreach (var folder in _startup.PackageFolders)
        {
            exec.AddRange(["--additionalprobingpath", folder]);
        }

        exec.Add(toolAssembly);
        exec.AddRange(arguments);
        Serilog.Log.Debug("Running the agent as a process of its own");
        return await ProcessRunner.AttachedAsync(Directory.GetCurrentDirectory(), exec, variables);
    }
}
