using System.Text.Json.Nodes;
using MigrationKit.EndToEnd.Infrastructure;
using static MigrationKit.EndToEnd.Infrastructure.Schema;
using static MigrationKit.EndToEnd.Infrastructure.ToolAssert;

namespace MigrationKit.EndToEnd;

/// <summary>`upgrade --backup`, `downgrade --backup` and the <c>"backup"</c> settings, as a user types them (the backup itself: Runner.Tests' BackupTests).</summary>
[Collection(PackedToolCollection.Name)]
public sealed class BackupTests(PackedTool tool)
{
    [Fact]
    public async Task Backup_by_option_and_by_environment_setting_and_the_restore_line_repeated_when_the_upgrade_fails()
    {
        using var app = await ThrowawayApp.CreateAsync(tool, "Backup", a =>
        {
            a.WriteRevision("ba0000000001", [], "create t1", CreateTable("t1"), DropTable("t1"));
            a.WriteRevision("ba0000000002", ["ba0000000001"], "create t2", CreateTable("t2"), DropTable("t2"));
            a.WriteRevision("ba0000000003", ["ba0000000002"], "broken", Sql("INSERT INTO no_such_table (id) VALUES (1)"), "");
        });
        using var database = await AppDatabase.CreateAsync(AppDatabase.Postgres);
        var production = new Dictionary<string, string?>(database.Environment) { ["DOTNET_ENVIRONMENT"] = "Production" };

        // A pg_dump that is not there: one line, before anything runs.
        var missing = await app.RunAsync(database.Environment, "upgrade", "head", "--backup=before.dump", "--pg-dump", "/no/such/pg_dump", "--no-build");
        Assert.StartsWith("--pg-dump /no/such/pg_dump: no such file; nothing was run. Install pg_dump", FailedInOneLine(missing));
        Assert.Empty(await database.TablesAsync());
        Assert.Empty(await database.VersionRowsAsync());

        // --backup=PATH, relative to where the command is typed.
        var first = Succeeded(await app.RunAsync(database.Environment, "upgrade", "ba0000000001", "--backup=before.dump", "--no-build"));
        var dump = Path.Combine(app.Directory, "before.dump");
        Assert.Contains($"Backup: {dump} (", first.StandardError, StringComparison.Ordinal);
        Assert.Contains($"to restore it: pg_restore --clean --if-exists -h ", first.StandardError, StringComparison.Ordinal);
        Assert.True(File.Exists(dump));
        DoesNotPrint(first, new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Password!);

        app.WriteSetting("backup", new JsonObject { ["environments"] = new JsonArray("Production"), ["directory"] = "snapshots" });
        var snapshots = Path.Combine(app.Directory, "snapshots");

        // Another environment: no backup.
        Succeeded(await app.RunAsync(database.Environment, "upgrade", "ba0000000002", "--environment", "Staging", "--no-build"));
        Assert.False(Directory.Exists(snapshots));

        // The setting's environment (any case): a backup in the setting's folder, and the failed upgrade repeats where it is.
        var failed = await app.RunAsync(production, "upgrade", "head", "--no-build");
        var error = FailedInOneLine(failed);
        Assert.StartsWith("Running upgrade ba0000000002 -> ba0000000003, broken failed", error);
        var file = Assert.Single(Directory.GetFiles(snapshots));
        var backupLines = failed.ErrorLines.Where(l => l.Contains($"Backup: {file} (", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"Backup: ", $"WARNING: Backup: "], backupLines.Select(l => l[..l.IndexOf(file, StringComparison.Ordinal)]));
        Assert.Contains("Backing up first: environment Production is in backup.environments of migratekit.json", failed.StandardError, StringComparison.Ordinal);
        Assert.Equal(["ba0000000002"], await database.VersionRowsAsync());

        // --no-backup over the setting; --backup with --sql is refused.
        var skipped = await app.RunAsync(database.Environment, "upgrade", "head", "--environment", "production", "--no-backup", "--no-build");
        FailedInOneLine(skipped);
        Assert.DoesNotContain("Backup: ", skipped.StandardError, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(snapshots));
        Assert.Equal(
            "--backup backs up the live database, so it cannot be used with --sql. Back the database up before running the script (pg_dump -Fc, or sqlite3's .backup).",
            FailedInOneLine(await app.RunAsync(database.Environment, "upgrade", "head", "--sql", "--backup", "--no-build")));

        // downgrade: the same refusal, and the setting's backup before a downgrade that drops t2 and its row.
        Assert.Equal(
            "--backup backs up the live database, so it cannot be used with --sql. Back the database up before running the script (pg_dump -Fc, or sqlite3's .backup).",
            FailedInOneLine(await app.RunAsync(database.Environment, "downgrade", "ba0000000002:base", "--sql", "--backup", "--no-build")));
        await database.ExecuteAsync("INSERT INTO t2 (\"Id\") VALUES (42)");
        var down = Succeeded(await app.RunAsync(production, "downgrade", "ba0000000001", "--no-build"));
        Assert.Contains("Backing up first: environment Production is in backup.environments of migratekit.json", down.StandardError, StringComparison.Ordinal);
        Assert.Equal(["t1"], await database.TablesAsync());
        Assert.Equal(["ba0000000001"], await database.VersionRowsAsync());
        var downFile = Assert.Single(Directory.GetFiles(snapshots), f => f != file);
        var restore = Assert.Single(down.ErrorLines, l => l.StartsWith($"Backup: {downFile} (", StringComparison.Ordinal));

        // The restore command as printed (the password from the environment, as a user would give it) puts t2 and its row back.
        await RestoreAsync(restore, new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Password!);
        Assert.Equal(["t1", "t2"], await database.TablesAsync());
        Assert.Equal(["42"], await database.QueryAsync("SELECT \"Id\"::text FROM t2"));
        Assert.Equal(["ba0000000002"], await database.VersionRowsAsync());
    }

    private static async Task RestoreAsync(string backupLine, string password)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(backupLine[(backupLine.IndexOf("to restore it: ", StringComparison.Ordinal) + "to restore it: ".Length)..]);
        start.Environment["PGPASSWORD"] = password;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await output + error);
    }
}
