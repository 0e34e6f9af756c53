using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MigrationKit.Lint.Tests;

// For each rule: revisions on Shop.Base that fire it, and the safe form (Safe) that does not.
// A suppressed statement runs outside the revision's transaction at the start or end of a revision.

public static class IndexCreation
{
    [Revision("5b0000000101", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("ix_orders_code", "orders", "code");
    }

    /// <summary>Npgsql's concurrent index on an existing table, and a plain one on a table made here.</summary>
    [Revision("5b0000000102", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateIndex("ix_orders_code", "orders", "code").Annotation("Npgsql:CreatedConcurrently", true);
            b.CreateTable("invoices", t => new { id = t.Column<long>(type: "bigint", nullable: false), number = t.Column<string>(type: "text", nullable: true) },
                constraints: t => t.PrimaryKey("PK_invoices", x => x.id));
            b.CreateIndex("ix_invoices_number", "invoices", "number");
        }
    }
}

public static class IndexDeletion
{
    [Revision("5b0000000111", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropIndex("ix_orders_amount", "orders");
    }

    [Revision("5b0000000112", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("DROP INDEX CONCURRENTLY ix_orders_amount", suppressTransaction: true);
    }
}

public static class ConcurrentInTransaction
{
    [Revision("5b0000000121", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note)");
    }

    [Revision("5b0000000122", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.Sql("CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note)", suppressTransaction: true);
    }
}

public static class ForeignKey
{
    [Revision("5b0000000131", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.AddForeignKey("fk_orders_customers", "orders", "customer_id", "customers", principalColumn: "id");
    }

    /// <summary>NOT VALID, but validated in the same transaction: the lock is held for the scan all the same.</summary>
    [Revision("5b0000000132", Parents = [Shop.Id])]
    public sealed class ValidatedInTheSameTransaction : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("ALTER TABLE orders ADD CONSTRAINT fk_orders_customers FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID");
            b.Sql("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customers");
        }
    }

    [Revision("5b0000000133", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("ALTER TABLE orders ADD CONSTRAINT fk_orders_customers FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID");
            b.Sql("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customers", suppressTransaction: true);
        }
    }
}

public static class CheckConstraint
{
    [Revision("5b0000000141", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddCheckConstraint("ck_orders_amount", "orders", "amount > 0");
    }

    [Revision("5b0000000142", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("ALTER TABLE orders ADD CONSTRAINT ck_orders_amount CHECK (amount > 0) NOT VALID");
            b.Sql("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount", suppressTransaction: true);
        }
    }
}

public static class UniqueConstraint
{
    [Revision("5b0000000151", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddUniqueConstraint("ak_orders_code", "orders", "code");
    }

    [Revision("5b0000000152", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("CREATE UNIQUE INDEX CONCURRENTLY ix_orders_code_unique ON orders (code)", suppressTransaction: true);
            b.Sql("ALTER TABLE orders ADD CONSTRAINT ak_orders_code UNIQUE USING INDEX ix_orders_code_unique");
        }
    }
}

public static class ColumnType
{
    /// <summary>integer to bigint, as autogenerate writes it (both types named).</summary>
    [Revision("5b0000000161", Parents = [Shop.Id])]
    public sealed class Widened : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AlterColumn<long>(
            "amount", "orders", type: "bigint", nullable: true, oldClrType: typeof(int), oldType: "integer", oldNullable: true);
    }

    /// <summary>Written by hand without store types: they come from the provider's type mappings.</summary>
    [Revision("5b0000000162", Parents = [Shop.Id])]
    public sealed class WidenedByHand : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.AlterColumn<long>("amount", "orders", nullable: true, oldClrType: typeof(int), oldNullable: true);
    }

    /// <summary>Raw SQL: the old type comes from the running app's model.</summary>
    [Revision("5b0000000163", Parents = [Shop.Id])]
    public sealed class Narrowed : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("ALTER TABLE orders ALTER COLUMN code TYPE varchar(5)");
    }

    /// <summary>varchar(10) to varchar(16), and to text: binary-coercible, no rewrite.</summary>
    [Revision("5b0000000164", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.AlterColumn<string>("code", "orders", type: "character varying(16)", maxLength: 16, nullable: true,
                oldClrType: typeof(string), oldType: "character varying(10)", oldMaxLength: 10, oldNullable: true);
            b.Sql("ALTER TABLE orders ALTER COLUMN code TYPE text");
        }
    }
}

public static class NotNull
{
    [Revision("5b0000000171", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AlterColumn<string>(
            "note", "orders", type: "text", nullable: false, oldClrType: typeof(string), oldType: "text", oldNullable: true);
    }

    /// <summary>The check added NOT VALID and validated, each alone, before SET NOT NULL; then dropped.</summary>
    [Revision("5b0000000172", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("ALTER TABLE orders ADD CONSTRAINT ck_orders_note_not_null CHECK (note IS NOT NULL) NOT VALID", suppressTransaction: true);
            b.Sql("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_note_not_null", suppressTransaction: true);
            b.AlterColumn<string>("note", "orders", type: "text", nullable: false, oldClrType: typeof(string), oldType: "text", oldNullable: true);
            b.DropCheckConstraint("ck_orders_note_not_null", "orders");
        }
    }
}

public static class VolatileDefault
{
    [Revision("5b0000000181", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.AddColumn<Guid>("token", "orders", type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()");
    }

    /// <summary>now() and a constant on an existing table, a volatile default on a new one.</summary>
    [Revision("5b0000000182", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.AddColumn<DateTime>("seen", "orders", type: "timestamp with time zone", nullable: false, defaultValueSql: "now()");
            b.AddColumn<int>("priority", "orders", type: "integer", nullable: false, defaultValue: 3);
            b.CreateTable("tokens", t => new { id = t.Column<long>(type: "bigint", nullable: false) }, constraints: t => t.PrimaryKey("PK_tokens", x => x.id));
            b.AddColumn<Guid>("token", "tokens", type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()");
        }
    }
}

public static class Renames
{
    [Revision("5b0000000191", Parents = [Shop.Id])]
    public sealed class Column : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.RenameColumn("note", "orders", "remark");
    }

    [Revision("5b0000000192", Parents = [Shop.Id])]
    public sealed class ColumnInSql : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("ALTER TABLE orders RENAME COLUMN note TO remark");
    }

    /// <summary>The alternative: a new column beside the old, filled from it.</summary>
    [Revision("5b0000000193", Parents = [Shop.Id])]
    public sealed class ColumnSafe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.AddColumn<string>("remark", "orders", type: "text", nullable: true);
            b.Sql("UPDATE orders SET remark = note");
        }
    }

