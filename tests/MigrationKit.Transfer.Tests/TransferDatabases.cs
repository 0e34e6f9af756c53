using MigrationKit.Testing;
using MigrationKit.Transfer.Postgres;
using MigrationKit.Transfer.Tables;

namespace MigrationKit.Transfer.Tests;

/// <summary>One test's source and target: two real PostgreSQL databases with the same schema and revision.</summary>
internal sealed class TransferDatabases
{
    public const string Revision = "a1b2c3d4e5f6";

    private TransferDatabases(Database source, Database target)
    {
        Source = source;
        Target = target;
    }

    public Database Source { get; }

    public Database Target { get; }

    /// <summary>Both databases built by <paramref name="schema"/>, as `upgrade head` would build them, and stamped at <see cref="Revision"/>.</summary>
    public static async Task<TransferDatabases> CreateAsync(string schema, string? targetRevision = Revision)
    {
        var source = await Database.CreateAsync(schema, Revision);
        var target = await Database.CreateAsync(schema, targetRevision);
        return new TransferDatabases(source, target);
    }

    public Task<CopyResult> CopyAsync(IReadOnlyList<TransferTable> tables, CopyOptions? options = null, ITransferProgress? progress = null)
        => new PostgresCopy(Source.ConnectionString, Target.ConnectionString, options ?? new CopyOptions { Jobs = 2 }, progress)
            .RunAsync(tables, CancellationToken.None);

    /// <summary>Every row of the table as text, ordered: what both ends must agree on.</summary>
    public static string RowsSql(string table, string orderBy = "1") => $"SELECT t::text FROM {table} t ORDER BY {orderBy}";

    /// <summary>Asserts the target holds exactly the source's rows of each table.</summary>
    public async Task AssertSameRowsAsync(params string[] tables)
    {
        foreach (var table in tables)
        {
            var expected = await Source.QueryAsync(RowsSql(table));
            var actual = await Target.QueryAsync(RowsSql(table));
            Assert.Equal(expected, actual);
        }
    }

    internal sealed class Database : ScratchDatabase
    {
        private Database(string connectionString)
            : base(Postgres, connectionString, null)
        {
        }

        public static async Task<Database> CreateAsync(string schema, string? revision)
        {
            var database = new Database(await PostgresServer.CreateDatabaseAsync());
            await database.ExecuteAsync(schema);
            if (revision is not null)
            {
                await database.ExecuteAsync($"CREATE TABLE {VersionTable} (version_num varchar(255) PRIMARY KEY); INSERT INTO {VersionTable} VALUES ('{revision}')");
            }

            return database;
        }

        public async Task<long> CountAsync(string table) => long.Parse((await QueryAsync($"SELECT count(*) FROM {table}")).Single(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Tables described by hand, for schemas written in SQL.</summary>
internal static class Describe
{
    public static TransferTable Table(string name, string[] columns, string[]? key = null, params (string Name, string Principal)[] foreignKeys)
        => new(null, name, columns.Select(c => new TransferColumn(c)).ToList(), key ?? ["id"],
            foreignKeys.Select(fk => new TransferForeignKey(fk.Name, fk.Principal)).ToList());
}
