"""Writes the projects the benchmark runs: the same revision graphs for Alembic, for EF Core's own
migrations and for MigrationKit.

    /usr/bin/python3 bench/generate.py OUT_DIR REPO_ROOT --package-version V           (run.sh)
    /usr/bin/python3 bench/generate.py OUT_DIR REPO_ROOT --fleet N --package-version V  (fleet.sh)
    /usr/bin/python3 bench/generate.py OUT_DIR REPO_ROOT --graph N --package-version V  (history.sh)

OUT_DIR receives, for run.sh:
    alembic-200/      alembic.ini, env.py, 200 revisions creating t001..t200
    efcore-200/       console app: 200 EF Core [Migration] classes, Program runs Database.Migrate()
    migratekit-200/   class library: 200 MigrationKit revisions; its OnConfiguring reads $BENCH_CONNECTION
    aspnet-200/       ASP.NET Core app: the same 200 revisions, its DbContext registered in the host
                      with the connection string "Default" of its appsettings.json (database
                      bench_web on the server named by $MIGRATEKIT_TEST_PG)
    alembic-10k/      10,000 empty revisions (linear, with a branch and a merge every 1,000)
    migratekit-10k/   the same 10,000 as MigrationKit revisions
    first-mk/, first-ef/  class libraries of autogenerate_generate.py's model (MODEL_ENTITIES entities),
                      their OnConfiguring reading $BENCH_CONNECTION: one for the tool, one for
                      `dotnet ef` (Microsoft.EntityFrameworkCore.Design and a tool manifest for dotnet-ef)

The MigrationKit apps reference the packed MigrationKit package V (not the source tree), as an app
that installs the tool from NuGet would. The three 200-revision projects (four with the ASP.NET Core
app) make the same schema: each table has an identity primary key, three data columns and `prev_id`,
a foreign key to the previous table, with an index on it.

For fleet.sh (--fleet N), OUT_DIR receives the first N of those revisions twice:
    alembic-N/        as above
    migratekit-N/     class library referencing the packed MigrationKit package V (not the source tree),
                      as an app that installs the tool from NuGet would

For history.sh (--graph N), OUT_DIR receives N empty revisions shaped by shaped_graph() twice:
    alembic-graph-N/  as Alembic revisions (branch_labels, depends_on)
    migratekit-graph-N/  class library referencing the packed MigrationKit package V
"""

import argparse
import json
import os

import autogenerate_generate

NPGSQL_EF_VERSION = "10.0.3"
EF_CORE_VERSION = "10.0.15"


def rev_id(n):
    return f"{n:012d}"


def linear_graph(count):
    """[(number, [parent numbers])] for a straight line 1 <- 2 <- ... <- count."""
    return [(n, [n - 1] if n > 1 else []) for n in range(1, count + 1)]


def branched_graph(count):
    """A line with a branch and a merge in every thousand: n-1 and n both build on n-2 when
    n % 1000 == 2, and n+1 merges them. Still one head, `count` revisions in all."""
    graph = []
    for n in range(1, count + 1):
        if n == 1:
            parents = []
        elif n % 1000 == 2 and n > 2:
            parents = [n - 2]
        elif n % 1000 == 3 and n > 3:
            parents = [n - 2, n - 1]
        else:
            parents = [n - 1]
        graph.append((n, parents))
    return graph


BRANCHES = 3


def shaped_graph(count):
    """[(number, [parents], [labels], [depends-on numbers])]: what `history.sh` times. Seven in ten
    revisions go to the trunk, in runs of four: two revisions fork from the trunk's head, one follows
    the first, and the fourth merges the two lines (a merge every four). The other three in ten go to
    BRANCHES long-lived branches forked from revision 1, each labelled `branchK` on its first revision;
    every 25th revision of a branch also depends on the trunk's head of the moment. The last revision
    joins the trunk's open lines, so the graph has BRANCHES + 1 heads. Core's LargeGraphTests builds
    the same shape."""
    graph = []
    trunk_head, tips, trunk_count = 1, [1], 0
    branch_heads, branch_counts = [None] * BRANCHES, [0] * BRANCHES
    for n in range(1, count + 1):
        slot = n % 10
        if n == 1:
            graph.append((n, [], [], []))
        elif n == count:
            graph.append((n, list(tips), [], []))
        elif slot < 7 or n < 10:
            step = trunk_count % 4
            parents = [trunk_head] if step < 2 else [tips[0]] if step == 2 else list(tips)
            tips = [n] if step == 0 else tips + [n] if step == 1 else [n, tips[1]] if step == 2 else [n]
            if step == 3:
                trunk_head = n
            trunk_count += 1
            graph.append((n, parents, [], []))
        else:
            k = slot - 7
            labels = [f"branch{k + 1}"] if branch_heads[k] is None else []
            parents = [1] if branch_heads[k] is None else [branch_heads[k]]
            branch_counts[k] += 1
            depends = [trunk_head] if branch_counts[k] % 25 == 0 else []
            graph.append((n, parents, labels, depends))
            branch_heads[k] = n
    return graph


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def table(n):
    return f"t{n:03d}"


