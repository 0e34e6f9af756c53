using System.Data.Common;
using System.Runtime.CompilerServices;
using MigrationKit.Core;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;
using Npgsql;
using NpgsqlTypes;
using Serilog;

namespace MigrationKit.Transfer.Rows;

/// <summary>A PostgreSQL end of a copy across providers: rows in through Npgsql's binary importer (binary COPY).</summary>
internal sealed class PostgresRows : RowDatabase
{
    private readonly PostgresEndpoint _endpoint;
    private readonly NpgsqlConnection _connection;
    private DatabaseCatalog? _catalog;
    private TargetForeignKeys? _foreignKeys;
    private string? _restoreForeignKeys;

    private PostgresRows(string role, PostgresEndpoint endpoint, NpgsqlConnection connection)
        : base(role)
    {
        _endpoint = endpoint;
        _connection = connection;
    }

    public override string Display => _endpoint.Display;

    public override DbConnection Connection => _connection;

    public override DatabaseKind Kind => DatabaseKind.PostgreSql;

    public static async Task<PostgresRows> OpenAsync(string connectionString, string role, CancellationToken cancellationToken)
    {
        var endpoint = PostgresEndpoint.Create(role, connectionString);
        try
        {
            return new PostgresRows(role, endpoint, await endpoint.OpenAsync(cancellationToken));
        }
        catch
        {
            await endpoint.DisposeAsync();
            throw;
        }
    }

    public override Task<string> IdentityAsync(CancellationToken cancellationToken) => SameDatabase.OfPostgresAsync(_connection, cancellationToken);

    public override Task<IReadOnlyList<string>> ReadRevisionAsync(string versionTable, CancellationToken cancellationToken)
        => PostgresEndpoint.ReadRevisionAsync(_connection, versionTable, cancellationToken);

    public override async Task<DatabaseCatalog> ReadCatalogAsync(CancellationToken cancellationToken)
        => _catalog = await PostgresEndpoint.ReadCatalogAsync(_connection, cancellationToken);

    public override string? CannotHold(ColumnValue value, CatalogColumn column)
    {
        var type = BaseType(column.Type);
        var holds = value.Type switch
        {
            _ when value.Type == typeof(bool) => type is "boolean",
            _ when value.Type == typeof(byte) || value.Type == typeof(short) || value.Type == typeof(int) || value.Type == typeof(long)
                => type is "smallint" or "integer" or "bigint",
            _ when value.Type == typeof(float) || value.Type == typeof(double) => type is "real" or "double precision",
            _ when value.Type == typeof(decimal) => type is "numeric",
            _ when value.Type == typeof(string) => type is "text" or "character varying" or "character" or "json" or "jsonb",
            _ when value.Type == typeof(byte[]) => type is "bytea",
            _ when value.Type == typeof(Guid) => type is "uuid",
            _ when value.Type == typeof(DateTime) => type is "timestamp with time zone" or "timestamp without time zone" or "date",
            _ when value.Type == typeof(DateTimeOffset) => type is "timestamp with time zone",
            _ when value.Type == typeof(DateOnly) => type is "date",
            _ when value.Type == typeof(TimeOnly) => type is "time without time zone",
            _ when value.Type == typeof(TimeSpan) => type is "interval" or "time without time zone",
            _ => false,
        };
        return holds ? null : $"is {column.Type} on the {Role}, which does not hold the model's {value.Type.Name} values";
    }

    public override string Table(TransferTable table) => PgSql.Table(table);

    public override Task BeginSnapshotAsync(CancellationToken cancellationToken)
        => ExecuteAsync("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", cancellationToken);

    public override async Task<IReadOnlySet<string>?> NonDeferrableForeignKeysAsync(bool disableTriggers, CancellationToken cancellationToken)
    {
        _foreignKeys = await TargetForeignKeys.ReadAsync(_connection, cancellationToken);
        return disableTriggers ? null : _foreignKeys.CheckedAtOnce;
    }

    public override Task<IAsyncDisposable> LockForMigrationAsync(string versionTable, TimeSpan wait, ILogger log, CancellationToken cancellationToken)
        => PostgresEndpoint.LockForMigrationAsync(_connection, versionTable, wait, log, cancellationToken);

    protected override async Task BeginUnitAsync(LoadUnit unit, bool disableTriggers, bool truncate, CancellationToken cancellationToken)
    {
        await ExecuteAsync("BEGIN", cancellationToken);
        _restoreForeignKeys = await TargetTables.PrepareAsync(
            _connection, unit, disableTriggers, truncate,
            _foreignKeys ?? throw new InvalidOperationException("The target's foreign keys are read before a unit loads."),
            cancellationToken);
    }

    protected override Task FinishUnitAsync(LoadUnit unit, CancellationToken cancellationToken)
        => TargetTables.RestoreAsync(_connection, unit, _restoreForeignKeys, cancellationToken);

