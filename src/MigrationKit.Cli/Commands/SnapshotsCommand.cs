using McMaster.Extensions.CommandLineUtils;
using MigrationKit.Core;
using MigrationKit.Cli.Hosting;
using MigrationKit.Design;
using MigrationKit.Runner.Scaffolding;

namespace MigrationKit.Cli.Commands;

/// <summary>
/// <c>snapshots --convert</c>: rewrites the revisions' C# snapshots (<c>BuildTargetModel</c>) as
/// data files beside them, each only once its data form is proven to read back as the same model.
/// </summary>
internal sealed class SnapshotsCommand : CliCommand
{
    private CommandOption _convert = null!;

    public override string Name => "snapshots";

    public override string Description => "With --convert, rewrite the revisions' C# snapshots (BuildTargetModel) as data files (.model.json) beside them.";

    public override void Configure(CommandLineApplication command)
        => _convert = command.Option("--convert", "Convert each C# snapshot whose data form reads back as the same model; say why for the others.", CommandOptionType.NoValue);

    public override async Task<int> ExecuteAsync(AppScope? scope, CancellationToken cancellationToken)
    {
        if (!_convert.HasValue())
        {
            throw new MigrationKitException("snapshots needs --convert.", "Run `dotnet migratekit snapshots --convert`.");
        }

        var app = Require(scope);
        var converted = SnapshotConversion.Convert(app.Context, app.Catalog, app.ModelAssembly, app.StartupAssembly);
        if (converted.Count == 0)
        {
            await Out.WriteLineAsync("No revision records a C# snapshot.");
            return 0;
        }

        var projectDirectory = app.Location.ProjectDirectory;
        var wroteData = false;
        foreach (var snapshot in converted)
        {
            if (snapshot.KeptAsCSharp is { } why)
            {
                await Out.WriteLineAsync($"  {snapshot.Id}: kept as C#: {why}");
                continue;
            }

            var path = RevisionSource.Find(projectDirectory, snapshot.Id)
                       ?? throw new MigrationKitException($"No .cs file under {projectDirectory} holds revision {snapshot.Id}.");
            var code = RevisionSource.WithoutSnapshot(await File.ReadAllTextAsync(path, cancellationToken), path);
            // The data file first: killed in between, the revision has both, and the C# one still counts.
            if (snapshot.DataText is { } data)
            {
                await File.WriteAllTextAsync(RevisionWriter.SnapshotPath(path), data, cancellationToken);
                wroteData = true;
            }

            await File.WriteAllTextAsync(path, code, cancellationToken);
            await Out.WriteLineAsync(snapshot.DataText is null
                ? $"  {snapshot.Id}: converted: its model is its parent's, so it records none of its own"
                : $"  {snapshot.Id}: converted to {Path.GetFileName(RevisionWriter.SnapshotPath(path))}");
        }

        if (wroteData && SnapshotResources.EnsureEmbedded(projectDirectory) is { } added)
        {
            await Out.WriteLineAsync(added);
        }

        return 0;
    }
}
