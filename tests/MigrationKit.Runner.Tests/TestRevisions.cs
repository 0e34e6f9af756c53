using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MigrationKit.Runner.Tests;

// Small graphs the runner tests apply to real databases. Each chain is a set of nested classes
// handed to RevisionCatalog.FromTypes, so one test assembly can hold many graphs.

/// <summary>Five linear revisions: tables, a foreign key, a column, an index, data.</summary>
public static class Linear
{
    public static readonly Type[] All = [typeof(R1), typeof(R2), typeof(R3), typeof(R4), typeof(R5)];

    [Revision("aa0000000001", Message = "create accounts")]
    public sealed class R1 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "accounts",
            t => new { Id = t.Column<int>(nullable: false), Name = t.Column<string>(nullable: false) },
            constraints: t => t.PrimaryKey("PK_accounts", x => x.Id));

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("accounts");
    }

    [Revision("aa0000000002", Parents = ["aa0000000001"], Message = "create payments")]
    public sealed class R2 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "payments",
            t => new { Id = t.Column<int>(nullable: false), AccountId = t.Column<int>(nullable: false) },
            constraints: t =>
            {
                t.PrimaryKey("PK_payments", x => x.Id);
                t.ForeignKey("FK_payments_accounts", x => x.AccountId, "accounts", "Id");
            });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("payments");
    }

    [Revision("aa0000000003", Parents = ["aa0000000002"], Message = "add amount")]
    public sealed class R3 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddColumn<decimal>("Amount", "payments", nullable: true);

        protected override void Downgrade(MigrationBuilder b) => b.Sql("ALTER TABLE payments DROP COLUMN \"Amount\"");
    }

    [Revision("aa0000000004", Parents = ["aa0000000003"], Message = "index account")]
    public sealed class R4 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("IX_payments_AccountId", "payments", "AccountId");

        protected override void Downgrade(MigrationBuilder b) => b.DropIndex("IX_payments_AccountId", "payments");
    }

    [Revision("aa0000000005", Parents = ["aa0000000004"], Message = "seed account")]
    public sealed class R5 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("INSERT INTO accounts (\"Id\", \"Name\") VALUES (1, 'first')");

        protected override void Downgrade(MigrationBuilder b) => b.Sql("DELETE FROM accounts WHERE \"Id\" = 1");
    }
}

/// <summary>Linear R1, R2, then a revision whose SQL fails half-way, then two more.</summary>
public static class FailingInTheMiddle
{
    public static readonly Type[] All = [typeof(Linear.R1), typeof(Linear.R2), typeof(Broken), typeof(After1), typeof(After2)];

    [Revision("bb0000000003", Parents = ["aa0000000002"], Message = "broken")]
    public sealed class Broken : Revision
    {
        // The first statement succeeds and must be rolled back with the second.
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable("half_done", t => new { Id = t.Column<int>(nullable: false) });
            b.Sql("INSERT INTO no_such_table VALUES (1)");
        }

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("half_done");
    }

    [Revision("bb0000000004", Parents = ["bb0000000003"], Message = "after one")]
    public sealed class After1 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("after_one", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("after_one");
    }

    [Revision("bb0000000005", Parents = ["bb0000000004"], Message = "after two")]
    public sealed class After2 : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("after_two", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("after_two");
    }
}

/// <summary>Two branches from one base, joined by a merge.</summary>
public static class Merged
{
    public static readonly Type[] All = [typeof(Base), typeof(Left), typeof(Right), typeof(Merge)];

    [Revision("cc0000000001", Message = "base")]
    public sealed class Base : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("base_table", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("base_table");
    }

    [Revision("cc0000000002", Parents = ["cc0000000001"], Message = "left", BranchLabels = ["left"])]
    public sealed class Left : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("left_table", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("left_table");
    }

    [Revision("cc0000000003", Parents = ["cc0000000001"], Message = "right")]
    public sealed class Right : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("right_table", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("right_table");
    }

