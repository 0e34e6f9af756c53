"""Writes the apps the autogenerate benchmark runs: one EF Core model of N entities on PostgreSQL
(Npgsql), in two copies, one per tool.

    /usr/bin/python3 bench/autogenerate_generate.py OUT_DIR MK_VERSION PACKAGE_DIR [--baseline VERSION] SIZE...

OUT_DIR receives, for every SIZE:
    mk-SIZE/   class library, MigrationKit package and the `migrationkit.tool` local tool
    ef-SIZE/   class library, Microsoft.EntityFrameworkCore.Design and the `dotnet-ef` local tool
    mkbase-SIZE/  with --baseline: the MigrationKit copy again, on the packages of that version

Both copies hold the same sources: one file per entity under Entities/ and one AppDbContext.
Every entity has an int key, five data columns (a required varchar(100), numeric(12,2),
timestamptz, bool, an optional text) and a required foreign key to the entity before it; every
other one an optional foreign key to the entity at half its index; every fifth an index on Name.
The round's model change goes where `// bench: new properties` marks the entity of the middle.
"""

import os
import sys

NPGSQL_EF_VERSION = "10.0.3"
EF_CORE_VERSION = "10.0.15"
MARKER = "// bench: new properties"
NOUNS = ["Customer", "Order", "Invoice", "Product", "Supplier", "Shipment", "Payment", "Address",
         "Category", "Review", "Warehouse", "Employee", "Contract", "Ticket", "Account"]


def entity_name(i):
    return f"{NOUNS[i % len(NOUNS)]}{i:03d}"


