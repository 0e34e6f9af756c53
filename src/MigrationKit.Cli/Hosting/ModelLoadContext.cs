using System.Reflection;
using System.Runtime.Loader;

namespace MigrationKit.Cli.Hosting;

/// <summary>
/// The model compiled without the revisions (<see cref="ModelBuild"/>), loaded beside the app's
/// assembly of the last full build, which keeps the revisions: both carry the app's name, so the
/// model gets a context of its own, and every other name resolves as in the context the agent
/// runs in, so both share one EF Core. A snapshot that uses a type of the app's own then holds
/// another copy of it than the model; Design refuses it and the tool compiles all of the app.
/// </summary>
internal sealed class ModelLoadContext : AssemblyLoadContext
{
    private readonly string _path;
    private readonly string _name;
    private readonly AssemblyLoadContext _agent;
    private Assembly? _model;

    private ModelLoadContext(string path, AssemblyLoadContext agent)
        : base("MigrationKit model")
    {
        _path = path;
        _name = AssemblyName.GetAssemblyName(path).Name!;
        _agent = agent;
    }

    /// <summary>Loads the model's assembly in a context of its own, beside the agent's.</summary>
    public static Assembly Load(string path)
    {
        var context = new ModelLoadContext(Path.GetFullPath(path), GetLoadContext(typeof(ModelLoadContext).Assembly)!);
        return context.Model;
    }

    private Assembly Model => _model ??= LoadFromAssemblyPath(_path);

    protected override Assembly? Load(AssemblyName assemblyName)
        => assemblyName.Name == _name ? Model : _agent.LoadFromAssemblyName(assemblyName);
}
