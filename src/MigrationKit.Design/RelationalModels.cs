using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace MigrationKit.Design;

/// <summary>A model's relational model, safe to ask for from several threads at once.</summary>
internal static class RelationalModels
{
    /// <summary>
    /// EF Core 10 builds a design-time model's relational model on first use and then removes the
    /// factory that built it, so a thread that asks while another is building finds neither and
    /// throws "The model must be finalized ... before 'GetRelationalModel'" (seen in CI: autogenerate
    /// diffs both ways at once, and one process may share EF's cached model between contexts).
    /// Built under a lock on the model, it is then read without one.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(model))]
    public static IRelationalModel? Of(IModel? model)
    {
        if (model is null)
        {
            return null;
        }

        lock (model)
        {
            return model.GetRelationalModel();
        }
    }
}