def changed_entity(size):
    """The entity that the measured rounds add a property to."""
    return entity_name(size // 2)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def entity(i):
    name = entity_name(i)
    lines = [
        "using System.ComponentModel.DataAnnotations;",
        "using Microsoft.EntityFrameworkCore;",
        "",
        "namespace BenchApp.Entities;",
        "",
    ]
    if i % 5 == 0:
        lines.append("[Index(nameof(Name))]")
    lines += [
        f"public class {name}",
        "{",
        "    public int Id { get; set; }",
        "",
        "    [MaxLength(100)]",
        "    public required string Name { get; set; }",
        "",
        "    [Precision(12, 2)]",
        "    public decimal Amount { get; set; }",
        "",
        "    public DateTimeOffset CreatedAt { get; set; }",
        "",
        "    public bool IsActive { get; set; }",
        "",
        "    public string? Notes { get; set; }",
    ]
    if i > 0:
        previous = entity_name(i - 1)
        lines += ["", f"    public int {previous}Id {{ get; set; }}", "", f"    public {previous} {previous} {{ get; set; }} = null!;"]
    if i > 1 and i % 2 == 0 and i // 2 != i - 1:
        other = entity_name(i // 2)
        lines += ["", f"    public int? Related{other}Id {{ get; set; }}", "", f"    public {other}? Related{other} {{ get; set; }}"]
    lines += ["", f"    {MARKER}", "}", ""]
    return "\n".join(lines)


def context(size):
    sets = "\n".join(f"    public DbSet<{entity_name(i)}> {entity_name(i)}s => Set<{entity_name(i)}>();" for i in range(size))
    return f"""using BenchApp.Entities;
using Microsoft.EntityFrameworkCore;

namespace BenchApp;

public class AppDbContext : DbContext
{{
{sets}

    // Neither tool connects to write a revision or a migration: the server need not exist.
    protected override void OnConfiguring(DbContextOptionsBuilder options)
        => options.UseNpgsql("Host=localhost;Database=bench_app");
}}
"""


def project(tool_package):
    return f"""<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RootNamespace>BenchApp</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="{NPGSQL_EF_VERSION}" />
    <PackageReference Include="Microsoft.EntityFrameworkCore.Relational" Version="{EF_CORE_VERSION}" />
{tool_package}
  </ItemGroup>
</Project>
"""


def nuget_config(package_dir):
    return f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="migratekit-bench" value="{package_dir}" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
"""


def tool_manifest(package, version, command):
    return f"""{{
  "version": 1,
  "isRoot": true,
  "tools": {{
    "{package}": {{ "version": "{version}", "commands": [ "{command}" ], "rollForward": false }}
  }}
}}
"""


def app(folder, size, csproj, config, manifest):
    write(os.path.join(folder, "BenchApp.csproj"), csproj)
    write(os.path.join(folder, "nuget.config"), config)
    write(os.path.join(folder, ".config", "dotnet-tools.json"), manifest)
    write(os.path.join(folder, "AppDbContext.cs"), context(size))
    for i in range(size):
        write(os.path.join(folder, "Entities", entity_name(i) + ".cs"), entity(i))


def migratekit_app(folder, size, version, package_dir):
    app(folder, size,
        project(f'    <PackageReference Include="MigrationKit" Version="{version}" />'),
        nuget_config(package_dir),
        tool_manifest("migrationkit.tool", version, "dotnet-migratekit"))


EF_DESIGN = f'    <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="{EF_CORE_VERSION}" PrivateAssets="all" />'


# --- The real-shaped app ("real"): a Domain library and a Data library that references it. ---
#
# Domain (no EF reference): strongly-typed ids, value objects, enums, entities in three areas.
# Data: three DbContexts (orders, catalog, identity), one IEntityTypeConfiguration<T> per entity,
# owned types (OwnsOne, OwnsMany), value conversions (typed ids, enums as strings), indexes, a TPH
# hierarchy (payments), hi-lo keys (catalog) and identity columns (identity): 55 entity types.
# The rounds change an entity of the orders context (Customer) and write the catalog context's
# initial revision after changing one of its entities (Product).

REAL_CHANGED = {"change": "Orders/Customer.cs", "initial": "Catalog/Product.cs"}
REAL_CONTEXTS = {"change": "OrdersContext", "initial": "CatalogContext"}

# area -> (context, key kind, [(entity, extra members)])
REAL_AREAS = {
    "Orders": ("OrdersContext", "typed", [
        ("Customer", ["public required string Email { get; set; }", "public Address? BillingAddress { get; set; }", "public CustomerTier Tier { get; set; }"]),
        ("Order", ["public CustomerId CustomerId { get; set; }", "public OrderStatus Status { get; set; }", "public required Money Total { get; set; }",
                   "public required Address ShippingAddress { get; set; }", "public List<OrderLine> Lines { get; set; } = [];"]),
        ("Shipment", ["public OrderId OrderId { get; set; }", "public string? Carrier { get; set; }", "public ShipmentStatus Status { get; set; }"]),
        ("Invoice", ["public OrderId OrderId { get; set; }", "public required Money Amount { get; set; }", "public DateTimeOffset? PaidAt { get; set; }"]),
        ("ReturnRequest", ["public OrderId OrderId { get; set; }", "public required string Reason { get; set; }"]),
        ("Coupon", ["public required string Code { get; set; }", "public required Money Discount { get; set; }"]),
        ("Cart", ["public CustomerId CustomerId { get; set; }", "public List<CartItem> Items { get; set; } = [];"]),
    ] + [(f"{n}", []) for n in ["DeliverySlot", "Refund", "LoyaltyAccount", "GiftCard", "OrderNote", "PickList", "Parcel", "TaxRate", "Region"]]),
    "Catalog": ("CatalogContext", "hilo", [
        ("Product", ["public required string Sku { get; set; }", "public required Money Price { get; set; }", "public ProductState State { get; set; }",
                     "public Dimensions? Size { get; set; }", "public long CategoryId { get; set; }", "public Category Category { get; set; } = null!;"]),
        ("Category", ["public long? ParentId { get; set; }"]),
        ("Brand", ["public string? Website { get; set; }"]),
        ("ProductVariant", ["public long ProductId { get; set; }", "public required string Color { get; set; }"]),
        ("Review", ["public long ProductId { get; set; }", "public int Stars { get; set; }", "public string? Text { get; set; }"]),
        ("Warehouse", ["public required Address Location { get; set; }"]),
        ("StockItem", ["public long ProductId { get; set; }", "public long WarehouseId { get; set; }", "public int Quantity { get; set; }"]),
    ] + [(f"{n}", []) for n in ["Supplier", "Tag", "PriceList", "Promotion", "Bundle", "ProductAttribute", "ProductAttributeValue", "MediaAsset", "Collection", "Manufacturer", "Catalogue"]]),
    "Identity": ("IdentityContext", "identity", [
        ("User", ["public required string UserName { get; set; }", "public required string NormalizedEmail { get; set; }", "public bool EmailConfirmed { get; set; }",
                  "public string? PasswordHash { get; set; }", "public DateTimeOffset? LockoutEnd { get; set; }"]),
        ("Role", ["public required string NormalizedName { get; set; }"]),
        ("UserRole", ["public int UserId { get; set; }", "public int RoleId { get; set; }"]),
        ("UserClaim", ["public int UserId { get; set; }", "public string? ClaimType { get; set; }", "public string? ClaimValue { get; set; }"]),
        ("UserLogin", ["public int UserId { get; set; }", "public required string Provider { get; set; }", "public required string ProviderKey { get; set; }"]),
        ("UserToken", ["public int UserId { get; set; }", "public string? Value { get; set; }"]),
        ("RoleClaim", ["public int RoleId { get; set; }", "public string? ClaimType { get; set; }"]),
    ] + [(f"{n}", []) for n in ["Tenant", "ApiKey", "AuditEntry", "Session", "Device", "Consent", "Invitation", "Team", "TeamMember", "Permission", "SigningKey"]]),
}


def real_domain_common():
    ids = "\n".join(f"public readonly record struct {e}Id(Guid Value);" for e, _ in REAL_AREAS["Orders"][2])
    return f"""namespace BenchDomain;

{ids}

public sealed record Money(decimal Amount, string Currency);

public sealed record Address(string Street, string City, string PostalCode, string Country);

public sealed record Dimensions(decimal Width, decimal Height, decimal Depth);

// A class: EF Core binds no navigation (the owned UnitPrice) to a constructor parameter.
public sealed class OrderLine
{{
    public required string Sku {{ get; set; }}

    public int Quantity {{ get; set; }}

    public required Money UnitPrice {{ get; set; }}
}}

public sealed record CartItem(string Sku, int Quantity);

public enum OrderStatus {{ Placed, Paid, Shipped, Delivered, Cancelled }}

public enum ShipmentStatus {{ Pending, InTransit, Delivered, Lost }}

public enum CustomerTier {{ Standard, Silver, Gold }}

public enum ProductState {{ Draft, Active, Discontinued }}

public abstract class Payment
{{
    public long Id {{ get; set; }}

    public OrderId OrderId {{ get; set; }}

    public required Money Amount {{ get; set; }}
}}

public sealed class CardPayment : Payment
{{
    public required string Last4 {{ get; set; }}
}}

public sealed class BankTransferPayment : Payment
{{
    public required string Iban {{ get; set; }}
}}
"""


def real_entity(area, kind, name, members):
    key = {"typed": f"public {name}Id Id {{ get; set; }}", "hilo": "public long Id { get; set; }", "identity": "public int Id { get; set; }"}[kind]
    body = [key, "", "public required string Name { get; set; }", "", "public DateTimeOffset CreatedAt { get; set; }"]
    for member in members:
        body += ["", member]
    body += ["", MARKER]
    text = "\n".join(("    " + line) if line else "" for line in body)
    return f"namespace BenchDomain.{area};\n\npublic class {name}\n{{\n{text}\n}}\n"


def real_configuration(area, kind, name, members):
    lines = [f"builder.HasIndex(e => e.Name);", "builder.Property(e => e.Name).HasMaxLength(200);"]
    if kind == "typed":
        lines.append(f"builder.Property(e => e.Id).HasConversion(id => id.Value, value => new {name}Id(value)).ValueGeneratedNever();")
    for member in members:
        *_, typ, prop = member.split("{")[0].split()
        if typ in ("Money", "Money?"):
            lines.append(f"builder.OwnsOne(e => e.{prop}, m => {{ m.Property(x => x.Amount).HasPrecision(12, 2); m.Property(x => x.Currency).HasMaxLength(3); }});")
        elif typ in ("Address", "Address?", "Dimensions?"):
            lines.append(f"builder.OwnsOne(e => e.{prop});")
        elif typ.startswith("List<"):
            owned = typ[5:-1]
            extra = " l.OwnsOne(x => x.UnitPrice);" if owned == "OrderLine" else ""
            lines.append(f"builder.OwnsMany(e => e.{prop}, l => {{ l.ToTable(\"{name}{prop}\");{extra} }});")
        elif typ in ("OrderStatus", "ShipmentStatus", "CustomerTier", "ProductState"):
            lines.append(f"builder.Property(e => e.{prop}).HasConversion<string>().HasMaxLength(20);")
        elif typ.endswith("Id") and typ[:-2] in dict(REAL_AREAS["Orders"][2]):
            lines.append(f"builder.Property(e => e.{prop}).HasConversion(id => id.Value, value => new {typ}(value));")
            lines.append(f"builder.HasIndex(e => e.{prop});")
        elif prop.endswith("Id") and typ in ("long", "int"):
            lines.append(f"builder.HasIndex(e => e.{prop});")
        elif prop in ("Email", "Sku", "Code", "NormalizedEmail", "UserName"):
            lines.append(f"builder.HasIndex(e => e.{prop}).IsUnique();")
    body = "\n".join("        " + l for l in lines)
    return f"""using BenchDomain;
using BenchDomain.{area};
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BenchData.{area};

internal sealed class {name}Configuration : IEntityTypeConfiguration<{name}>
{{
    public void Configure(EntityTypeBuilder<{name}> builder)
    {{
{body}
    }}
}}
"""


def real_context(area, context, kind, entities):
    sets = "\n".join(f"    public DbSet<{e}> {e}s => Set<{e}>();" for e, _ in entities)
    extra = ""
    if area == "Orders":
        sets += "\n    public DbSet<Payment> Payments => Set<Payment>();"
        extra = """        modelBuilder.Entity<Payment>(payment =>
        {
            payment.HasDiscriminator<string>("Kind").HasValue<CardPayment>("card").HasValue<BankTransferPayment>("bank");
            payment.Property(p => p.OrderId).HasConversion(id => id.Value, value => new OrderId(value));
            payment.OwnsOne(p => p.Amount);
        });
"""
    if kind == "hilo":
        extra += "        modelBuilder.UseHiLo(\"catalog_hilo\");\n"
    if kind == "identity":
        extra += "        modelBuilder.HasDefaultSchema(\"identity\");\n"
    return f"""using BenchDomain;
using BenchDomain.{area};
using Microsoft.EntityFrameworkCore;

namespace BenchData;

public class {context} : DbContext
{{
{sets}

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {{
        modelBuilder.ApplyConfigurationsFromAssembly(typeof({context}).Assembly, t => t.Namespace == "BenchData.{area}");
{extra}    }}

    // Neither tool connects to write a revision or a migration: the server need not exist.
    protected override void OnConfiguring(DbContextOptionsBuilder options)
        => options.UseNpgsql("Host=localhost;Database=bench_{area.lower()}");
}}
"""


def real_app(folder, tool_package, config, manifest):
    write(os.path.join(folder, "nuget.config"), config)
    write(os.path.join(folder, ".config", "dotnet-tools.json"), manifest)
    write(os.path.join(folder, "Domain", "Domain.csproj"), """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RootNamespace>BenchDomain</RootNamespace>
  </PropertyGroup>
</Project>
""")
    write(os.path.join(folder, "Domain", "Common.cs"), real_domain_common())
    write(os.path.join(folder, "Data", "Data.csproj"), project(tool_package).replace(
        "<RootNamespace>BenchApp</RootNamespace>", "<RootNamespace>BenchData</RootNamespace>").replace(
        "  </ItemGroup>\n</Project>", "  </ItemGroup>\n  <ItemGroup>\n    <ProjectReference Include=\"../Domain/Domain.csproj\" />\n  </ItemGroup>\n</Project>"))
    for area, (context, kind, entities) in REAL_AREAS.items():
        for name, members in entities:
            write(os.path.join(folder, "Domain", area, name + ".cs"), real_entity(area, kind, name, members))
            write(os.path.join(folder, "Data", area, name + "Configuration.cs"), real_configuration(area, kind, name, members))
        write(os.path.join(folder, "Data", context + ".cs"), real_context(area, context, kind, entities))


def main():
    out, mk_version, package_dir = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    sizes, baseline = sys.argv[4:], None
    if sizes[:1] == ["--baseline"]:
        baseline, sizes = sizes[1], sizes[2:]
    config = nuget_config(package_dir)
    for size in sizes:
        if size == "real":
            real_app(os.path.join(out, "mk-real"), f'    <PackageReference Include="MigrationKit" Version="{mk_version}" />',
                     config, tool_manifest("migrationkit.tool", mk_version, "dotnet-migratekit"))
            if baseline:
                real_app(os.path.join(out, "mkbase-real"), f'    <PackageReference Include="MigrationKit" Version="{baseline}" />',
                         config, tool_manifest("migrationkit.tool", baseline, "dotnet-migratekit"))
            real_app(os.path.join(out, "ef-real"), EF_DESIGN, config, tool_manifest("dotnet-ef", EF_CORE_VERSION, "dotnet-ef"))
            continue
        size = int(size)
        migratekit_app(os.path.join(out, f"mk-{size}"), size, mk_version, package_dir)
        if baseline:
            migratekit_app(os.path.join(out, f"mkbase-{size}"), size, baseline, package_dir)
        app(os.path.join(out, f"ef-{size}"), size, project(EF_DESIGN), config,
            tool_manifest("dotnet-ef", EF_CORE_VERSION, "dotnet-ef"))


if __name__ == "__main__":
    main()
