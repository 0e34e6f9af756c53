using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using MigrationKit.Runner.Sql;

namespace MigrationKit.Runner.Database;

/// <summary>
/// The audit history: one row per revision applied, undone or stamped, written in the transaction
/// that changes the version table for it, so a step rolled back leaves no row. Beside the version
/// table, which stays as Alembic keeps it: <c>migratekit_history</c> for the default version table,
/// <c>&lt;versiontable&gt;_history</c> for a context's own (as the step journal is named).
/// Who ran it is the OS user, the database user and the host, never a password or connection string.
/// </summary>
internal sealed class HistoryTable(
    string versionTable,
    Lazy<IMigrationsSqlGenerator> sqlGenerator,
    ISqlGenerationHelper sqlHelper,
    Lazy<IRelationalTypeMappingSource> typeMappings)
    : ToolTable(NameFor(versionTable), sqlGenerator, sqlHelper, typeMappings)
{
    public const string DefaultName = "migratekit_history";

    private static readonly string[] Columns =
    [
        "id", "revision", "direction", "checksum", "statement_checksums", "started_at", "ended_at", "duration_ms",
        "tool_version", "os_user", "db_user", "host",
    ];

    public static string NameFor(string versionTable)
        => versionTable == VersionTable.DefaultName ? DefaultName : versionTable + "_history";

    /// <summary>The version of MigrationKit that wrote a row (the runner's, without the commit hash).</summary>
    public static string ToolVersion { get; } = ReadToolVersion();

    public IReadOnlyList<MigrationCommand> CreateCommands() => Create(
    [
        Column(Columns[0], typeof(long)),
        Column(Columns[1], typeof(string), 255),
        Column(Columns[2], typeof(string), 16),
        Column(Columns[3], typeof(string), 64, nullable: true),
        Column(Columns[4], typeof(string), nullable: true),
        Column(Columns[5], typeof(DateTime)),
        Column(Columns[6], typeof(DateTime), nullable: true),
        Column(Columns[7], typeof(long), nullable: true),
        Column(Columns[8], typeof(string), 64),
        Column(Columns[9], typeof(string), 255, nullable: true),
        Column(Columns[10], typeof(string), 255, nullable: true),
        Column(Columns[11], typeof(string), 255, nullable: true),
    ]);

    public string SelectSql => Select(Delimit, Name);

    public static string Select(Func<string, string> delimit, string table)
        => $"SELECT {string.Join(", ", Columns.Select(delimit))} FROM {delimit(table)} ORDER BY {delimit(Columns[0])}";

    /// <summary>
    /// The row of a step a live run applied, with the times it measured. The id is the next one
    /// (the migration lock keeps writers apart), so the statement inserts exactly one row.
    /// </summary>
    public string InsertSql(HistoryStep step, DateTime startedAt, DateTime endedAt, DatabaseDialect dialect)
    {
        // To the millisecond, as a script's clock gives it: the stored times then give the duration exactly.
        var (start, end) = (Milliseconds(startedAt), Milliseconds(endedAt));
        return InsertSql(step, Literal(start), Literal(end), ((long)(end - start).TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            Literal(Environment.UserName), dialect.DatabaseUserSql, Literal(Environment.MachineName));
    }

    private static DateTime Milliseconds(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    /// <summary>
    /// A script's row: inserted first in the transaction that records the step, timed by the
    /// database's clock, and finished by <see cref="ScriptFinishSql"/> before its COMMIT. The machine that
    /// will run the script is not known when it is written: no OS user or host.
    /// </summary>
    public string ScriptInsertSql(HistoryStep step, DatabaseDialect dialect)
        => InsertSql(step, dialect.ClockSql, "NULL", "NULL", "NULL", dialect.DatabaseUserSql, "NULL");

    /// <summary>A script's row finished: its end time and duration by the database's clock.</summary>
    public string ScriptFinishSql(DatabaseDialect dialect)
        => $"UPDATE {Delimit(Name)} SET {Delimit(Columns[6])} = {dialect.ClockSql}, {Delimit(Columns[7])} = {dialect.MillisecondsSinceSql(Delimit(Columns[5]))} "
           + $"WHERE {Delimit(Columns[0])} = (SELECT MAX({Delimit(Columns[0])}) FROM {Delimit(Name)})" + Terminator;

    private string InsertSql(
        HistoryStep step, string startedAt, string endedAt, string durationMs, string osUser, string databaseUser, string host)
    {
        var id = Delimit(Columns[0]);
        return $"INSERT INTO {Delimit(Name)} ({string.Join(", ", Columns.Select(Delimit))}) "
               + $"SELECT COALESCE(MAX({id}), 0) + 1, {Literal(step.Revision)}, {Literal(step.Direction)}, "
               + $"{Literal(step.Checksum?.Value)}, {Literal(step.Checksum is null ? null : string.Join(' ', step.Checksum.Statements))}, "
               + $"{startedAt}, {endedAt}, {durationMs}, {Literal(ToolVersion)}, {osUser}, {databaseUser}, {host} "
               + $"FROM {Delimit(Name)}" + Terminator;
    }

    /// <summary>The history's rows, oldest first, read with a command of the caller's.</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<HistoryEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new HistoryEntry(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                reader.GetString(1),
                reader.GetString(2),
                Text(reader, 3),
                Text(reader, 4)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
                Utc(reader.GetDateTime(5)),
                reader.IsDBNull(6) ? null : Utc(reader.GetDateTime(6)),
                reader.IsDBNull(7) ? null : Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture),
                reader.GetString(8),
                Text(reader, 9),
                Text(reader, 10),
                Text(reader, 11)));
        }

        return entries;
    }

    private static string? Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    // SQLite hands back the text it stored, without a kind: it was written in UTC.
    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static string ReadToolVersion()
    {
        var version = typeof(HistoryTable).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
        var metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }
}

/// <summary>A step as the history records it: stamp rows run nothing and carry no checksum.</summary>
internal sealed record HistoryStep(string Revision, string Direction, SqlChecksum? Checksum)
{
    public const string Stamp = "stamp";
}

/// <summary>One row of the history.</summary>
/// <param name="StatementChecksums">A short hash per statement that ran (<see cref="SqlChecksum.Statements"/>).</param>
/// <param name="OsUser">Null for a row a <c>--sql</c> script wrote.</param>
/// <param name="DatabaseUser">Null where the database has no users (SQLite).</param>
internal sealed record HistoryEntry(
    long Id,
    string Revision,
    string Direction,
    string? Checksum,
    IReadOnlyList<string> StatementChecksums,
    DateTime StartedAt,
    DateTime? EndedAt,
    long? DurationMs,
    string ToolVersion,
    string? OsUser,
    string? DatabaseUser,
    string? Host);
