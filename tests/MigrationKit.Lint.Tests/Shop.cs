using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MigrationKit.Lint.Tests;

// The revisions the rule tests lint. Every test graph starts at Shop.Base, two tables with rows
// whose snapshot the app maps; a rule's revisions build on it, one that fires the rule and one in
// the safe form the rule recommends (applied to a real database by the tests).

/// <summary>customers and orders, with a row each, and the model that maps them.</summary>
public static class Shop
{
    public const string Id = "5b0000000001";

    public static Type[] With(params Type[] revisions) => [typeof(Base), .. revisions];

    [Revision(Id, Message = "shop")]
    public sealed class Base : Revision
    {
        protected override void Upgrade(MigrationBuilder b)
        {
            b.CreateTable(
                "customers",
                t => new { id = t.Column<long>(type: "bigint", nullable: false) },
                constraints: t => t.PrimaryKey("PK_customers", x => x.id));
            b.CreateTable(
                "orders",
                t => new
                {
                    id = t.Column<long>(type: "bigint", nullable: false),
                    customer_id = t.Column<long>(type: "bigint", nullable: true),
                    note = t.Column<string>(type: "text", nullable: true),
                    amount = t.Column<int>(type: "integer", nullable: true),
                    code = t.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                },
                constraints: t => t.PrimaryKey("PK_orders", x => x.id));
            b.CreateIndex("ix_orders_amount", "orders", "amount");
            b.Sql("INSERT INTO customers (id) VALUES (1)");
            b.Sql("INSERT INTO orders (id, customer_id, note, amount, code) VALUES (1, 1, 'first', 5, 'a')");
        }

        protected override void Downgrade(MigrationBuilder b)
        {
            b.DropTable("orders");
            b.DropTable("customers");
        }

        protected override void BuildTargetModel(ModelBuilder m) => Model(m);
    }

    /// <summary>The model the app maps: without orders.note, or without orders at all, for the revisions that stop mapping them.</summary>
    public static void Model(ModelBuilder m, bool note = true, bool orders = true, bool noteRequired = false)
    {
        m.Entity("customers", e =>
        {
            e.Property<long>("id").HasColumnType("bigint");
            e.HasKey("id").HasName("PK_customers");
            e.ToTable("customers");
        });
        if (!orders)
        {
            return;
        }

        m.Entity("orders", e =>
        {
            e.Property<long>("id").HasColumnType("bigint");
            e.Property<long?>("customer_id").HasColumnType("bigint");
            if (note)
            {
                e.Property<string>("note").HasColumnType("text").IsRequired(noteRequired);
            }

            e.Property<int?>("amount").HasColumnType("integer");
            e.Property<string>("code").HasColumnType("character varying(10)").HasMaxLength(10);
            e.HasKey("id").HasName("PK_orders");
            e.HasIndex("amount").HasDatabaseName("ix_orders_amount");
            e.ToTable("orders");
        });
    }
}

/// <summary>A revision the tests only upgrade: no way back needed.</summary>
public abstract class UpgradeOnly : Revision
{
    protected override void Downgrade(MigrationBuilder b)
    {
    }
}
