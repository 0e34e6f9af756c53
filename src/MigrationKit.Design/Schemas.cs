using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Runner.Database;

namespace MigrationKit.Design;

/// <summary>
/// Two things about schemas that EF Core's differ leaves undone, so that a revision (and its
/// downgrade) builds what EnsureCreated() builds: it never drops a schema the model stops using
/// (its Remove for schemas yields nothing), and on PostgreSQL a table moved back to the default
/// schema stays where it was, because Npgsql reads RenameTable's null NewSchema as "unchanged".
/// </summary>
internal static class Schemas
{
    /// <summary>Where PostgreSQL puts unqualified names on a fresh database; it exists before any model and stays.</summary>
    private const string PostgresDefault = "public";

    /// <param name="operations">The differ's operations from <paramref name="from"/> to <paramref name="to"/> (either null: an empty database).</param>
    public static IReadOnlyList<MigrationOperation> Complete(
        IReadOnlyList<MigrationOperation> operations, IModel? from, IModel? to, string? provider)
    {
        if (provider == DatabaseDialect.SqliteProvider)
        {
            // SQLite has no schemas.
            return operations;
        }

        var result = operations.ToList();
        if (provider == DatabaseDialect.PostgreSqlProvider && to is not null)
        {
            var target = RelationalModels.Of(to);
            foreach (var rename in result.OfType<RenameTableOperation>())
            {
                if (rename is { Schema: not null, NewSchema: null } && target.FindTable(rename.NewName ?? rename.Name, null) is not null)
                {
                    rename.NewSchema = PostgresDefault;
                }
            }
        }

        var kept = Used(to);
        foreach (var schema in Used(from).Where(s => !kept.Contains(s) && !(provider == DatabaseDialect.PostgreSqlProvider && s == PostgresDefault)).Order(StringComparer.Ordinal))
        {
            // Last, once every table has left it. Not CASCADE: objects the model does not know stop the revision instead.
            result.Add(new DropSchemaOperation { Name = schema });
        }

        return result;
    }

    /// <summary>The schemas the differ ensures for a model: those of its tables, views and sequences.</summary>
    private static HashSet<string> Used(IModel? model)
    {
        var schemas = new HashSet<string>(StringComparer.Ordinal);
        if (model is null)
        {
            return schemas;
        }

        var relational = RelationalModels.Of(model);
        foreach (var schema in relational.Tables.Where(t => !t.IsExcludedFromMigrations).Select(t => t.Schema)
                     .Concat(relational.Views.Select(v => v.Schema))
                     .Concat(relational.Sequences.Select(s => s.Schema)))
        {
            if (!string.IsNullOrEmpty(schema))
            {
                schemas.Add(schema);
            }
        }

        return schemas;
    }
}
