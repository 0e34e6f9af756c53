using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`check --database`: the live schema against the snapshot of the revision the database is at.</summary>
[Collection(PackedToolCollection.Name)]
public sealed class DriftTests(PackedTool tool)
{
    private static readonly string Users = AppSources.UsersContext(
        AppSources.StringColumns("Name") + "\n\n    public int Score { get; set; }",
        """
        modelBuilder.Entity<User>(user =>
                {
                    user.HasIndex(u => u.Email).IsUnique();
                    user.Property(u => u.Name).HasMaxLength(100);
                    user.Property(u => u.Score).HasDefaultValue(5);
                });
        """);

    /// <summary>Five changes made by hand: a dropped index, an added column, a changed type, nullability and default.</summary>
    private const string PostgresDrift = """
        DROP INDEX "IX_Users_Email";
        ALTER TABLE "Users" ADD COLUMN "Extra" integer;
        ALTER TABLE "Users" ALTER COLUMN "Name" TYPE character varying(200);
        ALTER TABLE "Users" ALTER COLUMN "Email" DROP NOT NULL;
        ALTER TABLE "Users" ALTER COLUMN "Score" SET DEFAULT 7;
        """;

    /// <summary>The same on SQLite, which changes a column only by rebuilding its table.</summary>
    private const string SqliteDrift = """
        DROP INDEX "IX_Users_Email";
        CREATE TABLE "Users_new" (
            "Id" INTEGER NOT NULL CONSTRAINT "PK_Users" PRIMARY KEY AUTOINCREMENT,
            "Email" TEXT NULL,
            "Name" VARCHAR(200) NULL,
            "Score" INTEGER NOT NULL DEFAULT 7,
            "Extra" INTEGER NULL);
        INSERT INTO "Users_new" ("Id", "Email", "Name", "Score") SELECT "Id", "Email", "Name", "Score" FROM "Users";
        DROP TABLE "Users";
        ALTER TABLE "Users_new" RENAME TO "Users";
        """;

    [Theory]
    [MemberData(nameof(AppDatabase.Providers), MemberType = typeof(AppDatabase))]
    public async Task Check_database_passes_on_a_clean_database_and_lists_each_change_made_by_hand(string provider)
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Drift" + provider);
        using var database = await AppDatabase.CreateAsync(provider);
        var env = database.Environment;
        app.WriteFile("AppDbContext.cs", Users);
        var revision = ThrowawayApp.RevisionId(ThrowawayApp.GeneratedFile(Succeeded(await app.RunAsync(env, "revision", "--autogenerate", "-m", "create users"))));
        // Built here: the revision just written is compiled in.
        Succeeded(await app.RunAsync(env, "upgrade", "head"));

        Assert.Equal(
            [$"No drift: the database matches the model of revision {revision}."],
            Succeeded(await app.RunAsync(env, "check", "--database", "--no-build")).OutputLines);

        await database.ExecuteAsync(provider == AppDatabase.Postgres ? PostgresDrift : SqliteDrift);
        var drift = await app.RunAsync(env, "check", "--database", "--no-build");

        Assert.Equal(1, drift.ExitCode);
        NoStackTrace(drift);
        // Tables are named with their schema where the database has schemas.
        var users = provider == AppDatabase.Postgres ? "public.Users" : "Users";
        var nameType = provider == AppDatabase.Postgres
            ? "type character varying(200) in the database, character varying(100) in the model"
            : "type VARCHAR(200) in the database, TEXT in the model";
        Assert.Equal(
            [
                $"The database differs from the model of revision {revision} (5):",
                $"  column {users}.Email: nullable in the database, required in the model",
                $"  column {users}.Name: {nameType}",
                $"  column {users}.Score: default 7 in the database, 5 in the model",
                $"  column {users}.Extra: in the database, not in the model",
                $"  table {users}: index IX_Users_Email unique (Email): in the model, missing from the database",
            ],
            drift.OutputLines);
    }

    [Fact]
    public async Task Check_database_on_a_database_at_base_reports_tables_that_no_revision_made()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "DriftBase");
        using var database = await AppDatabase.CreateAsync(AppDatabase.Sqlite);
        await database.ExecuteAsync("CREATE TABLE notes (id INTEGER PRIMARY KEY)");

        var drift = await app.RunAsync(database.Environment, "check", "--database", "--no-build");

        Assert.Equal(1, drift.ExitCode);
        Assert.Equal(["The database differs from the model of revision base (1):", "  table notes: in the database, not in the model"], drift.OutputLines);
    }
}