    [Revision("cc0000000004", Parents = ["cc0000000002", "cc0000000003"], Message = "merge")]
    public sealed class Merge : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
        }

        protected override void Downgrade(MigrationBuilder b)
        {
        }
    }
}

/// <summary>
/// Two roots: orders (ee...01 - ee...02) and customers (ee...03 - ee...04), labelled "orders" and "customers";
/// ee...02 depends on ee...03, whose table its foreign key references.
/// </summary>
public static class DependsAcrossRoots
{
    public static readonly Type[] All = [typeof(Orders), typeof(OrderCustomer), typeof(Customers), typeof(CustomerName)];

    [Revision("ee0000000001", Message = "orders", BranchLabels = ["orders"])]
    public sealed class Orders : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "orders", t => new { Id = t.Column<int>(nullable: false) }, constraints: t => t.PrimaryKey("PK_orders", x => x.Id));

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("orders");
    }

    [Revision("ee0000000002", Parents = ["ee0000000001"], DependsOn = ["ee0000000003"], Message = "order customer")]
    public sealed class OrderCustomer : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "order_customers",
            t => new { OrderId = t.Column<int>(nullable: false), CustomerId = t.Column<int>(nullable: false) },
            constraints: t =>
            {
                t.PrimaryKey("PK_order_customers", x => x.OrderId);
                t.ForeignKey("FK_order_customers_customers", x => x.CustomerId, "customers", "Id");
            });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("order_customers");
    }

    [Revision("ee0000000003", Message = "customers", BranchLabels = ["customers"])]
    public sealed class Customers : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "customers", t => new { Id = t.Column<int>(nullable: false) }, constraints: t => t.PrimaryKey("PK_customers", x => x.Id));

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("customers");
    }

    [Revision("ee0000000004", Parents = ["ee0000000003"], Message = "customer name")]
    public sealed class CustomerName : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("customer_names", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("customer_names");
    }
}

/// <summary>One slow revision that records each time it runs, for the concurrency test.</summary>
public static class Counted
{
    public static readonly Type[] All = [typeof(Slow)];

    [Revision("dd0000000001", Message = "slow and counted")]
    public sealed class Slow : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable("runs", t => new { Id = t.Column<int>(nullable: false) });
            b.Sql(b.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL" ? "SELECT pg_sleep(0.5)" : "SELECT 1");
            b.Sql("INSERT INTO runs (\"Id\") VALUES (1)");
        }

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("runs");
    }
}

/// <summary>
/// A parent table referenced by an ON DELETE CASCADE child, then two revisions that SQLite can only
/// apply by rebuilding the parent: dropping a column (upgrade) and dropping one added later (downgrade).
/// </summary>
public static class RebuiltParent
{
    public static readonly Type[] All = [typeof(Tables), typeof(DropObsolete), typeof(AddNote)];

