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


def main():
    out, mk_version, package_dir = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    sizes, baseline = sys.argv[4:], None
    if sizes[:1] == ["--baseline"]:
        baseline, sizes = sizes[1], sizes[2:]
    for size in (int(s) for s in sizes):
        migratekit_app(os.path.join(out, f"mk-{size}"), size, mk_version, package_dir)
        if baseline:
            migratekit_app(os.path.join(out, f"mkbase-{size}"), size, baseline, package_dir)
        app(os.path.join(out, f"ef-{size}"), size,
            project(f'    <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="{EF_CORE_VERSION}" PrivateAssets="all" />'),
            nuget_config(package_dir),
            tool_manifest("dotnet-ef", EF_CORE_VERSION, "dotnet-ef"))


if __name__ == "__main__":
    main()
