using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MigrationKit.Design.Tests.Cases;

/// <summary>
/// The model changes autogenerate is proved on. Tables are property bags (shared-type entities),
/// so a case is a few lines; owned types, table splitting and inheritance use the CLR types of
/// <c>Entities.cs</c>. SQL in models (defaults, computed columns, filters, checks) is written so
/// both PostgreSQL and SQLite accept it.
/// </summary>
public static class ModelCases
{
    private const string NoSequences = "SQLite has no sequences; EF Core's SQLite provider refuses sequence operations.";
    private const string NoSchemas = "SQLite has no schemas; EF Core's SQLite provider drops the schema from every name.";
    private const string PostgresOnly = "A PostgreSQL feature (Npgsql annotations) with no SQLite counterpart.";

    public static IReadOnlyList<ModelCase> All { get; } =
    [
        // Tables
        new("add table", m => Blogs(m), m => { Blogs(m); Bag(m, "Posts").Property<string>("Body"); }),
        new("drop table", m => { Blogs(m); Bag(m, "Posts").Property<string>("Body"); }, m => Blogs(m)),
        new("rename table", m => Blogs(m).HasIndex("Title"), m => Blogs(m).ToTable("Weblogs").HasIndex("Title")),

        // Columns
        Column("add nullable column", b => { }, a => a.Property<string>("Subtitle")),
        Column("add required columns", b => { }, a => { a.Property<int>("Rank"); a.Property<string>("Slug").IsRequired(); a.Property<bool>("Visible"); }),
        Column("drop column", b => b.Property<string>("Subtitle"), a => { }),
        Column("rename column", b => b.Property<string>("Subtitle"), a => a.Property<string>("Subtitle").HasColumnName("Tagline")),
        Column("type int to bigint", b => b.Property<int>("Rank"), a => a.Property<long>("Rank")),
        Column("type int to double", b => b.Property<int>("Rank"), a => a.Property<double>("Rank")),
        Column("type string to int", b => b.Property<string>("Rank"), a => a.Property<int?>("Rank")) with
        {
            NotOnPostgres = "Npgsql's AlterColumn writes ALTER COLUMN ... TYPE integer without a USING clause, and PostgreSQL casts " +
                            "text to integer only when told how; such a revision needs migrationBuilder.Sql(\"... USING ...\") by hand.",
        },
        Column("max length widened", b => b.Property<string>("Subtitle").HasMaxLength(100), a => a.Property<string>("Subtitle").HasMaxLength(200)),
        Column("max length narrowed", b => b.Property<string>("Subtitle").HasMaxLength(200), a => a.Property<string>("Subtitle").HasMaxLength(50)),
        Column("fixed length", b => b.Property<string>("Code").HasMaxLength(10), a => a.Property<string>("Code").HasMaxLength(10).IsFixedLength()),
        Column("decimal precision", b => b.Property<decimal>("Price").HasPrecision(10, 2), a => a.Property<decimal>("Price").HasPrecision(18, 4)),
        Column("nullable to required", b => b.Property<string>("Subtitle"), a => a.Property<string>("Subtitle").IsRequired()),
        Column("required to nullable", b => b.Property<int>("Rank"), a => a.Property<int?>("Rank")),

        Column(
            "rename indexed column",
            b => { b.Property<int>("Rank"); b.HasIndex("Rank"); },
            a => { a.Property<int>("Rank").HasColumnName("Position"); a.HasIndex("Rank"); }),
        Column("column collation", b => b.Property<string>("Subtitle"), a => a.Property<string>("Subtitle").UseCollation("C")) with
        {
            NotOnSqlite = "Collation names belong to the database system: PostgreSQL's \"C\" is no SQLite collation.",
        },

        // Default and computed values
        Column("default value added", b => b.Property<int>("Rank"), a => a.Property<int>("Rank").HasDefaultValue(5)),
        Column("default value changed", b => b.Property<int>("Rank").HasDefaultValue(5), a => a.Property<int>("Rank").HasDefaultValue(7)),
        Column("default SQL added", b => b.Property<DateTime>("Created"), a => a.Property<DateTime>("Created").HasDefaultValueSql("CURRENT_TIMESTAMP")),
        Column("column with default added", b => { }, a => a.Property<string>("State").IsRequired().HasDefaultValue("new")),
        Column(
            "computed column added",
            b => b.Property<decimal>("Price"),
            a => { a.Property<decimal>("Price"); a.Property<decimal>("Total").HasComputedColumnSql("\"Price\" * 2", stored: true); }),
        Column(
            "computed expression changed",
            b => { b.Property<decimal>("Price"); b.Property<decimal>("Total").HasComputedColumnSql("\"Price\" * 2", stored: true); },
            a => { a.Property<decimal>("Price"); a.Property<decimal>("Total").HasComputedColumnSql("\"Price\" * 3", stored: true); }),
        Column("check constraint", b => b.Property<int>("Rank"), a => { a.Property<int>("Rank"); a.ToTable(t => t.HasCheckConstraint("CK_Blogs_Rank", "\"Rank\" >= 0")); }),

        // Seed data (its nulls build in an app with Nullable only under the file's `#nullable disable`)
        Column("seed data with a null", b => { }, a => a.HasData(new { Id = 1, Title = (string?)null })),

        // Indexes
        Column("index added", b => { }, a => a.HasIndex("Title")),
        Column("unique index added", b => { }, a => a.HasIndex("Title").IsUnique()),
        Column("filtered index added", b => { }, a => a.HasIndex("Title").IsUnique().HasFilter("\"Title\" IS NOT NULL")),
        Column("composite index added", b => b.Property<int>("Rank"), a => { a.Property<int>("Rank"); a.HasIndex("Title", "Rank"); }),
        Column("descending index added", b => b.Property<int>("Rank"), a => { a.Property<int>("Rank"); a.HasIndex("Rank", "Title").IsDescending(true, false); }),
        Column("concurrent index added", b => { }, a => a.HasIndex("Title").IsCreatedConcurrently()) with { NotOnSqlite = PostgresOnly },
        Column("index dropped", b => b.HasIndex("Title"), a => { }),
        Column("index made unique", b => b.HasIndex("Title"), a => a.HasIndex("Title").IsUnique()),
        Column("index renamed", b => b.HasIndex("Title"), a => a.HasIndex("Title").HasDatabaseName("IX_Blogs_Headline")),
        Column(
            "index method and included columns",
            b => b.Property<int>("Rank"),
            a => { a.Property<int>("Rank"); a.HasIndex("Title").HasMethod("btree").IncludeProperties("Rank"); }) with { NotOnSqlite = PostgresOnly },

        // Foreign keys, one case per delete behaviour
        .. Enum.GetValues<DeleteBehavior>().Select(behaviour => new ModelCase(
            $"foreign key on delete {behaviour}",
            m => { Blogs(m); Posts(m); },
            m => { Blogs(m); Posts(m).HasOne("Blogs", null).WithMany().HasForeignKey("BlogId").OnDelete(behaviour); })),
        new("table with a foreign key and its index added", m => Blogs(m), m => { Blogs(m); Posts(m).HasOne("Blogs", null).WithMany().HasForeignKey("BlogId"); }),
        new(
            "delete behaviour changed",
            m => { Blogs(m); Posts(m).HasOne("Blogs", null).WithMany().HasForeignKey("BlogId").OnDelete(DeleteBehavior.Cascade); },
            m => { Blogs(m); Posts(m).HasOne("Blogs", null).WithMany().HasForeignKey("BlogId").OnDelete(DeleteBehavior.Restrict); }),

        // Keys
        new(
            "primary key made composite",
            m => Bag(m, "Tags").Property<string>("Name").IsRequired(),
            m => Bag(m, "Tags", "Id", "Name").Property<string>("Name").IsRequired()),
        Column("alternate key added", b => b.Property<string>("Code").IsRequired(), a => { a.Property<string>("Code").IsRequired(); a.HasAlternateKey("Code"); }),
        new(
            "foreign key to an alternate key",
            m => { Blogs(m).Property<string>("Code").IsRequired(); Bag(m, "Posts").Property<string>("BlogCode"); },
            m =>
            {
                Blogs(m).Property<string>("Code").IsRequired();
                Bag(m, "Posts").HasOne("Blogs", null).WithMany().HasForeignKey("BlogCode").HasPrincipalKey("Code");
            })
        {
            NotOnSqlite = "EF Core's SQLite generator rebuilds both tables and copies the rows into the new Posts (whose foreign key " +
                          "references Blogs.Code) before it turns foreign keys off and before the new Blogs with its unique Code " +
                          "replaces the old one, so SQLite stops with 'foreign key mismatch'. The SQL is EF's own.",
        },
        new(
            "composite foreign key",
            m => { Bag(m, "Editions", "Year", "Number"); Bag(m, "Articles").Property<int?>("EditionYear"); Bag(m, "Articles").Property<int?>("EditionNumber"); },
            m => { Bag(m, "Editions", "Year", "Number"); Bag(m, "Articles").HasOne("Editions", null).WithMany().HasForeignKey("EditionYear", "EditionNumber"); }),

        // Owned types and table splitting
        new("owned type added", m => Customers(m), m => Customers(m, c => c.OwnsOne(x => x.Address))),
        new("owned type in its own table", m => Customers(m), m => Customers(m, c => c.OwnsOne(x => x.Address, a => a.ToTable("CustomerAddresses")))),
        new("owned type moved to its own table", m => Customers(m, c => c.OwnsOne(x => x.Address)), m => Customers(m, c => c.OwnsOne(x => x.Address, a => a.ToTable("CustomerAddresses")))),
        new("owned collection added", m => Customers(m), m => Customers(m, c => c.OwnsMany(x => x.Addresses))),
        new(
            "table splitting",
            m => m.Entity<Order>().Ignore(o => o.Detail),
            m =>
            {
                m.Entity<Order>().ToTable("Order").HasOne(o => o.Detail).WithOne(d => d.Order).HasForeignKey<OrderDetail>(d => d.Id);
                m.Entity<OrderDetail>().ToTable("Order");
            }),

        new(
            "many-to-many join table",
            m => { m.Entity<Post>().Ignore(p => p.Tags); m.Entity<Tag>().Ignore(t => t.Posts); },
            m => m.Entity<Post>().HasMany(p => p.Tags).WithMany(t => t.Posts)),

        // Inheritance
        new("TPH derived types added", m => m.Entity<Animal>(), m => { m.Entity<Animal>(); m.Entity<Cat>(); m.Entity<Dog>(); }),
        new("TPT derived types added", m => m.Entity<Animal>(), m => { m.Entity<Animal>().UseTptMappingStrategy(); m.Entity<Cat>(); m.Entity<Dog>(); }),
        new(
            "TPH to TPT",
            m => { m.Entity<Animal>(); m.Entity<Cat>(); m.Entity<Dog>(); },
            m => { m.Entity<Animal>().UseTptMappingStrategy(); m.Entity<Cat>(); m.Entity<Dog>(); }),

        // Sequences and identity
        new(
            "sequence added",
            m => Blogs(m),
            m =>
            {
                m.HasSequence<long>("BlogNumbers").StartsAt(1000).IncrementsBy(5);
                Blogs(m).Property<long>("Number").HasDefaultValueSql("nextval('\"BlogNumbers\"')");
            }) { NotOnSqlite = NoSequences },
        new(
            "sequence altered",
            m => m.HasSequence<long>("BlogNumbers", "numbering").StartsAt(1000).IncrementsBy(5),
            m => m.HasSequence<long>("BlogNumbers", "numbering").StartsAt(1000).IncrementsBy(10).HasMax(1_000_000).IsCyclic()) { NotOnSqlite = NoSequences },
        new("hi-lo key", m => Blogs(m), m => Blogs(m).Property<int>("Id").UseHiLo("BlogHiLo")) { NotOnSqlite = NoSequences },
        // Not the start value: for a new start Npgsql's AlterColumn writes RESTART WITH 100, which sets
        // the next value but leaves the sequence's recorded start (pg_sequence.seqstart) at 1, where
        // EnsureCreated() records 100. The revision holds the new start; the SQL is Npgsql's.
        new(
            "identity options",
            m => Blogs(m),
            m => Blogs(m).Property<int>("Id").HasIdentityOptions(incrementBy: 2, maxValue: 1_000_000, cyclic: true)) { NotOnSqlite = PostgresOnly },
        new("identity always", m => Blogs(m), m => Blogs(m).Property<int>("Id").UseIdentityAlwaysColumn()) { NotOnSqlite = PostgresOnly },

        // Enums
        Column("enum property added", b => { }, a => { a.Property<Mood>("Mood"); a.Property<Mood>("MoodName").HasConversion<string>(); }),
        new(
            "postgres enum added",
            m => Blogs(m),
            m => { m.HasPostgresEnum("mood", ["happy", "sad"]); Blogs(m).Property<string>("Mood").HasColumnType("mood"); }) { NotOnSqlite = PostgresOnly },
        new(
            "postgres enum label added",
            m => m.HasPostgresEnum("mood", ["happy", "sad"]),
            m => m.HasPostgresEnum("mood", ["happy", "sad", "angry"]))
        {
            NotOnSqlite = PostgresOnly,
            DowngradeRefused = "PostgreSQL cannot drop a label from an enum type, so Npgsql refuses to generate the downgrade.",
        },

        // Schemas
        new("table moved to a schema", m => Blogs(m), m => Blogs(m).ToTable("Blogs", "blogging")) { NotOnSqlite = NoSchemas },
        new("table added in a new schema", m => Blogs(m), m => { Blogs(m); Bag(m, "Posts").ToTable("Posts", "content"); }) { NotOnSqlite = NoSchemas },

        // Comments
        Column("table comment", b => { }, a => a.ToTable(t => t.HasComment("Every blog"))),
        Column("column comment", b => b.Property<string>("Subtitle"), a => a.Property<string>("Subtitle").HasComment("Shown under the title")),
        Column("comment changed", b => b.Property<string>("Subtitle").HasComment("Old"), a => a.Property<string>("Subtitle").HasComment("New")),

        // PostgreSQL types
        Column("array and jsonb columns", b => { }, a => { a.Property<int[]>("Scores"); a.Property<string>("Data").HasColumnType("jsonb"); }) with { NotOnSqlite = PostgresOnly },
    ];

