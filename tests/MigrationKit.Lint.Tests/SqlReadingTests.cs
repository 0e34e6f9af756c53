using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using MigrationKit.Core;
using MigrationKit.Lint.Sql;
using MigrationKit.Runner.Sql;
using MigrationKit.Testing;

namespace MigrationKit.Lint.Tests;

/// <summary>How raw SQL is read, which type changes rewrite a table, acknowledgements, and new revisions.</summary>
public sealed class SqlReadingTests
{
    [Fact]
    public void Raw_sql_splits_into_statements_at_semicolons_outside_literals_comments_and_dollar_quotes()
    {
        var statements = SqlLexer.Statements("""
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            /* block; comment */ INSERT INTO t VALUES ('a;b');
            create index concurrently "IX;x" on "Orders" (id)
            """);

        Assert.Equal(3, statements.Count);
        var index = new SqlStatement(statements[2], false, 0).AsCreateIndex();
        Assert.Equal(new CreateIndex("IX;x", new TableName(null, "Orders"), false, true), index);
    }

    [Fact]
    public void Alter_table_reads_each_action_of_a_statement()
    {
        var alter = new SqlStatement(SqlLexer.Statements(
            "ALTER TABLE ONLY public.orders ADD CONSTRAINT ck CHECK (note IS NOT NULL) NOT VALID, ALTER COLUMN code TYPE varchar(20) USING code::varchar, ADD COLUMN x numeric(10, 2) DEFAULT random()")[0], false, 0).AsAlterTable()!;

        Assert.Equal(new TableName("public", "orders"), alter.Table);
        var check = Assert.Single(alter.AddedConstraints());
        Assert.True(check.NotValid);
        Assert.Equal("note", check.NotNullColumn());
        Assert.Equal([("code", "character varying(20)")], alter.TypeChanges());
        Assert.Equal("numeric(10,2)", Assert.Single(alter.AddedColumns()).Type);
    }

    [Theory]
    [InlineData("varchar(10)", "character varying(16)", false)]
    [InlineData("character varying(10)", "text", false)]
    [InlineData("character varying(10)", "varchar", false)]
    [InlineData("text", "varchar", false)]
    [InlineData("numeric(10,2)", "numeric(12,2)", false)]
    [InlineData("numeric(10,2)", "numeric", false)]
    [InlineData("int4", "integer", false)]
    [InlineData("character varying(10)", "character varying(5)", true)]
    [InlineData("integer", "bigint", true)]
    [InlineData("text", "character varying(10)", true)]
    [InlineData("numeric(10,2)", "numeric(12,3)", true)]
    [InlineData("timestamp", "timestamptz", true)]
    [InlineData("text", "text[]", true)]
    public void Type_changes_rewrite_the_table_unless_binary_coercible(string from, string to, bool rewrites)
        => Assert.Equal(rewrites, StoreTypes.Rewrites(StoreTypes.Normalize(from), StoreTypes.Normalize(to)));

    [Fact]
    public void An_acknowledged_finding_is_listed_with_its_reason()
    {
        var findings = Linting.Lint(ScratchDatabase.Postgres, Shop.With(typeof(Acknowledged.Index)), "5b00000001f1");

        var index = Assert.Single(findings, f => f.Rule == "require-concurrent-index-creation");
        Assert.Equal("orders holds 200 rows", index.AcknowledgedBecause);
        Assert.False(Assert.Single(findings, f => f.Rule == "require-lock-timeout").IsAcknowledged);
    }

    [Fact]
    public void Acknowledging_a_rule_that_does_not_exist_fails_in_one_line_naming_it()
    {
        var error = Assert.Throws<MigrationKitException>(
            () => Linting.Lint(ScratchDatabase.Postgres, Shop.With(typeof(Acknowledged.UnknownRule)), "5b00000001f2"));
        Assert.Equal("Revision 5b00000001f2 acknowledges lint rule 'require-concurrent-index', which does not exist.", error.Message);
    }

    [Fact]
    public void Acknowledging_without_a_reason_fails()
        => Assert.Contains("without a reason", Assert.Throws<MigrationKitException>(
            () => Linting.Lint(ScratchDatabase.Postgres, Shop.With(typeof(Acknowledged.NoReason)), "5b00000001f3")).Message);

    [Fact]
    public void A_revision_not_written_yet_is_linted_from_its_operations_and_models()
    {
        using var context = Linting.Context(ScratchDatabase.Postgres);
        var running = RunningModel(context);
        MigrationOperation[] operations =
        [
            new DropColumnOperation { Table = "orders", Name = "note" },
            new CreateIndexOperation { Name = "ix_orders_code", Table = "orders", Columns = ["code"] },
        ];

        var findings = new RevisionLinter(context, new LintSettings { LockTimeout = TimeSpan.FromSeconds(2) }).LintNew(operations, null, running);

        Assert.Equal(["require-concurrent-index-creation", "ban-drop-column"], findings.Select(f => f.Rule));
        Assert.All(findings, f => Assert.Equal(RevisionLinter.NewRevision, f.Revision));
    }

    /// <summary>Shop's model, finalized as the runner finalizes a snapshot.</summary>
    private static Microsoft.EntityFrameworkCore.Metadata.IModel RunningModel(DbContext context)
    {
        var builder = new ModelBuilder();
        Shop.Model(builder);
        return Microsoft.EntityFrameworkCore.Infrastructure.AccessorExtensions.GetService<Microsoft.EntityFrameworkCore.Infrastructure.IModelRuntimeInitializer>(context)
            .Initialize(builder.Model.FinalizeModel(), designTime: true);
    }
}
