using Microsoft.EntityFrameworkCore;
using MigrationKit.Runner;
using Serilog;

namespace MigrationKit.Design;

/// <summary>What autogenerate can set up before the app's model exists.</summary>
public sealed partial class Autogenerator
{
    /// <summary>
    /// Prepares, on another thread, what EF Core sets up on first use and autogenerate needs:
    /// Roslyn's workspace services, which EF's C# generator composes once per process (a third
    /// of a second); with the app context's OnConfiguring (<paramref name="appConfiguration"/>), also a
    /// revision of a one-table model through the app's provider, so that EF's conventions, the
    /// provider's type mappings, the differ and the code generators are compiled and the internal
    /// service provider for the app's options is cached. Started while the app compiles (or its
    /// model is built), the command then finds them ready; a later call waits for an earlier one.
    /// </summary>
    /// <param name="appConfiguration">Finds, on the preparing thread, how the app's context configures itself; null for none.</param>
    public static void PrepareCodeGeneration(Func<Action<DbContextOptionsBuilder>?>? appConfiguration = null)
    {
        if (_prepared is { } started)
        {
            // The one started while the app compiled: it does what would otherwise slow the command.
            started.Wait();
            return;
        }

        _prepared = Task.Run(() =>
        {
            try
            {
                using (var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace())
                {
                    workspace.AddProject("migratekit", Microsoft.CodeAnalysis.LanguageNames.CSharp);
                }

                if (appConfiguration?.Invoke() is { } configure)
                {
                    var builder = new DbContextOptionsBuilder<PreparationContext>();
                    configure(builder);
                    using var context = new PreparationContext(builder.Options);
                    if (context.Database.IsRelational())
                    {
                        // Quiet: its messages are about a model that is not the app's.
                        new Autogenerator(context, typeof(PreparationContext).Assembly, typeof(PreparationContext).Assembly, Serilog.Core.Logger.None)
                            .Generate(RevisionCatalog.Uncompiled([]), parent: null);
                    }
                }
            }
            catch (Exception e)
            {
                // Only time is lost: the command sets up the same when it gets there, and reports what fails.
                Log.Debug("Preparing autogenerate failed: {Error}", e.Message);
            }
        });
    }

    private static Task? _prepared;

    /// <summary>A one-table model on the app's provider and options (<see cref="PrepareCodeGeneration"/>).</summary>
    internal sealed class PreparationContext(DbContextOptions<PreparationContext> options) : DbContext(options)
    {
        public DbSet<PreparationRow> Rows => Set<PreparationRow>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<PreparationRow>().Property(r => r.Amount).HasPrecision(12, 2);
    }

    internal sealed class PreparationRow
    {
        public int Id { get; set; }

        public required string Name { get; set; }

        public decimal Amount { get; set; }

        public DateTimeOffset At { get; set; }
    }
}