    [Revision("ff0000000001", Message = "parents and children")]
    public sealed class Tables : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable(
                "parents",
                t => new { Id = t.Column<int>(nullable: false), Obsolete = t.Column<string>(nullable: true) },
                constraints: t => t.PrimaryKey("PK_parents", x => x.Id));
            b.CreateTable(
                "children",
                t => new { Id = t.Column<int>(nullable: false), ParentId = t.Column<int>(nullable: false) },
                constraints: t =>
                {
                    t.PrimaryKey("PK_children", x => x.Id);
                    t.ForeignKey("FK_children_parents_ParentId", x => x.ParentId, "parents", "Id", onDelete: ReferentialAction.Cascade);
                });
        }

        protected override void Downgrade(MigrationBuilder b)
        {
            b.DropTable("children");
            b.DropTable("parents");
        }

        protected override void BuildTargetModel(ModelBuilder b) => Model(b, "Obsolete");
    }

    [Revision("ff0000000002", Parents = ["ff0000000001"], Message = "drop obsolete")]
    public sealed class DropObsolete : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropColumn("Obsolete", "parents");

        protected override void Downgrade(MigrationBuilder b) => b.AddColumn<string>("Obsolete", "parents", nullable: true);

        protected override void BuildTargetModel(ModelBuilder b) => Model(b);
    }

    [Revision("ff0000000003", Parents = ["ff0000000002"], Message = "add note")]
    public sealed class AddNote : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddColumn<string>("Note", "parents", nullable: true);

        protected override void Downgrade(MigrationBuilder b) => b.DropColumn("Note", "parents");

        protected override void BuildTargetModel(ModelBuilder b) => Model(b, "Note");
    }

    private static void Model(ModelBuilder b, string? extraParentColumn = null)
    {
        b.Entity("Parent", e =>
        {
            e.Property<int>("Id").ValueGeneratedNever();
            if (extraParentColumn is not null)
            {
                e.Property<string>(extraParentColumn);
            }

            e.HasKey("Id");
            e.ToTable("parents");
        });
        b.Entity("Child", e =>
        {
            e.Property<int>("Id").ValueGeneratedNever();
            e.Property<int>("ParentId");
            e.HasKey("Id");
            e.ToTable("children");
            e.HasOne("Parent", null).WithMany().HasForeignKey("ParentId").HasConstraintName("FK_children_parents_ParentId")
                .OnDelete(DeleteBehavior.Cascade).IsRequired();
        });
    }
}

/// <summary>A DbContext with revisions of its own (<c>init --context</c>), as an app with several contexts has.</summary>
public sealed class ReportingContext(DbContextOptions<ReportingContext> options) : DbContext(options);

/// <summary>Two revisions that name <see cref="ReportingContext"/>: its graph, apart from every other in this assembly.</summary>
public static class Reporting
{
    public static readonly Type[] All = [typeof(Totals), typeof(TotalsByDay)];

    [Revision("ab0000000001", Message = "create totals", Context = typeof(ReportingContext))]
    public sealed class Totals : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable(
            "totals",
            t => new { Id = t.Column<int>(nullable: false), Day = t.Column<string>(nullable: false) },
            constraints: t => t.PrimaryKey("PK_totals", x => x.Id));

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("totals");
    }

    [Revision("ab0000000002", Parents = ["ab0000000001"], Message = "index day", Context = typeof(ReportingContext))]
    public sealed class TotalsByDay : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("IX_totals_Day", "totals", "Day");

        protected override void Downgrade(MigrationBuilder b) => b.DropIndex("IX_totals_Day", "totals");
    }
}

/// <summary>
/// A revision in three parts: a table filled from <c>item_seed</c> (which the test creates), a
/// statement that refuses a transaction (on PostgreSQL a unique index built concurrently, on
/// SQLite VACUUM), a column. Parts 1 and 3 write a row to <c>item_audit</c> (the test's too), so a
/// part run twice shows. <see cref="SlowAll"/>: the same with parts that take measurable time, for kills.
/// </summary>
public static class InParts
{
    public const string Id = "gg0000000001";
    public const string SlowId = "gg0000000002";
    public const string Postgres = "Npgsql.EntityFrameworkCore.PostgreSQL";

    public static readonly Type[] All = [typeof(Items)];
    public static readonly Type[] SlowAll = [typeof(SlowItems)];

    /// <summary>The test's tables: the rows part 1 copies, and where parts 1 and 3 say that they ran.</summary>
    public const string Setup = "CREATE TABLE item_seed (id integer, code text); CREATE TABLE item_audit (what text NOT NULL);";

    [Revision(Id, Message = "items in parts")]
    public sealed class Items : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => UpgradeInParts(b, pause: 0);

