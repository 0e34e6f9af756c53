using System.Data.Common;

namespace MigrationKit.Transfer;

/// <summary>
/// Clean-up after a failure (a rollback, a cancelled COPY, a released lock) must never replace the
/// failure: on a broken connection or in an aborted transaction it fails too, and the user would be
/// told about the clean-up instead of the cause.
/// </summary>
internal static class Cleanup
{
    public static async Task QuietlyAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
        {
            // The first failure is the one being reported; the connection's end drops what this step would have.
        }
    }

    /// <summary>
    /// Disposes <paramref name="resource"/> quietly: closing a connection whose server went away
    /// fails too (the pool's reset cannot reach it), and would be reported over the failure that
    /// ended the work.
    /// </summary>
    public static IAsyncDisposable Quiet(IAsyncDisposable resource) => new QuietDisposal(resource);

    private sealed class QuietDisposal(IAsyncDisposable resource) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await QuietlyAsync(async () => await resource.DisposeAsync());
    }
}
