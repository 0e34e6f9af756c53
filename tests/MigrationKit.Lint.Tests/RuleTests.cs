using System.Reflection;
using MigrationKit.Testing;

namespace MigrationKit.Lint.Tests;

/// <summary>
/// Every rule fires on a revision that breaks it, and stays quiet on the safe form it recommends;
/// the safe form is applied to a real database through the runner, so the advice is SQL that works.
/// </summary>
public sealed class RuleTests
{
    private const string Pg = ScratchDatabase.Postgres;
    private const string Sqlite = ScratchDatabase.Sqlite;

    [Fact]
    public void Require_concurrent_index_creation_fires_on_a_plain_index_of_an_existing_table()
        => Assert.Equal("orders", Fires("require-concurrent-index-creation", typeof(IndexCreation.Fires)).Table);

    [Fact]
    public Task Require_concurrent_index_creation_passes_a_concurrent_index_and_a_plain_one_on_a_new_table()
        => SafeAsync("require-concurrent-index-creation", typeof(IndexCreation.Safe));

    [Fact]
    public void Require_concurrent_index_deletion_fires_on_drop_index_and_names_the_table()
        => Assert.Equal("orders", Fires("require-concurrent-index-deletion", typeof(IndexDeletion.Fires)).Table);

    [Fact]
    public Task Require_concurrent_index_deletion_passes_drop_index_concurrently()
        => SafeAsync("require-concurrent-index-deletion", typeof(IndexDeletion.Safe));

    [Fact]
    public void Ban_concurrent_index_creation_in_transaction_fires_on_raw_sql_without_suppress_transaction()
        => Fires("ban-concurrent-index-creation-in-transaction", typeof(ConcurrentInTransaction.Fires));

    [Fact]
    public async Task Ban_concurrent_index_creation_in_transaction_passes_suppressed_sql_and_npgsql_concurrent_indexes()
    {
        await SafeAsync("ban-concurrent-index-creation-in-transaction", typeof(ConcurrentInTransaction.Safe));
        await SafeAsync("ban-concurrent-index-creation-in-transaction", typeof(IndexCreation.Safe));
    }

    [Fact]
    public void Adding_foreign_key_constraint_fires_on_add_foreign_key_to_an_existing_table()
        => Assert.Equal("orders", Fires("adding-foreign-key-constraint", typeof(ForeignKey.Fires)).Table);

    [Fact]
    public void Adding_foreign_key_constraint_fires_when_validated_in_the_transaction_that_added_it()
        => Assert.Contains("same transaction", Fires("adding-foreign-key-constraint", typeof(ForeignKey.ValidatedInTheSameTransaction)).Message);

    [Fact]
    public Task Adding_foreign_key_constraint_passes_not_valid_then_validate_alone()
        => SafeAsync("adding-foreign-key-constraint", typeof(ForeignKey.Safe));

    [Fact]
    public void Constraint_missing_not_valid_fires_on_add_check_constraint()
        => Fires("constraint-missing-not-valid", typeof(CheckConstraint.Fires));

    [Fact]
    public Task Constraint_missing_not_valid_passes_not_valid_then_validate_alone()
        => SafeAsync("constraint-missing-not-valid", typeof(CheckConstraint.Safe));

    [Fact]
    public void Disallowed_unique_constraint_fires_on_add_unique_constraint()
        => Fires("disallowed-unique-constraint", typeof(UniqueConstraint.Fires));

    [Fact]
    public Task Disallowed_unique_constraint_passes_a_concurrent_unique_index_then_using_index()
        => SafeAsync("disallowed-unique-constraint", typeof(UniqueConstraint.Safe));

    [Fact]
    public void Changing_column_type_fires_on_integer_to_bigint()
        => Assert.Contains("from integer to bigint", Fires("changing-column-type", typeof(ColumnType.Widened)).Message);

