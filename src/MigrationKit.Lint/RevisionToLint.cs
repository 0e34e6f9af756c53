using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Lint.Sql;

namespace MigrationKit.Lint;

/// <summary>What the rules read of one revision: its operations, the statements that will run, and what the app deployed before it maps.</summary>
internal sealed class RevisionToLint
{
    private readonly IRelationalTypeMappingSource? _typeMappings;
    private readonly HashSet<string> _createdTables;
    private readonly Lazy<IReadOnlyList<IModel>> _runningModels;

    public RevisionToLint(
        LintProvider provider,
        IReadOnlyList<MigrationOperation> operations,
        IReadOnlyList<(string Sql, bool TransactionSuppressed)> commands,
        Lazy<IReadOnlyList<IModel>> runningModels,
        LintSettings settings,
        IRelationalTypeMappingSource? typeMappings)
    {
        Provider = provider;
        Operations = operations;
        _runningModels = runningModels;
        Settings = settings;
        _typeMappings = typeMappings;
        Statements = Split(commands);
        _createdTables = Statements.Select(s => s.AsCreateTable()?.Table.Name).OfType<string>()
            .Concat(operations.OfType<CreateTableOperation>().Select(o => o.Name))
            .ToHashSet(StringComparer.Ordinal);
    }

    public LintProvider Provider { get; }

    public IReadOnlyList<MigrationOperation> Operations { get; }

    /// <summary>Every statement the revision will run, in order: the provider's SQL, raw SQL included.</summary>
    public IReadOnlyList<SqlStatement> Statements { get; }

    /// <summary>The models of the revision's parents: what the running app maps. Empty when no snapshot is known.</summary>
    public IReadOnlyList<IModel> RunningModels => _runningModels.Value;

    public LintSettings Settings { get; }

    /// <summary>Whether the table is created by this very revision, so it holds no rows and no one uses it yet.</summary>
    public bool Creates(string table) => _createdTables.Contains(table);

    /// <summary>The ALTER TABLE statements of tables that exist before the revision (those made by it are harmless to alter), with their positions.</summary>
    public IEnumerable<(int Index, SqlStatement Statement, AlterTable Alter)> AlterExistingTables()
    {
        for (var i = 0; i < Statements.Count; i++)
        {
            if (Statements[i].AsAlterTable() is { } alter && !Creates(alter.Table.Name))
            {
                yield return (i, Statements[i], alter);
            }
        }
    }

    /// <summary>The statements of the revision's raw SQL (<c>migrationBuilder.Sql</c>), read from its text.</summary>
    public IEnumerable<SqlStatement> RawStatements()
        => Operations.OfType<SqlOperation>().SelectMany(o => SqlLexer.Statements(o.Sql)).Select(t => new SqlStatement(t, false, 0));

    /// <summary>Whether the app deployed before this revision maps the table, or a column of it.</summary>
    public bool RunningAppMaps(string table, string? column = null)
        => RunningModels.Any(model => FindTable(model, table) is { } mapped && (column is null || mapped.FindColumn(column) is not null));

    /// <summary>A column's type before the revision: from the operation that changes it, else from the running app's model; null when unknown.</summary>
    public string? OldColumnType(string table, string column)
    {
        var alter = Operations.OfType<AlterColumnOperation>().FirstOrDefault(o => o.Table == table && o.Name == column);
        if (alter is not null)
        {
            var old = alter.OldColumn;
            var type = old.ColumnType ?? (old.ClrType is null ? null : _typeMappings?.FindMapping(
                old.ClrType, null, unicode: old.IsUnicode, size: old.MaxLength, fixedLength: old.IsFixedLength, precision: old.Precision, scale: old.Scale)?.StoreType);
            if (type is not null)
            {
                return StoreTypes.Normalize(type);
            }
        }

        return RunningModels.Select(m => FindTable(m, table)?.FindColumn(column)?.StoreType).FirstOrDefault(t => t is not null) is { } stored
            ? StoreTypes.Normalize(stored)
            : null;
    }

    /// <summary>Check constraints the running app's model declares on a table: name and SQL.</summary>
    public IEnumerable<(string Name, string Sql)> RunningCheckConstraints(string table)
        => RunningModels.SelectMany(m => FindTable(m, table)?.CheckConstraints ?? []).Select(c => (c.Name ?? "", c.Sql));

    private static ITable? FindTable(IModel model, string table)
        => model.GetRelationalModel().Tables.FirstOrDefault(t => t.Name == table);

    /// <summary>
    /// The commands' statements, numbered by the transaction they run in: a run of ordinary
    /// commands shares one; a suppressed command is alone, outside any.
    /// </summary>
    private static List<SqlStatement> Split(IReadOnlyList<(string Sql, bool TransactionSuppressed)> commands)
    {
        var statements = new List<SqlStatement>();
        var transaction = 0;
        var previousSuppressed = false;
        for (var i = 0; i < commands.Count; i++)
        {
            var (sql, suppressed) = commands[i];
            if (i > 0 && (suppressed || previousSuppressed))
            {
                transaction++;
            }

            statements.AddRange(SqlLexer.Statements(sql).Select(tokens => new SqlStatement(tokens, suppressed, transaction)));
            previousSuppressed = suppressed;
        }

        return statements;
    }
}