    [Revision("5b0000000194", Parents = [Shop.Id])]
    public sealed class Table : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.RenameTable("orders", newName: "purchases");
    }

    /// <summary>The alternative: a new table, filled from the old one, which stays.</summary>
    [Revision("5b0000000195", Parents = [Shop.Id])]
    public sealed class TableSafe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable("purchases", t => new { id = t.Column<long>(type: "bigint", nullable: false), note = t.Column<string>(type: "text", nullable: true) },
                constraints: t => t.PrimaryKey("PK_purchases", x => x.id));
            b.Sql("INSERT INTO purchases (id, note) SELECT id, note FROM orders");
        }
    }
}

public static class Drops
{
    [Revision("5b00000001a1", Parents = [Shop.Id])]
    public sealed class Column : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropColumn("note", "orders");

        protected override void BuildTargetModel(ModelBuilder m) => Shop.Model(m, note: false);
    }

    [Revision("5b00000001a2", Parents = [Shop.Id])]
    public sealed class ColumnInSql : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("ALTER TABLE orders DROP COLUMN note");
    }

    /// <summary>Released first: the app no longer maps orders.note; nothing changes in the database.</summary>
    [Revision("5b00000001a3", Parents = [Shop.Id])]
    public sealed class NoteUnmapped : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
        }

        protected override void BuildTargetModel(ModelBuilder m) => Shop.Model(m, note: false);
    }

    [Revision("5b00000001a4", Parents = ["5b00000001a3"])]
    public sealed class ColumnSafe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropColumn("note", "orders");

        protected override void BuildTargetModel(ModelBuilder m) => Shop.Model(m, note: false);
    }

    [Revision("5b00000001a5", Parents = [Shop.Id])]
    public sealed class Table : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropTable("orders");
    }

    [Revision("5b00000001a6", Parents = [Shop.Id])]
    public sealed class OrdersUnmapped : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
        }

        protected override void BuildTargetModel(ModelBuilder m) => Shop.Model(m, orders: false);
    }

    [Revision("5b00000001a7", Parents = ["5b00000001a6"])]
    public sealed class TableSafe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.DropTable("orders");
    }
}