# --- Alembic -----------------------------------------------------------------------------------

ALEMBIC_INI = """[alembic]
script_location = %(here)s
# The URL comes from $BENCH_SQLALCHEMY_URL (see env.py), so no password is written here.

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

# Online mode of Alembic's "generic" template, with the URL taken from the environment.
ALEMBIC_ENV = """import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
config.set_main_option("sqlalchemy.url", os.environ["BENCH_SQLALCHEMY_URL"])


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""

ALEMBIC_MAKO = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
'''


def alembic_down_revision(parents):
    if not parents:
        return "None"
    if len(parents) == 1:
        return repr(rev_id(parents[0]))
    return "(" + ", ".join(repr(rev_id(p)) for p in parents) + ")"


def alembic_table_revision(n, parents):
    t = table(n)
    fk = f", sa.ForeignKey('{table(n - 1)}.id', name='fk_{t}_prev_id')" if n > 1 else ""
    return f'''"""create {t}"""
import sqlalchemy as sa
from alembic import op

revision = '{rev_id(n)}'
down_revision = {alembic_down_revision(parents)}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        '{t}',
        sa.Column('id', sa.Integer, sa.Identity(), nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('amount', sa.Numeric(12, 2), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('prev_id', sa.Integer{fk}, nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_{t}'),
    )
    op.create_index('ix_{t}_prev_id', '{t}', ['prev_id'])


def downgrade():
    op.drop_table('{t}')
'''


def alembic_empty_revision(n, parents):
    return f'''"""step {n}"""
revision = '{rev_id(n)}'
down_revision = {alembic_down_revision(parents)}
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


def alembic_shaped_revision(n, parents, labels, depends):
    return f'''"""step {n}"""
revision = '{rev_id(n)}'
down_revision = {alembic_down_revision(parents)}
branch_labels = {tuple(labels) if labels else None!r}
depends_on = {tuple(rev_id(d) for d in depends) if depends else None!r}


def upgrade():
    pass


def downgrade():
    pass
'''


def alembic_project(out, graph, body):
    write(os.path.join(out, "alembic.ini"), ALEMBIC_INI)
    write(os.path.join(out, "env.py"), ALEMBIC_ENV)
    write(os.path.join(out, "script.py.mako"), ALEMBIC_MAKO)
    for n, parents in graph:
        write(os.path.join(out, "versions", f"{rev_id(n)}_r{n:05d}.py"), body(n, parents))


# --- EF Core and MigrationKit --------------------------------------------------------------------

CONTEXT = """using Microsoft.EntityFrameworkCore;

namespace Bench;

public sealed class Ctx : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder options)
        => options.UseNpgsql(Environment.GetEnvironmentVariable("BENCH_CONNECTION"));
}
"""


# The ASP.NET Core app's context: options from the host's service provider, as AddDbContext gives them.
WEB_CONTEXT = """using Microsoft.EntityFrameworkCore;

namespace Bench;

public sealed class Ctx(DbContextOptions<Ctx> options) : DbContext(options);
"""

WEB_PROGRAM = """using Bench;
using Microsoft.EntityFrameworkCore;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDbContext<Ctx>(o => o.UseNpgsql(builder.Configuration.GetConnectionString("Default")));
var app = builder.Build();
app.MapGet("/", () => "bench");
app.Run();
"""


def csharp_upgrade_body(n):
    """The CreateTable/CreateIndex calls shared by the EF Core migration and the MigrationKit
    revision, so both make exactly the same schema."""
    t = table(n)
    fk = (f"""
                table.ForeignKey(name: "fk_{t}_prev_id", column: x => x.prev_id, principalTable: "{table(n - 1)}", principalColumn: "id");"""
          if n > 1 else "")
    return f"""        migrationBuilder.CreateTable(
            name: "{t}",
            columns: table => new
            {{
                id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                amount = table.Column<decimal>(type: "numeric(12,2)", nullable: true),
                created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                prev_id = table.Column<int>(type: "integer", nullable: true),
            }},
            constraints: table =>
            {{
                table.PrimaryKey("pk_{t}", x => x.id);{fk}
            }});
        migrationBuilder.CreateIndex(name: "ix_{t}_prev_id", table: "{t}", column: "prev_id");
"""


def ef_migration(n):
    t = table(n)
    return f"""using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Bench.Migrations;

[DbContext(typeof(Ctx))]
[Migration("{ef_migration_id(n)}")]
public sealed class T{n:03d} : Migration
{{
    protected override void Up(MigrationBuilder migrationBuilder)
    {{
{csharp_upgrade_body(n)}    }}

    protected override void Down(MigrationBuilder migrationBuilder)
    {{
        migrationBuilder.DropTable(name: "{t}");
    }}
}}
"""


def ef_migration_id(n):
    return f"2026010100{n:04d}_T{n:03d}"


EF_PROGRAM = """using Bench;
using Microsoft.EntityFrameworkCore;

// `current` prints the last applied migration (EF's counterpart of `alembic current`);
// anything else applies every pending migration.
using var ctx = new Ctx();
if (args is ["current"])
{
    Console.WriteLine(ctx.Database.GetAppliedMigrations().LastOrDefault() ?? "(none)");
    return;
}

ctx.Database.Migrate();
"""


def csproj(output_type, extra_items, sdk="Microsoft.NET.Sdk"):
    return f"""<Project Sdk="{sdk}">
  <PropertyGroup>
    <OutputType>{output_type}</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <RootNamespace>Bench</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="{NPGSQL_EF_VERSION}" />
    <PackageReference Include="Microsoft.EntityFrameworkCore" Version="{EF_CORE_VERSION}" />
    <PackageReference Include="Microsoft.EntityFrameworkCore.Relational" Version="{EF_CORE_VERSION}" />
  </ItemGroup>
{extra_items}</Project>
"""


def efcore_project(out, count):
    write(os.path.join(out, "Bench.EfCore.csproj"), csproj("Exe", ""))
    write(os.path.join(out, "Ctx.cs"), CONTEXT)
    write(os.path.join(out, "Program.cs"), EF_PROGRAM)
    for n in range(1, count + 1):
        write(os.path.join(out, "Migrations", f"{ef_migration_id(n)}.cs"), ef_migration(n))


def revision_attribute(n, parents, message):
    parent_list = ""
    if parents:
        parent_list = ", Parents = [" + ", ".join(f'"{rev_id(p)}"' for p in parents) + "]"
    return f'[Revision("{rev_id(n)}"{parent_list}, Message = "{message}")]'


def migratekit_table_revision(n, parents):
    return f"""using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Bench.Revisions;

{revision_attribute(n, parents, f"create {table(n)}")}
public sealed class CreateT{n:03d} : Revision
{{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {{
{csharp_upgrade_body(n)}    }}

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {{
        migrationBuilder.DropTable(name: "{table(n)}");
    }}
}}
"""


def migratekit_empty_revision(n, parents):
    return f"""using Microsoft.EntityFrameworkCore.Migrations;
using MigrationKit;

namespace Bench.Revisions;

{revision_attribute(n, parents, f"step {n}")}
public sealed class Step{n:05d} : Revision
{{
    protected override void Upgrade(MigrationBuilder migrationBuilder)
    {{
    }}

    protected override void Downgrade(MigrationBuilder migrationBuilder)
    {{
    }}
}}
"""


def migratekit_shaped_revision(n, parents, labels, depends):
    attribute = revision_attribute(n, parents, f"step {n}")
    extra = "".join(f', {name} = [' + ", ".join(f'"{v}"' for v in values) + "]"
                    for name, values in (("BranchLabels", labels), ("DependsOn", [rev_id(d) for d in depends])) if values)
    return migratekit_empty_revision(n, parents).replace(attribute, attribute[:-2] + extra + ")]")


def package_reference(version):
    return f"""  <ItemGroup>
    <PackageReference Include="MigrationKit" Version="{version}" />
  </ItemGroup>
"""


def migratekit_project(out, reference, graph, body):
    write(os.path.join(out, "Bench.MigrationKit.csproj"), csproj("Library", reference))
    write(os.path.join(out, "Ctx.cs"), CONTEXT)
    for n, parents in graph:
        write(os.path.join(out, "Revisions", f"{rev_id(n)}_r{n:05d}.cs"), body(n, parents))


def aspnet_project(out, reference, graph, connection):
    write(os.path.join(out, "Bench.Web.csproj"), csproj("Exe", reference, sdk="Microsoft.NET.Sdk.Web"))
    write(os.path.join(out, "Ctx.cs"), WEB_CONTEXT)
    write(os.path.join(out, "Program.cs"), WEB_PROGRAM)
    write(os.path.join(out, "appsettings.json"), json.dumps({"ConnectionStrings": {"Default": connection}}, indent=2) + "\n")
    for n, parents in graph:
        write(os.path.join(out, "Revisions", f"{rev_id(n)}_r{n:05d}.cs"), migratekit_table_revision(n, parents))


MODEL_ENTITIES = 20


def model_context(size):
    """autogenerate_generate.py's context, configured from $BENCH_CONNECTION: both tools connect."""
    sets = "\n".join(f"    public DbSet<{autogenerate_generate.entity_name(i)}> {autogenerate_generate.entity_name(i)}s"
                     f" => Set<{autogenerate_generate.entity_name(i)}>();" for i in range(size))
    return f"""using BenchApp.Entities;
using Microsoft.EntityFrameworkCore;

namespace BenchApp;

public class AppDbContext : DbContext
{{
{sets}

    protected override void OnConfiguring(DbContextOptionsBuilder options)
        => options.UseNpgsql(Environment.GetEnvironmentVariable("BENCH_CONNECTION"));
}}
"""


def model_projects(out, version):
    """first-mk/ and first-ef/: the first `upgrade head` after a new revision (see measure.py)."""
    for folder, package in (("first-mk", f'    <PackageReference Include="MigrationKit" Version="{version}" />'),
                            ("first-ef", '    <PackageReference Include="Microsoft.EntityFrameworkCore.Design" '
                                         f'Version="{EF_CORE_VERSION}" PrivateAssets="all" />')):
        path = os.path.join(out, folder)
        write(os.path.join(path, "BenchApp.csproj"), autogenerate_generate.project(package))
        write(os.path.join(path, "AppDbContext.cs"), model_context(MODEL_ENTITIES))
        for i in range(MODEL_ENTITIES):
            write(os.path.join(path, "Entities", autogenerate_generate.entity_name(i) + ".cs"), autogenerate_generate.entity(i))
    write(os.path.join(out, "first-ef", ".config", "dotnet-tools.json"),
          autogenerate_generate.tool_manifest("dotnet-ef", EF_CORE_VERSION, "dotnet-ef"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("repo", help="unused since every app references the packed package; kept for the scripts' command lines")
    parser.add_argument("--fleet", type=int, metavar="N", help="only the N-revision pair fleet.sh runs")
    parser.add_argument("--graph", type=int, metavar="N", help="only the N-revision shaped pair history.sh runs")
    parser.add_argument("--package-version", required=True, help="the packed MigrationKit version the apps reference")
    options = parser.parse_args()
    out = os.path.abspath(options.out)
    reference = package_reference(options.package_version)
    if options.fleet:
        graph = linear_graph(options.fleet)
        alembic_project(os.path.join(out, f"alembic-{options.fleet}"), graph, alembic_table_revision)
        migratekit_project(os.path.join(out, f"migratekit-{options.fleet}"), reference,
                           graph, migratekit_table_revision)
        return
    if options.graph:
        shaped = shaped_graph(options.graph)
        alembic_project(os.path.join(out, f"alembic-graph-{options.graph}"), [(n, p) for n, p, _, _ in shaped],
                        lambda n, p, extra={n: (l, d) for n, _, l, d in shaped}: alembic_shaped_revision(n, p, *extra[n]))
        migratekit_project(os.path.join(out, f"migratekit-graph-{options.graph}"), reference,
                           [(n, p) for n, p, _, _ in shaped],
                           lambda n, p, extra={n: (l, d) for n, _, l, d in shaped}: migratekit_shaped_revision(n, p, *extra[n]))
        return
    small, large = linear_graph(200), branched_graph(10_000)
    alembic_project(os.path.join(out, "alembic-200"), small, alembic_table_revision)
    efcore_project(os.path.join(out, "efcore-200"), 200)
    migratekit_project(os.path.join(out, "migratekit-200"), reference, small, migratekit_table_revision)
    server = os.environ["MIGRATEKIT_TEST_PG"].rstrip(";")
    aspnet_project(os.path.join(out, "aspnet-200"), reference, small, f"{server};Database=bench_web")
    alembic_project(os.path.join(out, "alembic-10k"), large, alembic_empty_revision)
    migratekit_project(os.path.join(out, "migratekit-10k"), reference, large, migratekit_empty_revision)
    model_projects(out, options.package_version)


if __name__ == "__main__":
    main()