        protected override void Downgrade(MigrationBuilder b) => DowngradeInParts(b);
    }

    [Revision(SlowId, Message = "slow items in parts")]
    public sealed class SlowItems : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => UpgradeInParts(b, pause: 0.2);

        protected override void Downgrade(MigrationBuilder b) => DowngradeInParts(b);
    }

    private static void UpgradeInParts(MigrationBuilder b, double pause)
    {
        b.CreateTable(
            "items",
            t => new { Id = t.Column<int>(nullable: false), Code = t.Column<string>(nullable: true) },
            constraints: t => t.PrimaryKey("PK_items", x => x.Id));
        b.Sql("INSERT INTO items (\"Id\", \"Code\") SELECT id, code FROM item_seed");
        b.Sql("INSERT INTO item_audit (what) VALUES ('part 1')");
        Pause(b, pause);
        if (b.ActiveProvider == Postgres)
        {
            b.CreateIndex("IX_items_Code", "items", "Code", unique: true).Annotation("Npgsql:CreatedConcurrently", true);
        }
        else
        {
            b.Sql("VACUUM", suppressTransaction: true);
        }

        b.AddColumn<string>("Note", "items", nullable: true);
        b.Sql("INSERT INTO item_audit (what) VALUES ('part 3')");
        Pause(b, pause);
    }

    private static void DowngradeInParts(MigrationBuilder b)
    {
        b.Sql("ALTER TABLE items DROP COLUMN \"Note\"");
        b.Sql("DELETE FROM item_audit WHERE what = 'part 3'");
        b.Sql(b.ActiveProvider == Postgres ? "DROP INDEX CONCURRENTLY \"IX_items_Code\"" : "VACUUM", suppressTransaction: true);
        b.Sql("DELETE FROM item_audit WHERE what = 'part 1'");
        b.DropTable("items");
    }

    private static void Pause(MigrationBuilder b, double seconds)
    {
        if (seconds > 0 && b.ActiveProvider == Postgres)
        {
            b.Sql(FormattableString.Invariant($"SELECT pg_sleep({seconds})"));
        }
    }
}

/// <summary>
/// PostgreSQL: a table the app writes to, then a revision that creates another table, one that
/// alters the first (ACCESS EXCLUSIVE, so it queues behind any open transaction that touched the
/// table), and one after it; for lock timeouts.
/// </summary>
public static class Busy
{
    public static readonly Type[] All = [typeof(Table), typeof(Audit), typeof(AddExtra), typeof(After)];

    [Revision("ac0000000001", Message = "create busy")]
    public sealed class Table : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("CREATE TABLE busy (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text)");

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("busy");
    }

    [Revision("ac0000000002", Parents = ["ac0000000001"], Message = "create audit")]
    public sealed class Audit : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("audit", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("audit");
    }

    [Revision("ac0000000003", Parents = ["ac0000000002"], Message = "add extra")]
    public sealed class AddExtra : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddColumn<string>("extra", "busy", nullable: true);

        protected override void Downgrade(MigrationBuilder b) => b.DropColumn("extra", "busy");
    }

    [Revision("ac0000000004", Parents = ["ac0000000003"], Message = "after")]
    public sealed class After : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("after_extra", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("after_extra");
    }
}

/// <summary>PostgreSQL: <see cref="Busy.Table"/>, then the same change to it as a statement that runs outside a transaction.</summary>
public static class BusyAlone
{
    public static readonly Type[] All = [typeof(Busy.Table), typeof(AddExtraAlone)];

    [Revision("ad0000000002", Parents = ["ac0000000001"], Message = "add extra alone")]
    public sealed class AddExtraAlone : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("ALTER TABLE busy ADD COLUMN extra text", suppressTransaction: true);

        protected override void Downgrade(MigrationBuilder b) => b.DropColumn("extra", "busy");
    }
}

/// <summary>PostgreSQL: one quick revision, then one that sleeps ten seconds.</summary>
public static class Sleepy
{
    public static readonly Type[] All = [typeof(Quick), typeof(Slow)];

    [Revision("ae0000000001", Message = "quick")]
    public sealed class Quick : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateTable("quick", t => new { Id = t.Column<int>(nullable: false) });

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("quick");
    }

    [Revision("ae0000000002", Parents = ["ae0000000001"], Message = "slow")]
    public sealed class Slow : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable("slow", t => new { Id = t.Column<int>(nullable: false) });
            b.Sql("SELECT pg_sleep(10)");
        }

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("slow");
    }
}