    [Fact]
    public void Changing_column_type_reads_the_types_of_a_hand_written_alter_column_from_the_provider()
        => Assert.Contains("from integer to bigint", Fires("changing-column-type", typeof(ColumnType.WidenedByHand)).Message);

    [Fact]
    public void Changing_column_type_reads_the_old_type_of_raw_sql_from_the_running_model()
        => Assert.Contains("from character varying(10) to character varying(5)", Fires("changing-column-type", typeof(ColumnType.Narrowed)).Message);

    [Fact]
    public Task Changing_column_type_passes_varchar_widened_and_varchar_to_text()
        => SafeAsync("changing-column-type", typeof(ColumnType.Safe));

    [Fact]
    public void Adding_not_nullable_field_fires_on_set_not_null()
        => Fires("adding-not-nullable-field", typeof(NotNull.Fires));

    [Fact]
    public Task Adding_not_nullable_field_passes_after_a_check_validated_in_its_own_transaction()
        => SafeAsync("adding-not-nullable-field", typeof(NotNull.Safe));

    [Fact]
    public void Adding_field_with_default_fires_on_a_volatile_default()
        => Assert.Contains("gen_random_uuid()", Fires("adding-field-with-default", typeof(VolatileDefault.Fires)).Message);

    [Fact]
    public Task Adding_field_with_default_passes_now_a_constant_and_a_volatile_default_on_a_new_table()
        => SafeAsync("adding-field-with-default", typeof(VolatileDefault.Safe));

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public void Renaming_column_fires_on_a_mapped_column(string provider)
    {
        Fires("renaming-column", typeof(Renames.Column), provider);
        Fires("renaming-column", typeof(Renames.ColumnInSql), provider);
    }

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public Task Renaming_column_passes_a_new_column_filled_from_the_old(string provider)
        => SafeAsync("renaming-column", provider, typeof(Renames.ColumnSafe));

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public void Renaming_table_fires_on_a_mapped_table(string provider)
        => Fires("renaming-table", typeof(Renames.Table), provider);

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public Task Renaming_table_passes_a_new_table_filled_from_the_old(string provider)
        => SafeAsync("renaming-table", provider, typeof(Renames.TableSafe));

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public void Ban_drop_column_fires_on_a_column_the_running_app_maps(string provider)
    {
        Assert.Equal("orders", Fires("ban-drop-column", typeof(Drops.Column), provider).Table);
        Fires("ban-drop-column", typeof(Drops.ColumnInSql), provider);
    }

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public Task Ban_drop_column_passes_once_a_released_revision_stopped_mapping_it(string provider)
        => SafeAsync("ban-drop-column", provider, typeof(Drops.NoteUnmapped), typeof(Drops.ColumnSafe));

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public void Ban_drop_table_fires_on_a_table_the_running_app_maps(string provider)
        => Fires("ban-drop-table", typeof(Drops.Table), provider);

    [Theory]
    [InlineData(Pg)]
    [InlineData(Sqlite)]
    public Task Ban_drop_table_passes_once_a_released_revision_stopped_mapping_it(string provider)
        => SafeAsync("ban-drop-table", provider, typeof(Drops.OrdersUnmapped), typeof(Drops.TableSafe));

    [Fact]
    public void Ban_vacuum_full_fires_on_vacuum_full()
        => Assert.Equal("orders", Fires("ban-vacuum-full", typeof(Maintenance.VacuumFull)).Table);

    [Fact]
    public Task Ban_vacuum_full_passes_plain_vacuum()
        => SafeAsync("ban-vacuum-full", typeof(Maintenance.Vacuum));

    [Fact]
    public void Ban_cluster_fires_on_cluster()
        => Fires("ban-cluster", typeof(Maintenance.Cluster));

    [Fact]
    public Task Ban_cluster_passes_a_statement_that_only_mentions_cluster()
        => SafeAsync("ban-cluster", typeof(Maintenance.WithoutCluster));

