using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;
using MigrationKit.Lint.Rules;
using MigrationKit.Runner;
using MigrationKit.Runner.Database;

namespace MigrationKit.Lint;

/// <summary>
/// Lints revisions for the database behind a DbContext: the rules read each revision's operations
/// and the SQL its provider generates for them (through <see cref="RevisionRunner"/>, exactly what
/// an upgrade runs), never the C# text.
/// </summary>
public sealed class RevisionLinter
{
    /// <summary>Every rule, in the order findings are listed.</summary>
    internal static readonly IReadOnlyList<LintRule> Rules =
    [
        new RequireConcurrentIndexCreation(),
        new RequireConcurrentIndexDeletion(),
        new BanConcurrentIndexCreationInTransaction(),
        new AddingForeignKeyConstraint(),
        new ConstraintMissingNotValid(),
        new DisallowedUniqueConstraint(),
        new ChangingColumnType(),
        new AddingNotNullableField(),
        new AddingFieldWithDefault(),
        new RenamingColumn(),
        new RenamingTable(),
        new BanDropColumn(),
        new BanDropTable(),
        new BanVacuumFull(),
        new BanCluster(),
        new BanTruncateCascade(),
        new RequireLockTimeout(),
        new PreferBigintOverInt(),
        new PreferTimestamptz(),
        new SqliteTableRebuild(),
    ];

    /// <summary>The id a revision not written yet is listed under.</summary>
    public const string NewRevision = "new";

    private readonly DbContext _context;
    private readonly LintSettings _settings;
    private readonly LintProvider _provider;

    public RevisionLinter(DbContext context, LintSettings? settings = null)
    {
        _context = context;
        _settings = settings ?? new LintSettings();
        _provider = context.Database.ProviderName switch
        {
            DatabaseDialect.PostgreSqlProvider => LintProvider.PostgreSql,
            DatabaseDialect.SqliteProvider => LintProvider.Sqlite,
            _ => LintProvider.Other,
        };
    }

    /// <summary>Whether a rule id exists.</summary>
    public static bool IsRule(string id) => Rules.Any(r => r.Id == id);

    /// <summary>Lints compiled revisions, in the order given; acknowledged findings are listed with their reason.</summary>
    public IReadOnlyList<LintFinding> Lint(RevisionCatalog catalog, IEnumerable<string> revisionIds)
        => Lint(new RevisionRunner(_context, catalog), revisionIds);

    /// <summary>
    /// Lints with the runner that is about to apply the revisions (over the same DbContext), so
    /// the snapshots it builds for lint serve the run too.
    /// </summary>
    public IReadOnlyList<LintFinding> Lint(RevisionRunner runner, IEnumerable<string> revisionIds)
    {
        var findings = new List<LintFinding>();
        foreach (var id in revisionIds)
        {
            var acknowledged = Acknowledgements(id, runner.Catalog.Create(id).GetType());
            RevisionSql sql;
            try
            {
                sql = runner.UpgradeSql(id);
            }
            catch (NotSupportedException e)
            {
                throw new MigrationKitException($"Cannot generate SQL for revision {id}: {e.Message.ReplaceLineEndings(" ")}", null, e);
            }

            findings.AddRange(Lint(id, sql.Operations, sql.Commands.Select(c => (c.CommandText, c.TransactionSuppressed)).ToList(),
                sql.RunningModels, acknowledged));
        }

        return findings;
    }

    /// <summary>
    /// Lints a revision not written yet (autogenerate): its operations, with the model they lead to
    /// and the model of the revision it builds on (null: none).
    /// </summary>
    public IReadOnlyList<LintFinding> LintNew(IReadOnlyList<MigrationOperation> operations, IModel? target, IModel? running)
    {
        var commands = new RevisionRunner(_context, RevisionCatalog.FromTypes([])).GenerateSql(operations, target);
        return Lint(NewRevision, operations, commands.Select(c => (c.CommandText, c.TransactionSuppressed)).ToList(),
            new Lazy<IReadOnlyList<IModel>>(running is null ? [] : [running]), new Dictionary<string, string>());
    }

    private List<LintFinding> Lint(
        string id,
        IReadOnlyList<MigrationOperation> operations,
        IReadOnlyList<(string, bool)> commands,
        Lazy<IReadOnlyList<IModel>> runningModels,
        IReadOnlyDictionary<string, string> acknowledged)
    {
        var revision = new RevisionToLint(_provider, operations, commands, runningModels, _settings, _context.GetService<IRelationalTypeMappingSource>());
        return Rules.Where(rule => rule.AppliesTo(_provider))
            .SelectMany(rule => rule.Find(revision).Select(found => new LintFinding(
                id, rule.Id, found.Table, found.Message, rule.Alternative, acknowledged.GetValueOrDefault(rule.Id))))
            .ToList();
    }

    /// <summary>The revision's [AcknowledgeLint] attributes by rule; a rule that does not exist is refused, so a typo never silences nothing.</summary>
    private static Dictionary<string, string> Acknowledgements(string id, Type revisionType)
    {
        var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in revisionType.GetCustomAttributes<AcknowledgeLintAttribute>())
        {
            if (!IsRule(attribute.Rule))
            {
                throw new MigrationKitException(
                    $"Revision {id} acknowledges lint rule '{attribute.Rule}', which does not exist.",
                    "The rules are: " + string.Join(", ", Rules.Select(r => r.Id)) + ".");
            }

            if (string.IsNullOrWhiteSpace(attribute.Reason))
            {
                throw new MigrationKitException(
                    $"Revision {id} acknowledges lint rule '{attribute.Rule}' without a reason.",
                    "Say why the finding is safe here, e.g. [AcknowledgeLint(\"" + attribute.Rule + "\", \"the table holds 200 rows\")].");
            }

            acknowledged[attribute.Rule] = attribute.Reason;
        }

        return acknowledged;
    }
}
