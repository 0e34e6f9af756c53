using System.Data.Common;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Core;

namespace MigrationKit.Runner.Database;

/// <summary>
/// The step journal: progress inside a revision that runs in several parts (a statement outside a
/// transaction between transactional ones), one row per revision under way, in a companion of the
/// version table (<c>&lt;versiontable&gt;_steps</c>) so the version table stays as Alembic keeps it.
/// A row is written in the transaction of the part it records and deleted in the one that records
/// the revision in the version table.
/// </summary>
internal sealed class StepJournal(
    string versionTable,
    Lazy<IMigrationsSqlGenerator> sqlGenerator,
    ISqlGenerationHelper sqlHelper,
    Lazy<IRelationalTypeMappingSource> typeMappings)
    : ToolTable(NameFor(versionTable), sqlGenerator, sqlHelper, typeMappings)
{
    private static readonly string[] Columns = ["revision", "direction", "parts_done", "parts_total", "statement_running", "checksum"];

    public static string NameFor(string versionTable) => versionTable + "_steps";

    public IReadOnlyList<MigrationCommand> CreateCommands() => Create(
    [
        Column(Columns[0], typeof(string), 255),
        Column(Columns[1], typeof(string), 16),
        Column(Columns[2], typeof(int)),
        Column(Columns[3], typeof(int)),
        Column(Columns[4], typeof(int)),
        Column(Columns[5], typeof(string), 64),
    ]);

    public string SelectSql => Select(Delimit, Name);

    public static string Select(Func<string, string> delimit, string table)
        => $"SELECT {string.Join(", ", Columns.Select(delimit))} FROM {delimit(table)}";

    /// <summary>The row of <paramref name="entry"/>'s revision replaced by it: a delete and an insert, which every database knows.</summary>
    public IReadOnlyList<string> WriteSql(JournalEntry entry) =>
    [
        DeleteSql(entry.Revision),
        $"INSERT INTO {Delimit(Name)} ({string.Join(", ", Columns.Select(Delimit))}) VALUES ("
        + $"{Literal(entry.Revision)}, {Literal(Direction(entry.Direction))}, {entry.PartsDone}, {entry.PartsTotal}, "
        + $"{(entry.StatementRunning ? 1 : 0)}, {Literal(entry.Checksum)})" + Terminator,
    ];

    public string DeleteSql(string revision)
        => $"DELETE FROM {Delimit(Name)} WHERE {Delimit(Columns[0])} = {Literal(revision)}" + Terminator;

    public string DeleteAllSql => $"DELETE FROM {Delimit(Name)}" + Terminator;

    /// <summary>The journal's rows, read with a command of the caller's (a plain connection or EF Core's).</summary>
    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new JournalEntry(
                reader.GetString(0),
                reader.GetString(1) == Direction(MigrationDirection.Downgrade) ? MigrationDirection.Downgrade : MigrationDirection.Upgrade,
                Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture) != 0,
                reader.GetString(5)));
        }

        return entries;
    }

    internal static string Direction(MigrationDirection direction) => direction == MigrationDirection.Upgrade ? "upgrade" : "downgrade";
}

/// <summary>
/// A revision under way: <paramref name="PartsDone"/> of its parts committed; with
/// <paramref name="StatementRunning"/>, the next one (a statement outside a transaction) was started
/// and nothing tells yet whether it completed.
/// </summary>
internal sealed record JournalEntry(
    string Revision, MigrationDirection Direction, int PartsDone, int PartsTotal, bool StatementRunning, string Checksum)
{
    /// <summary>"upgrade parts 1-2 of 3 committed", "downgrade part 1 of 2 committed, interrupted during part 2".</summary>
    public string Describe()
    {
        var done = PartsDone switch
        {
            0 => $"no part of {PartsTotal} committed",
            1 => $"part 1 of {PartsTotal} committed",
            _ => $"parts 1-{PartsDone} of {PartsTotal} committed",
        };
        return (Direction == MigrationDirection.Upgrade ? "upgrade: " : "downgrade: ") + done
               + (StatementRunning ? $", interrupted during part {PartsDone + 1} (a statement outside a transaction)" : "");
    }
}
