using MigrationKit.Core;
using MigrationKit.Testing;

namespace MigrationKit.Transfer.Tests;

/// <summary>
/// `copy` into a SQLite file that takes no writes is one line, never a wait. Tests run as root, whom
/// file modes do not stop, so the file is made immutable (chattr +i) or reached through a read-only
/// bind mount, as a read-only volume would be.
/// </summary>
public sealed class ReadOnlyTargetTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("immutable file")]
    [InlineData("read-only mount")]
    public async Task A_copy_into_a_read_only_sqlite_target_is_one_line_and_changes_nothing(string how)
    {
        using var source = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Sqlite);
        await source.SeedAsync();
        using var writable = await CrossProviderDatabase.CreateAsync(ScratchDatabase.Sqlite);
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(writable.ConnectionString).DataSource;
        var before = await writable.QueryAsync("SELECT count(*) FROM accounts");
        using var mount = new TempDirectory("migratekit-ro");

        // EF Core's pooled connections from the set-up would keep a writable descriptor of the file,
        // which SQLite reuses for a new connection to it in this process: a separate `copy` has none.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        string target;
        if (how == "immutable file")
        {
            Shell.Run("chattr", "+i", file);
            target = file;
        }
        else
        {
            Shell.Run("mount", "--bind", Path.GetDirectoryName(file)!, mount.Path);
            Shell.Run("mount", "-o", "remount,bind,ro", mount.Path);
            target = Path.Combine(mount.Path, Path.GetFileName(file));
        }

        try
        {
            await using var app = KindsModel.For(writable);
            var copy = TransferOperations.CopyAsync(app, source.ConnectionString, $"Data Source={target}", [], [], new CopyOptions(), null, CancellationToken.None);
            var error = await Assert.ThrowsAsync<MigrationKitException>(() => copy.WaitAsync(Bounded));

            Assert.Equal($"The target database {target} is read-only: the file, or the file system it is on, takes no writes.", error.Message);
        }
        finally
        {
            if (how == "immutable file")
            {
                Shell.Run("chattr", "-i", file);
            }
            else
            {
                Shell.Run("umount", mount.Path);
            }
        }

        Assert.Equal(before, await writable.QueryAsync("SELECT count(*) FROM accounts"));
    }
}
