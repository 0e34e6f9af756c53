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

    /// <param name="targetConnection">Another user's way into the target; default the owner's.</param>
    public Task<CopyResult> CopyAsync(IReadOnlyList<TransferTable> tables, CopyOptions? options = null, ITransferProgress? progress = null, string? targetConnection = null)
        => new PostgresCopy(Source.ConnectionString, targetConnection ?? Target.ConnectionString, options ?? new CopyOptions { Jobs = 2 }, progress)
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

        /// <summary>
        /// A new login that may read and write every table of this database, and create tables, but
        /// owns none: what a copy sees when it runs as an application user rather than the schema's owner.
        /// </summary>
        public async Task<string> NonOwnerAsync()
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            var role = $"loader_{builder.Database}";
            var password = Guid.NewGuid().ToString("N");
            await ExecuteAsync($"""
                CREATE ROLE {role} LOGIN PASSWORD '{password}';
                GRANT CONNECT, TEMP ON DATABASE "{builder.Database}" TO {role};
                GRANT USAGE, CREATE ON SCHEMA public TO {role};
                GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {role};
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
                """);
            builder.Username = role;
            builder.Password = password;
            return builder.ConnectionString;
        }

        /// <summary>Every foreign key of the database with its definition and comment, sorted: what a load must leave as it found it.</summary>
        public Task<List<string>> ForeignKeysAsync() => QueryAsync("""
            SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated || coalesce(' ' || obj_description(oid, 'pg_constraint'), '')
            FROM pg_constraint WHERE contype = 'f' ORDER BY 1
            """);

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