/// <summary>
/// PostgreSQL: a foreign key added the safe way on a table that has rows: <c>NOT VALID</c> in the
/// revision's transaction, then <c>VALIDATE CONSTRAINT</c> alone after it (the form autogenerate
/// writes with <c>notValidForeignKeys</c>).
/// </summary>
public static class NotValidKey
{
    public const string TablesId = "hh0000000001";
    public const string KeyId = "hh0000000002";

    public static readonly Type[] All = [typeof(Tables), typeof(Key)];

    [Revision(TablesId, Message = "parents and children")]
    public sealed class Tables : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.Sql("CREATE TABLE parent (id integer PRIMARY KEY); CREATE TABLE child (id integer PRIMARY KEY, parent_id integer)");

        protected override void Downgrade(MigrationBuilder b) => b.Sql("DROP TABLE child; DROP TABLE parent");
    }

    [Revision(KeyId, Parents = [TablesId], Message = "children reference parents")]
    public sealed class Key : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("ALTER TABLE child ADD CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;");
            b.Sql("ALTER TABLE child VALIDATE CONSTRAINT fk_child_parent;", suppressTransaction: true);
        }

        protected override void Downgrade(MigrationBuilder b) => b.Sql("ALTER TABLE child DROP CONSTRAINT fk_child_parent");
    }
}

/// <summary>
/// One chain (notes, then a seed row) in the versions a team might deploy over time: as applied,
/// reformatted (the raw SQL's layout, case and comments), and with a column's type changed. One id
/// names one class in this assembly, so the version a test deploys is chosen by <see cref="Deployed"/>,
/// which flows with that test's own calls only.
/// </summary>
public static class Edits
{
    public const string NotesId = "ii0000000001";
    public const string SeedId = "ii0000000002";

    public static readonly Type[] All = [typeof(Notes), typeof(Seed)];
    public static readonly Type[] WithoutSeed = [typeof(Notes)];

    public enum Version
    {
        Applied,
        Reformatted,
        Retyped,
    }

    public static readonly AsyncLocal<Version> Deployed = new();

    [Revision(NotesId, Message = "notes")]
    public sealed class Notes : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            switch (Deployed.Value)
            {
                case Version.Reformatted:
                    b.CreateTable("notes", t => new
                    {
                        Id = t.Column<int>(nullable: false),
                        Rank = t.Column<int>(nullable: true),
                    }, constraints: t => t.PrimaryKey("PK_notes", x => x.Id));
                    b.Sql("""
                        -- ranked notes are listed first
                        create index NOTES_RANK
                            on NOTES ("Rank")  /* ascending */
                        """.Replace("\n", "\r\n", StringComparison.Ordinal));
                    break;
                case Version.Retyped:
                    b.CreateTable(
                        "notes",
                        t => new { Id = t.Column<int>(nullable: false), Rank = t.Column<string>(nullable: true) },
                        constraints: t => t.PrimaryKey("PK_notes", x => x.Id));
                    b.Sql("CREATE INDEX notes_rank ON notes (\"Rank\")");
                    break;
                default:
                    b.CreateTable(
                        "notes",
                        t => new { Id = t.Column<int>(nullable: false), Rank = t.Column<int>(nullable: true) },
                        constraints: t => t.PrimaryKey("PK_notes", x => x.Id));
                    b.Sql("CREATE INDEX notes_rank ON notes (\"Rank\")");
                    break;
            }
        }

        protected override void Downgrade(MigrationBuilder b) => b.DropTable("notes");
    }

    [Revision(SeedId, Parents = [NotesId], Message = "seed a note")]
    public sealed class Seed : Revision
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql(Deployed.Value == Version.Reformatted
            ? "insert into notes(\"Id\",\"Rank\")\n  values (1,null);"
            : "INSERT INTO notes (\"Id\", \"Rank\") VALUES (1, NULL)");

        protected override void Downgrade(MigrationBuilder b) => b.Sql("DELETE FROM notes WHERE \"Id\" = 1");
    }
}