    public override async Task<ITableLoad> BeginTableAsync(TablePlan plan, int index, ConflictMode mode, CancellationToken cancellationToken)
    {
        var columns = _catalog!.Find(plan.Table)!;
        var types = plan.Columns.Select(c => WireType(columns[c].Type)).ToArray();
        var staging = mode == ConflictMode.Error ? null : PgSql.Quote($"migratekit_load_{index}");
        if (staging is not null)
        {
            await PostgresEndpoint.ExecuteAsync(_connection, TargetTables.CreateStagingSql(plan, staging), cancellationToken);
        }

        var importer = await _connection.BeginBinaryImportAsync(
            $"COPY {staging ?? PgSql.Table(plan.Table)} ({PgSql.Columns(plan.Columns)}) FROM STDIN (FORMAT binary)", cancellationToken);
        return new Load(_connection, importer, types, plan, staging, mode);
    }

    public override MigrationKitException Failed(string tables, DbException e, LoadAdvice? advice = null)
        => e is PostgresException pg ? TargetTables.Failed(tables, pg, advice) : new MigrationKitException($"Loading {tables} failed: {Reason(e)}", null, e);

    public override string Reason(DbException e) => PostgresEndpoint.Reason(e);

    public override async ValueTask DisposeAsync()
    {
        await Cleanup.Quiet(_connection).DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    /// <summary>format_type's spelling without a type modifier: "numeric(12,2)" is numeric, "character varying(20)" is character varying.</summary>
    private static string BaseType(string type)
    {
        var open = type.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return type;
        }

        var close = type.IndexOf(')', open);
        return (type[..open] + type[(close + 1)..]).Trim();
    }

    /// <summary>What binary COPY must be told each value is: the column's type, whatever CLR type carries it.</summary>
    private static NpgsqlDbType WireType(string type) => BaseType(type) switch
    {
        "boolean" => NpgsqlDbType.Boolean,
        "smallint" => NpgsqlDbType.Smallint,
        "integer" => NpgsqlDbType.Integer,
        "bigint" => NpgsqlDbType.Bigint,
        "real" => NpgsqlDbType.Real,
        "double precision" => NpgsqlDbType.Double,
        "numeric" => NpgsqlDbType.Numeric,
        "character varying" => NpgsqlDbType.Varchar,
        "character" => NpgsqlDbType.Char,
        "json" => NpgsqlDbType.Json,
        "jsonb" => NpgsqlDbType.Jsonb,
        "bytea" => NpgsqlDbType.Bytea,
        "uuid" => NpgsqlDbType.Uuid,
        "timestamp with time zone" => NpgsqlDbType.TimestampTz,
        "timestamp without time zone" => NpgsqlDbType.Timestamp,
        "date" => NpgsqlDbType.Date,
        "time without time zone" => NpgsqlDbType.Time,
        "interval" => NpgsqlDbType.Interval,
        _ => NpgsqlDbType.Text,
    };

    private sealed class Load(NpgsqlConnection connection, NpgsqlBinaryImporter importer, NpgsqlDbType[] types, TablePlan plan, string? staging, ConflictMode mode) : ITableLoad
    {
        public ValueTask StartRowAsync(CancellationToken cancellationToken) => new(importer.StartRowAsync(cancellationToken));

        public ValueTask EndRowAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteAsync<T>(int column, T value, CancellationToken cancellationToken)
        {
            var type = types[column];
            if (typeof(T) == typeof(DateTime))
            {
                // SQLite keeps no Kind; timestamptz takes UTC, timestamp takes the wall clock. Both keep
                // microseconds: the 100 ns ticks are cut here, as RowChecksum cuts them, not left to the driver.
                var time = Unsafe.As<T, DateTime>(ref value);
                time = time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMicrosecond));
                time = type == NpgsqlDbType.TimestampTz
                    ? time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)
                    : DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
                return new(importer.WriteAsync(time, type, cancellationToken));
            }

            if (typeof(T) == typeof(DateTimeOffset))
            {
                // timestamptz keeps the instant, not the offset; Npgsql takes only offset 0.
                var instant = Unsafe.As<T, DateTimeOffset>(ref value).ToUniversalTime();
                return new(importer.WriteAsync(instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerMicrosecond)), type, cancellationToken));
            }

            return new(importer.WriteAsync(value, type, cancellationToken));
        }

        public ValueTask WriteNullAsync(int column, CancellationToken cancellationToken) => new(importer.WriteNullAsync(cancellationToken));

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await importer.CompleteAsync(cancellationToken);
            await importer.DisposeAsync();
            if (staging is not null)
            {
                await PostgresEndpoint.ExecuteAsync(connection, TargetTables.MergeStagingSql(plan, staging, ConflictSql.For(plan, mode)), cancellationToken);
            }

            await TargetTables.SetSequencesAsync(connection, PgSql.Table(plan.Table), cancellationToken);
        }

        // Disposed before CompleteAsync, the importer cancels the COPY: the target keeps nothing of it. Quietly,
        // since that happens after a failure, which is what must be reported.
        public async ValueTask DisposeAsync() => await Cleanup.QuietlyAsync(async () => await importer.DisposeAsync());
    }
}
