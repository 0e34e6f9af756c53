using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;
using MigrationKit.Runner.Database;
using Serilog;
using Serilog.Events;
using Family = MigrationKit.Runner.DataLoss.TypeWidening.Family;

namespace MigrationKit.Runner.DataLoss;

/// <summary>
/// Counts what a step's destructive operations would lose on the live database: the rows of a
/// dropped table, the non-null values of a dropped column, the values a narrower type refuses, the
/// NULLs of a column made required. The SQL is the standard's, so PostgreSQL and SQLite share it.
/// </summary>
/// <remarks>
/// Not counted: a dropped schema (PostgreSQL refuses to drop one that still holds objects) and a
/// dropped sequence (its position is no row data). Raw SQL is not read.
/// </remarks>
internal sealed class DataLossCounter(
    DatabaseDialect dialect,
    ISqlGenerationHelper sql,
    Lazy<IRelationalTypeMappingSource> typeMappings,
    Func<string, DbCommand> createCommand,
    ILogger log)
{
    /// <summary>
    /// Counts, and logs, what <paramref name="operations"/> would lose; with <paramref name="refuse"/>
    /// throws before anything of the step ran when any count is above zero.
    /// </summary>
    /// <param name="inRunTransaction">The whole run is one transaction, so a refusal rolls back its earlier steps too.</param>
    public async Task CheckAsync(
        MigrationStep step, IReadOnlyList<MigrationOperation> operations, bool refuse, bool inRunTransaction, CancellationToken cancellationToken)
    {
        IReadOnlyList<DataLossCount> losses;
        try
        {
            losses = await CountAsync(step, operations, cancellationToken);
        }
        catch (DbException e)
        {
            throw new MigrationKitException(
                $"Cannot count what {step.Describe()} would lose: {RevisionRunner.OneLine(e.Message)}", Where(step, inRunTransaction), e);
        }

        if (refuse && losses.FirstOrDefault(l => l.Count > 0) is { } first)
        {
            // The one line says it all: not logged as a warning too.
            throw new MigrationKitException(
                $"Refusing to run {step.Describe()}, which would lose data: {first}",
                Where(step, inRunTransaction) + " Move or delete the data first, or run without --refuse-data-loss (setting refuseDataLoss).");
        }

        foreach (var loss in losses)
        {
            // An empty table or column loses nothing: only --verbose shows that it was counted.
            log.Write(loss.Count > 0 ? LogEventLevel.Warning : LogEventLevel.Debug, "{Loss:l}", loss.ToString());
        }
    }

    private static string Where(MigrationStep step, bool inRunTransaction)
        => inRunTransaction
            ? "Nothing of this run was applied."
            : "The database is at " + (step.HeadsBefore.Count == 0 ? "base" : string.Join(", ", step.HeadsBefore)) + ".";

    /// <summary>
    /// One count per destructive change, against the database as it is now: a table or column that
    /// does not exist (yet: an earlier operation of the step creates it) counts as empty.
    /// </summary>
    public async Task<IReadOnlyList<DataLossCount>> CountAsync(
        MigrationStep step, IReadOnlyList<MigrationOperation> operations, CancellationToken cancellationToken)
    {
        var losses = new List<DataLossCount>();
        foreach (var operation in operations)
        {
            foreach (var question in Questions(operation))
            {
                var count = await ExistsAsync(question, cancellationToken)
                    ? await ScalarAsync(question.CountSql, [], cancellationToken)
                    : 0;
                losses.Add(new DataLossCount(step, question.Change, count, question.Unit));
            }
        }

        return losses;
    }

    /// <summary>A count to take: what it is about, and the query that counts it.</summary>
    private sealed record Question(string? Schema, string Table, string? Column, string Change, string Unit, string CountSql);

    private IEnumerable<Question> Questions(MigrationOperation operation)
    {
        switch (operation)
        {
            case DropTableOperation drop:
                yield return new(drop.Schema, drop.Name, null, $"drops table {Name(drop.Schema, drop.Name)}", "rows",
                    $"SELECT COUNT(*) FROM {sql.DelimitIdentifier(drop.Name, drop.Schema)}");
                break;
            case DropColumnOperation drop:
                yield return new(drop.Schema, drop.Table, drop.Name, $"drops column {Name(drop.Schema, drop.Table)}.{drop.Name}", "non-null values",
                    $"SELECT COUNT({sql.DelimitIdentifier(drop.Name)}) FROM {sql.DelimitIdentifier(drop.Table, drop.Schema)}");
                break;
            case AlterColumnOperation alter:
                if (StoreType(alter) is { } to && StoreType(alter.OldColumn) is { } from && LossyChanges.Narrows(from, to))
                {
                    yield return Narrowing(alter, from, to);
                }

                if (LossyChanges.MakesRequired(alter))
                {
                    yield return new(alter.Schema, alter.Table, alter.Name, $"sets {Name(alter.Schema, alter.Table)}.{alter.Name} NOT NULL", "rows hold NULL",
                        $"SELECT COUNT(*) FROM {sql.DelimitIdentifier(alter.Table, alter.Schema)} WHERE {sql.DelimitIdentifier(alter.Name)} IS NULL");
                }

                break;
        }
    }

    /// <summary>The values the new type refuses or changes; for a change between families we do not know, every non-null value.</summary>
    private Question Narrowing(AlterColumnOperation alter, string from, string to)
    {
        var column = sql.DelimitIdentifier(alter.Name);
        var table = sql.DelimitIdentifier(alter.Table, alter.Schema);
        var name = $"{Name(alter.Schema, alter.Table)}.{alter.Name}";
        var (condition, unit) = (TypeWidening.Parse(from), TypeWidening.Parse(to)) switch
        {
            ({ Family: Family.String }, { Family: Family.String, Size: { } length }) => ($"LENGTH({column}) > {length}", "values longer"),
            ({ Family: Family.Integer }, { Family: Family.Integer, Size: { } bytes }) => (
                $"{column} < {IntegerRange(bytes).Min} OR {column} > {IntegerRange(bytes).Max}", "values out of range"),
            ({ Family: Family.Decimal }, { Family: Family.Decimal, Size: { } precision, Scale: var scale }) => (
                $"{column} <> ROUND({column}, {scale ?? 0}) OR ABS({column}) >= 1{new string('0', precision - (scale ?? 0))}", "values that do not fit"),
            // CASE first: a value beyond the float's range fails the cast instead of comparing unequal.
            ({ Family: Family.Float }, { Family: Family.Float }) => (
                $"CASE WHEN ABS({column}) > 3.4e38 THEN 1 WHEN CAST({column} AS {to}) <> {column} THEN 1 ELSE 0 END = 1", "values that lose precision"),
            _ => ((string?)null, "non-null values may not convert"),
        };
        return condition is null
            ? new(alter.Schema, alter.Table, alter.Name, $"changes column {name} from {from} to {to}", unit,
                $"SELECT COUNT({column}) FROM {table}")
            : new(alter.Schema, alter.Table, alter.Name, $"narrows column {name} to {to}", unit,
                $"SELECT COUNT(*) FROM {table} WHERE {condition}");
    }

    private static (long Min, long Max) IntegerRange(int bytes) => bytes switch
    {
        2 => (short.MinValue, short.MaxValue),
        4 => (int.MinValue, int.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    /// <summary>The column's store type as the SQL generator writes it: given, or the provider's mapping of its CLR type and facets.</summary>
    private string? StoreType(ColumnOperation column)
        => column.ColumnType
           ?? (column.ClrType is { } clrType
               ? typeMappings.Value.FindMapping(
                   clrType, null, unicode: column.IsUnicode, size: column.MaxLength, rowVersion: column.IsRowVersion,
                   fixedLength: column.IsFixedLength, precision: column.Precision, scale: column.Scale)?.StoreType
               : null);

    private async Task<bool> ExistsAsync(Question question, CancellationToken cancellationToken)
        => await ScalarAsync(
            dialect.CountColumnsSql,
            [("@table", question.Table), ("@schema", question.Schema), ("@column", question.Column)],
            cancellationToken) > 0;

    private async Task<long> ScalarAsync(string query, (string Name, string? Value)[] parameters, CancellationToken cancellationToken)
    {
        log.Debug("{Sql:l}", query);
        await using var command = createCommand(query);
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.DbType = DbType.String;
            parameter.Value = (object?)value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static string Name(string? schema, string name) => schema is null ? name : schema + "." + name;
}
