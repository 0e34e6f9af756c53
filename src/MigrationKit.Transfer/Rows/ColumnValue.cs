using System.Data.Common;

namespace MigrationKit.Transfer.Rows;

/// <summary>
/// Receives one row's values, column by column, in the target's own encoding. The generic write
/// keeps value types unboxed from the source's reader to the target's wire.
/// </summary>
internal interface IRowSink
{
    ValueTask WriteAsync<T>(int column, T value, CancellationToken cancellationToken);

    ValueTask WriteNullAsync(int column, CancellationToken cancellationToken);
}

/// <summary>
/// One column of a copy across providers: its value read from the source as the type the model
/// stores (<see cref="Tables.TransferColumn.ClrType"/>), so that SQLite's text (dates, decimals,
/// GUIDs) is parsed the way EF Core parses it, and handed to the target or to a checksum.
/// </summary>
internal abstract class ColumnValue
{
    /// <summary>The types both providers store and both ADO.NET readers return; null for any other.</summary>
    public static ColumnValue? For(Type? type) => type switch
    {
        _ when type == typeof(bool) => new Of<bool>(),
        _ when type == typeof(byte) => new Of<byte>(),
        _ when type == typeof(short) => new Of<short>(),
        _ when type == typeof(int) => new Of<int>(),
        _ when type == typeof(long) => new Of<long>(),
        _ when type == typeof(float) => new Of<float>(),
        _ when type == typeof(double) => new Of<double>(),
        _ when type == typeof(decimal) => new Of<decimal>(),
        _ when type == typeof(string) => new Of<string>(),
        _ when type == typeof(byte[]) => new Of<byte[]>(),
        _ when type == typeof(Guid) => new Of<Guid>(),
        _ when type == typeof(DateTime) => new Of<DateTime>(),
        _ when type == typeof(DateTimeOffset) => new Of<DateTimeOffset>(),
        _ when type == typeof(DateOnly) => new Of<DateOnly>(),
        _ when type == typeof(TimeOnly) => new Of<TimeOnly>(),
        _ when type == typeof(TimeSpan) => new Of<TimeSpan>(),
        _ => null,
    };

    public abstract Type Type { get; }

    public abstract ValueTask CopyAsync(DbDataReader source, int ordinal, IRowSink target, CancellationToken cancellationToken);

    public abstract void AddTo(RowChecksum checksum, DbDataReader source, int ordinal);

    /// <summary>The source's value as an export's CSV field, and into the export's checksum.</summary>
    public abstract ValueTask ExportAsync(DbDataReader source, int ordinal, CsvRowWriter csv, RowChecksum checksum, CancellationToken cancellationToken);

    /// <summary>An export's CSV field (null for NULL) parsed into the model's type and handed to the target.</summary>
    public abstract ValueTask ImportAsync(string? field, int column, IRowSink target, CancellationToken cancellationToken);

    private sealed class Of<T> : ColumnValue
        where T : notnull
    {
        public override Type Type => typeof(T);

        public override ValueTask CopyAsync(DbDataReader source, int ordinal, IRowSink target, CancellationToken cancellationToken)
            => source.IsDBNull(ordinal)
                ? target.WriteNullAsync(ordinal, cancellationToken)
                : target.WriteAsync(ordinal, source.GetFieldValue<T>(ordinal), cancellationToken);

        public override void AddTo(RowChecksum checksum, DbDataReader source, int ordinal)
        {
            if (source.IsDBNull(ordinal))
            {
                checksum.AddNull();
            }
            else
            {
                checksum.Add(source.GetFieldValue<T>(ordinal));
            }
        }

        public override ValueTask ExportAsync(DbDataReader source, int ordinal, CsvRowWriter csv, RowChecksum checksum, CancellationToken cancellationToken)
        {
            if (source.IsDBNull(ordinal))
            {
                checksum.AddNull();
                return csv.NullAsync(cancellationToken);
            }

            var value = source.GetFieldValue<T>(ordinal);
            checksum.Add(value);
            CsvText.Append(csv.Field, value);
            return csv.EndFieldAsync(cancellationToken);
        }

        public override ValueTask ImportAsync(string? field, int column, IRowSink target, CancellationToken cancellationToken)
            => field is null
                ? target.WriteNullAsync(column, cancellationToken)
                : target.WriteAsync(column, CsvText.Parse<T>(field), cancellationToken);
    }
}
