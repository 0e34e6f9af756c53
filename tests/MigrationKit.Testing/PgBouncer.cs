using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MigrationKit.Testing;

/// <summary>
/// A real PgBouncer in front of the run's PostgreSQL server, for one test, stopped when disposed.
/// Needs Debian's pgbouncer package (scripts/test.sh installs it); without it the test fails,
/// saying so. As root it runs as the postgres user, as PgBouncer refuses root.
/// </summary>
public sealed class PgBouncer : IDisposable
{
    private const string Binary = "/usr/sbin/pgbouncer";

    private readonly Process _process;
    private readonly TempDirectory _folder;

    private PgBouncer(Process process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts one in <paramref name="poolMode"/> ("transaction", "session") and waits until it accepts connections.</summary>
    public static async Task<PgBouncer> StartAsync(string poolMode)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install it with apt-get install -y pgbouncer (scripts/test.sh does).");
        }

        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString);
        var folder = new TempDirectory("migratekit-pgbouncer");
        var port = FreePort();
        // Plain text in the auth file: PgBouncer then answers SCRAM for its clients and logs in to the server with it.
        File.WriteAllText(folder.File("users.txt"), $"\"{server.Username}\" \"{server.Password}\"\n");
        File.WriteAllText(folder.File("pgbouncer.ini"), $"""
            [databases]
            * = host={server.Host} port={server.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {folder.File("users.txt")}
            pool_mode = {poolMode}
            default_pool_size = 5
            ignore_startup_parameters = extra_float_digits,search_path
            logfile = {folder.File("pgbouncer.log")}
            """);
        var asRoot = Environment.UserName == "root";
        if (asRoot && !OperatingSystem.IsWindows())
        {
            // PgBouncer, as postgres, reads its files and writes its log here.
            File.SetUnixFileMode(folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        }

        var start = asRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--clear-groups", Binary, folder.File("pgbouncer.ini")])
            : new ProcessStartInfo(Binary, [folder.File("pgbouncer.ini")]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var process = Process.Start(start)!;
        var bouncer = new PgBouncer(process, folder, port);
        var clock = Stopwatch.StartNew();
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                var log = File.Exists(folder.File("pgbouncer.log")) ? File.ReadAllText(folder.File("pgbouncer.log")) : "";
                bouncer.Dispose();
                throw new InvalidOperationException($"PgBouncer did not start: {await process.StandardError.ReadToEndAsync()} {log}");
            }

            await Task.Delay(50);
        }

        return bouncer;
    }

    /// <summary>A connection string to <paramref name="database"/> through this PgBouncer.</summary>
    public string ConnectionStringTo(string connectionString)
        => new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        _folder.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