    public static ModelCase Named(string name) => All.Single(c => c.Name == name);

    /// <summary>A change to the Blogs table's columns, indexes or options.</summary>
    private static ModelCase Column(string name, Action<EntityTypeBuilder<Dictionary<string, object>>> before, Action<EntityTypeBuilder<Dictionary<string, object>>> after)
        => new(name, m => before(Blogs(m)), m => after(Blogs(m)));

    private static EntityTypeBuilder<Dictionary<string, object>> Blogs(ModelBuilder model)
    {
        var blogs = Bag(model, "Blogs");
        blogs.Property<string>("Title");
        return blogs;
    }

    private static EntityTypeBuilder<Dictionary<string, object>> Posts(ModelBuilder model)
    {
        var posts = Bag(model, "Posts");
        posts.Property<string>("Body");
        posts.Property<int?>("BlogId");
        return posts;
    }

    /// <summary>A table as a property bag with an int key (or the named key columns).</summary>
    private static EntityTypeBuilder<Dictionary<string, object>> Bag(ModelBuilder model, string name, params string[] key)
    {
        var entity = model.SharedTypeEntity<Dictionary<string, object>>(name);
        if (key.Length == 0)
        {
            entity.Property<int>("Id");
            entity.HasKey("Id");
        }
        else
        {
            foreach (var column in key)
            {
                entity.Property<int>(column);
            }

            entity.HasKey(key);
        }

        return entity;
    }

    private static void Customers(ModelBuilder model, Action<EntityTypeBuilder<Customer>>? map = null)
    {
        // Both navigations ignored unless the case maps one; mapping it later takes it back.
        var customers = model.Entity<Customer>();
        customers.Ignore(c => c.Address);
        customers.Ignore(c => c.Addresses);
        map?.Invoke(customers);
    }
}
