using System.Reflection;

namespace MigrationKit.Runner;

internal static class AssemblyTypes
{
    /// <summary>
    /// The assembly's types, skipping those whose dependencies cannot load: such a type can be
    /// neither a revision nor a context we could use, and must not stop us reading the rest.
    /// </summary>
    public static IEnumerable<Type> Loadable(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.Where(t => t is not null)!;
        }
    }
}
