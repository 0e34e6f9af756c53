namespace MigrationKit.Testing;

/// <summary>A folder that exists for one test and is deleted after it.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "migratekit")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file keeps the folder; the OS cleans /tmp.
        }
    }
}
