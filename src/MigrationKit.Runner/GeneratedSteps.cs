using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Core;

namespace MigrationKit.Runner;

/// <summary>
/// What each revision generates, kept once made: its operations and SQL in each direction and
/// its target model. A runner keeps its own; the runners of a fleet share one, since a step's SQL
/// is the same on every database of one provider (500 targets x 20 revisions would otherwise run
/// every revision's <c>Upgrade</c> and the SQL generator 10,000 times). Safe across threads: each
/// entry is made once, by whichever runner asks first.
/// </summary>
internal sealed class GeneratedSteps
{
    private readonly ConcurrentDictionary<(string Id, MigrationDirection Direction), Lazy<IReadOnlyList<MigrationOperation>>> _operations = new();
    private readonly ConcurrentDictionary<(string Id, MigrationDirection Direction), Lazy<GeneratedStep>> _steps = new();
    private readonly ConcurrentDictionary<string, Lazy<IModel?>> _models = new(StringComparer.Ordinal);

    public IReadOnlyList<MigrationOperation> Operations(string id, MigrationDirection direction, Func<IReadOnlyList<MigrationOperation>> create)
        => _operations.GetOrAdd((id, direction), _ => new(create)).Value;

    public GeneratedStep Step(MigrationStep step, Func<GeneratedStep> create)
        => _steps.GetOrAdd((step.Revision.Id, step.Direction), _ => new(create)).Value;

    public IModel? TargetModel(string id, Func<IModel?> create) => _models.GetOrAdd(id, _ => new(create)).Value;
}

/// <summary>A step's SQL and what it tells of the step.</summary>
/// <param name="ChangesDatabase">It changes database-level objects (enums, extensions).</param>
/// <param name="ChangesRows">It may change rows (raw SQL, seed data, or an operation of the provider's own that we do not know).</param>
/// <param name="Operations">The operations the SQL comes from.</param>
internal sealed record GeneratedStep(
    IReadOnlyList<MigrationCommand> Commands, bool ChangesDatabase, bool ChangesRows, IReadOnlyList<MigrationOperation> Operations)
{
    private Sql.SqlChecksum? _checksum;

    /// <summary>
    /// The checksum of <see cref="Commands"/> (step journal, history), made on first use and then
    /// kept with the step, so a fleet's runners do not each read the same SQL again.
    /// </summary>
    public Sql.SqlChecksum Checksum => _checksum ??= Sql.SqlChecksum.Of(Commands);
}