    [Fact]
    public void Ban_truncate_cascade_fires_on_truncate_cascade()
        => Fires("ban-truncate-cascade", typeof(Maintenance.TruncateCascade));

    [Fact]
    public Task Ban_truncate_cascade_passes_a_truncate_that_names_its_tables()
        => SafeAsync("ban-truncate-cascade", typeof(Maintenance.Truncate));

    [Fact]
    public void Require_lock_timeout_fires_when_neither_the_tool_nor_the_revision_sets_one()
        => Assert.Equal("-", Fires("require-lock-timeout", typeof(LockTimeout.Fires)).Table);

    [Fact]
    public async Task Require_lock_timeout_passes_a_revision_that_sets_one_or_touches_only_new_tables()
    {
        await SafeAsync("require-lock-timeout", typeof(LockTimeout.Safe));
        await SafeAsync("require-lock-timeout", typeof(LockTimeout.NewTableOnly));
    }

    [Fact]
    public void Require_lock_timeout_passes_when_the_tool_sets_one()
    {
        var types = Shop.With(typeof(LockTimeout.Fires));
        Assert.DoesNotContain("require-lock-timeout", Linting.Rules(Pg, types, Id(typeof(LockTimeout.Fires)), new LintSettings { LockTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Contains("require-lock-timeout", Linting.Rules(Pg, types, Id(typeof(LockTimeout.Fires)), new LintSettings { LockTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public void Prefer_bigint_over_int_fires_on_an_integer_key()
        => Assert.Equal("events", Fires("prefer-bigint-over-int", typeof(Types.IntegerKey)).Table);

    [Fact]
    public Task Prefer_bigint_over_int_passes_a_bigint_key_beside_an_integer_column()
        => SafeAsync("prefer-bigint-over-int", typeof(Types.BigintKey));

    [Fact]
    public void Prefer_timestamptz_fires_on_timestamp_without_time_zone()
        => Fires("prefer-timestamptz", typeof(Types.Timestamp));

    [Fact]
    public Task Prefer_timestamptz_passes_timestamp_with_time_zone()
        => SafeAsync("prefer-timestamptz", typeof(Types.Timestamptz));

    [Fact]
    public void Sqlite_table_rebuild_fires_when_ef_rebuilds_an_existing_table()
        => Assert.Equal("orders", Fires("sqlite-table-rebuild", typeof(SqliteRebuild.Fires), Sqlite).Table);

    [Fact]
    public Task Sqlite_table_rebuild_passes_an_added_nullable_column()
        => SafeAsync("sqlite-table-rebuild", Sqlite, typeof(SqliteRebuild.Safe));

    [Fact]
    public void PostgreSQL_rules_stay_quiet_on_sqlite()
        => Assert.Empty(Linting.Rules(Sqlite, Shop.With(typeof(IndexCreation.Fires)), Id(typeof(IndexCreation.Fires))));

    /// <summary>Lints the revision on Shop.Base and returns the rule's one finding.</summary>
    private static LintFinding Fires(string rule, Type revision, string provider = Pg)
    {
        var findings = Linting.Lint(provider, Shop.With(revision), Id(revision));
        return Assert.Single(findings, f => f.Rule == rule);
    }

    private static Task SafeAsync(string rule, params Type[] chain) => SafeAsync(rule, Pg, chain);

    /// <summary>The last revision of the chain on Shop.Base does not fire the rule, and the chain upgrades a real database.</summary>
    private static async Task SafeAsync(string rule, string provider, params Type[] chain)
    {
        var types = Shop.With(chain);
        var findings = Linting.Lint(provider, types, Id(chain[^1]));
        Assert.DoesNotContain(findings, f => f.Rule == rule);
        using var database = await LintDatabase.CreateAsync(provider);
        await database.UpgradeAsync(types);
        Assert.Equal([Id(chain[^1])], await database.VersionRowsAsync());
    }

    private static string Id(Type revision) => revision.GetCustomAttribute<RevisionAttribute>()!.Id;
}