public static class Maintenance
{
    [Revision("5b00000001b1", Parents = [Shop.Id])]
    public sealed class VacuumFull : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("VACUUM FULL orders", suppressTransaction: true);
    }

    [Revision("5b00000001b2", Parents = [Shop.Id])]
    public sealed class Vacuum : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("VACUUM (ANALYZE) orders", suppressTransaction: true);
    }

    [Revision("5b00000001b3", Parents = [Shop.Id])]
    public sealed class Cluster : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("CLUSTER orders USING \"PK_orders\"");
    }

    /// <summary>Mentions CLUSTER without clustering: the rule reads statements, not words.</summary>
    [Revision("5b00000001b4", Parents = [Shop.Id])]
    public sealed class WithoutCluster : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("ALTER TABLE orders SET WITHOUT CLUSTER");
    }

    [Revision("5b00000001b5", Parents = [Shop.Id])]
    public sealed class TruncateCascade : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("TRUNCATE orders CASCADE");
    }

    [Revision("5b00000001b6", Parents = [Shop.Id])]
    public sealed class Truncate : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.Sql("TRUNCATE TABLE orders, customers");
    }
}

public static class LockTimeout
{
    [Revision("5b00000001c1", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddColumn<string>("remark", "orders", type: "text", nullable: true);
    }

    [Revision("5b00000001c2", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.Sql("SET LOCAL lock_timeout = '2s'");
            b.AddColumn<string>("remark", "orders", type: "text", nullable: true);
        }
    }

    /// <summary>Only a new table: nothing anyone else uses is locked.</summary>
    [Revision("5b00000001c3", Parents = [Shop.Id])]
    public sealed class NewTableOnly : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.CreateTable("notes", t => new { id = t.Column<long>(type: "bigint", nullable: false) }, constraints: t => t.PrimaryKey("PK_notes", x => x.id));
    }
}

public static class Types
{
    [Revision("5b00000001d1", Parents = [Shop.Id])]
    public sealed class IntegerKey : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.CreateTable("events", t => new { id = t.Column<int>(type: "integer", nullable: false) }, constraints: t => t.PrimaryKey("PK_events", x => x.id));
    }

    [Revision("5b00000001d2", Parents = [Shop.Id])]
    public sealed class BigintKey : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.CreateTable("events", t => new { id = t.Column<long>(type: "bigint", nullable: false), count = t.Column<int>(type: "integer", nullable: false) },
                constraints: t => t.PrimaryKey("PK_events", x => x.id));
    }

    [Revision("5b00000001d3", Parents = [Shop.Id])]
    public sealed class Timestamp : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.AddColumn<DateTime>("shipped", "orders", type: "timestamp without time zone", nullable: true);
    }

    [Revision("5b00000001d4", Parents = [Shop.Id])]
    public sealed class Timestamptz : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b)
            => b.AddColumn<DateTime>("shipped", "orders", type: "timestamp with time zone", nullable: true);
    }
}

public static class SqliteRebuild
{
    /// <summary>orders.note made required: SQLite cannot alter a column, so EF rebuilds the table.</summary>
    [Revision("5b00000001e1", Parents = [Shop.Id])]
    public sealed class Fires : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AlterColumn<string>(
            "note", "orders", type: "text", nullable: false, defaultValue: "", oldClrType: typeof(string), oldType: "text", oldNullable: true);

        protected override void BuildTargetModel(ModelBuilder m) => Shop.Model(m, noteRequired: true);
    }

    [Revision("5b00000001e2", Parents = [Shop.Id])]
    public sealed class Safe : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.AddColumn<string>("remark", "orders", type: "text", nullable: true);
    }
}

public static class Acknowledged
{
    [Revision("5b00000001f1", Parents = [Shop.Id])]
    [AcknowledgeLint("require-concurrent-index-creation", "orders holds 200 rows")]
    public sealed class Index : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("ix_orders_code", "orders", "code");
    }

    [Revision("5b00000001f2", Parents = [Shop.Id])]
    [AcknowledgeLint("require-concurrent-index", "orders holds 200 rows")]
    public sealed class UnknownRule : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("ix_orders_code", "orders", "code");
    }

    [Revision("5b00000001f3", Parents = [Shop.Id])]
    [AcknowledgeLint("require-concurrent-index-creation", " ")]
    public sealed class NoReason : UpgradeOnly
    {
        protected override void Upgrade(MigrationBuilder b) => b.CreateIndex("ix_orders_code", "orders", "code");
    }
}
