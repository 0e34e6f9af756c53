using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MigrationKit.Runner;

/// <summary>An upgrade to one revision as the runner would run it (<see cref="RevisionRunner.UpgradeSql"/>).</summary>
/// <param name="Operations">The revision's upgrade operations.</param>
/// <param name="Commands">The SQL the provider generates for them, with their transaction flags.</param>
/// <param name="RunningModels">
/// The models the revision's parents stand at: what the app deployed before it maps (none known:
/// empty); built when first asked for (lint's rules ask only about what a revision renames,
/// drops or alters).
/// </param>
public sealed record RevisionSql(
    string RevisionId,
    IReadOnlyList<MigrationOperation> Operations,
    IReadOnlyList<MigrationCommand> Commands,
    Lazy<IReadOnlyList<IModel>> RunningModels);
