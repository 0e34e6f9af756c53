namespace MigrationKit.EndToEnd.Infrastructure;

/// <summary>
/// The source of the model that the autogenerate tests write into throwaway apps: one DbContext
/// with a Users table, on PostgreSQL or SQLite as <see cref="ThrowawayApp.ProviderVariable"/> says.
/// </summary>
public static class AppSources
{
    /// <param name="userMembers">Properties added to User after Id and Email.</param>
    /// <param name="modelCreating">Statements of OnModelCreating, against <c>modelBuilder</c>.</param>
    public static string UsersContext(string userMembers = "", string modelCreating = "") => $$"""
        using Microsoft.EntityFrameworkCore;

        namespace App;

        {{Context("AppDbContext", "User", "Users", modelCreating)}}

        public class User
        {
            public int Id { get; set; }

            public required string Email { get; set; }

            {{userMembers}}
        }
        """;

    /// <summary>
    /// A DbContext class with one DbSet, configured as every throwaway app's context is: SQLite or
    /// PostgreSQL as <see cref="ThrowawayApp.ProviderVariable"/> says, one database for all.
    /// </summary>
    public static string Context(string name, string entity, string set, string modelCreating = "") => $$"""
        public class {{name}} : DbContext
        {
            public DbSet<{{entity}}> {{set}} => Set<{{entity}}>();

            protected override void OnConfiguring(DbContextOptionsBuilder options)
            {
                if (Environment.GetEnvironmentVariable("APP_PROVIDER") == "sqlite")
                {
                    options.UseSqlite("Data Source=app.db");
                }
                else
                {
                    options.UseNpgsql("Host=localhost;Database=app");
                }
            }

            protected override void OnModelCreating(ModelBuilder modelBuilder)
            {
                {{modelCreating}}
            }
        }
        """;

    /// <summary>Optional string properties of User, one per name.</summary>
    public static string StringColumns(params string[] names)
        => string.Join("\n\n    ", names.Select(n => $"public string? {n} {{ get; set; }}"));
}
