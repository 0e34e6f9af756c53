using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using MigrationKit.Testing;

namespace MigrationKit.Design.Tests.Infrastructure;

/// <summary>
/// One DbContext type for every model of every case: the model comes from a delegate, and EF's
/// model cache is keyed by the case and side so two models never share a cache entry.
/// </summary>
public sealed class CaseContext : DbContext
{
    private readonly string _modelKey;
    private readonly Action<ModelBuilder> _buildModel;

    private CaseContext(DbContextOptions<CaseContext> options, string modelKey, Action<ModelBuilder> buildModel)
        : base(options)
    {
        _modelKey = modelKey;
        _buildModel = buildModel;
    }

    public static CaseContext Create(string provider, string connectionString, string modelKey, Action<ModelBuilder> buildModel)
    {
        var options = new DbContextOptionsBuilder<CaseContext>()
            .ReplaceService<IModelCacheKeyFactory, KeyFactory>();
        if (provider == ScratchDatabase.Postgres)
        {
            // Unpooled: a case makes several databases, and pooled sessions would stay open on each.
            options.UseNpgsql(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        }
        else
        {
            options.UseSqlite(connectionString);
        }

        return new CaseContext(options.Options, modelKey, buildModel);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) => _buildModel(modelBuilder);

    private sealed class KeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime)
            => (context.GetType(), ((CaseContext)context)._modelKey, designTime);
    }
}
