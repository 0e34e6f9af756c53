"""Times `dotnet migratekit revision --autogenerate` against `dotnet ef migrations add` on the apps
that autogenerate_generate.py wrote, build included, and prints (and saves) medians and ratios.

    /usr/bin/python3 bench/autogenerate_measure.py --gen DIR --sizes 10 100 300 real [--rounds 5]
        [--out FILE] [--tree COMMIT] [--baseline COMMIT]

"real" is the real-shaped app (a Domain and a Data project, three DbContexts; see
autogenerate_generate.py), timed in two rows: "real: change" (a property added to a Domain entity
of the orders context, which has its initial revision) and "real: initial" (a property added to a
Domain entity of the catalog context, then that context's initial revision written: the round's
files are deleted after, so the context has no revision at the start of every round).

With --baseline, the mkbase-SIZE apps (MigrationKit packed at that commit) are timed in the same
rounds, as a third tool: before and after a change, against the same EF Core samples.

Set-up (not timed): `dotnet tool restore`, then `migratekit init` plus one initial revision in the
MigrationKit copy and one initial migration in the EF Core copy (for "real": of the orders context,
`init --context` for both the orders and the catalog contexts). Then a reference revision of the
round's change is written after a full MSBuild build (the project file touched), to compare every
measured revision with.

Every round, for each size and each tool (the order of the tools alternates from round to round):
add one property to the same entity, run the tool's command (timed, from start to exit), check what
it wrote, then put the sources back as they were and delete what the tool wrote (EF's snapshot file
is restored), so every round starts alike. One warm-up round comes first and is not counted.
"""

import argparse
import concurrent.futures
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autogenerate_generate import MARKER, REAL_CHANGED, REAL_CONTEXTS, changed_entity  # noqa: E402

MK, EF, BASE = "MigrationKit", "dotnet ef", "MigrationKit (baseline)"
FOLDERS = {MK: "mk", EF: "ef", BASE: "mkbase"}
TIMEOUT_SECONDS = 900
MK_COMMAND = ["dotnet", "migratekit", "revision", "--autogenerate", "-m", "add bench extra"]
EF_COMMAND = ["dotnet", "ef", "migrations", "add", "AddBenchExtra"]
NEW_PROPERTY = "public int? BenchExtra { get; set; }"


# Two `dotnet tool restore` of one tool version at once race for its file in the NuGet cache.
TOOL_RESTORE = threading.Lock()


class Failure(Exception):
    pass


def run(folder, command, native_images=None):
    env = dict(os.environ, DOTNET_NOLOGO="1", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    if native_images is not None:
        # MigrationKit's native image cache: one of this run's own (so every run starts from none);
        # "wait" compiles the images a command loads before it exits instead of in the background.
        env.update(MIGRATEKIT_NATIVE_IMAGE_CACHE=native_images[0], MIGRATEKIT_NATIVE_IMAGES=native_images[1])
    start = time.monotonic()
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).strip().splitlines()
        first = next((l for l in lines if "error" in l.lower()), lines[-1] if lines else "no output")
        raise Failure(f"`{' '.join(command)}` in {folder} exited {result.returncode}: {first.strip()}")
    return elapsed, result


def files_in(folder):
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


class App:
    """One copy of the model, for one tool: makes the round's change and takes it back."""

    def __init__(self, gen, tool, model):
        self.tool, self.model = tool, model
        self.is_mk = tool != EF
        self.native_image_cache = os.path.join(gen, "native-images")
        self.initial = model == "real-initial"
        if model.startswith("real"):
            # The commands run in the Data project; the change is in the Domain project it references.
            root = os.path.join(gen, f"{FOLDERS[tool]}-real")
            self.folder = os.path.join(root, "Data")
            case = "initial" if self.initial else "change"
            context = REAL_CONTEXTS[case]
            self.entity = os.path.join(root, "Domain", REAL_CHANGED[case])
            area = context.removesuffix("Context")
            # `init --context CatalogContext` gives it Revisions/Catalog.
            self.output = os.path.join(self.folder, "Revisions", *([area] if self.initial else [])) if self.is_mk \
                else os.path.join(self.folder, "Migrations", area)
            self.snapshot = None if self.initial else os.path.join(self.output, f"{context}ModelSnapshot.cs")
            self.context_options = ["--context", context]
            self.ef_options = self.context_options + ["--output-dir", f"Migrations/{area}"]
        else:
            self.folder = os.path.join(gen, f"{FOLDERS[tool]}-{model}")
            self.output = os.path.join(self.folder, "Revisions" if self.is_mk else "Migrations")
            self.entity = os.path.join(self.folder, "Entities", changed_entity(int(model)) + ".cs")
            self.snapshot = os.path.join(self.output, "AppDbContextModelSnapshot.cs")
            self.context_options = self.ef_options = []
        self.project_file = next(os.path.join(self.folder, f) for f in os.listdir(self.folder) if f.endswith(".csproj"))

    def label(self):
        return {"real": "real: change", "real-initial": "real: initial"}.get(self.model, f"{self.model} entities")

    def set_up(self):
        if self.initial:
            # The app is the "real: change" row's, set up by it; this context gets no revision.
            with open(self.entity, encoding="utf-8") as f:
                self.original = f.read()
            self.saved_snapshot, self.known = None, files_in(self.output)
            return
        with TOOL_RESTORE:
            run(self.folder, ["dotnet", "tool", "restore"])
        # `dotnet ef` builds without restoring: the developer has restored (and built) before.
        run(self.folder, ["dotnet", "restore"])
        if self.is_mk:
            for context in ([["--context", c] for c in REAL_CONTEXTS.values()] if self.context_options else [[]]):
                run(self.folder, ["dotnet", "migratekit", "init", *context], self.native_images(wait=True))
            run(self.folder, ["dotnet", "migratekit", "revision", "--autogenerate", "-m", "initial", *self.context_options], self.native_images(wait=True))
        else:
            run(self.folder, ["dotnet", "ef", "migrations", "add", "Initial", *self.ef_options])
        with open(self.entity, encoding="utf-8") as f:
            self.original = f.read()
        self.saved_snapshot = None if self.is_mk or self.snapshot is None else open(self.snapshot, encoding="utf-8").read()
        self.known = files_in(self.output)

    def change(self):
        with open(self.entity, "w", encoding="utf-8") as f:
            f.write(self.original.replace(MARKER, NEW_PROPERTY + "\n\n    " + MARKER))

    def command(self):
        if self.initial:
            return MK_COMMAND[:-1] + ["initial catalog"] + self.context_options if self.is_mk \
                else EF_COMMAND[:-1] + ["InitialCatalog"] + self.ef_options
        return MK_COMMAND + self.context_options if self.is_mk else EF_COMMAND + self.ef_options

    def native_images(self, wait):
        return (self.native_image_cache, "wait" if wait else "background") if self.is_mk else None

    def measure(self, warm_up=False):
        """One round: change, time the command, check and return what it wrote, take it all back."""
        self.change()
        try:
            elapsed, _ = run(self.folder, self.command(), self.native_images(wait=warm_up))
            written = sorted(files_in(self.output) - self.known)
            main = [f for f in written if f.endswith(".cs") and not f.endswith((".Designer.cs", "ModelSnapshot.cs"))]
            if len(main) != 1:
                raise Failure(f"{self.tool} wrote {written} in {self.output}, expected one new revision or migration")
            with open(os.path.join(self.output, main[0]), encoding="utf-8") as f:
                text = f.read()
            if self.initial and ("BenchExtra = table.Column<int>(" not in text or "CreateTable(" not in text):
                raise Failure(f"{self.tool}'s {main[0]} does not create the tables with the column BenchExtra")
            if not self.initial and ('name: "BenchExtra"' not in text or "AddColumn<int>(" not in text):
                raise Failure(f"{self.tool}'s {main[0]} does not add the column BenchExtra")
            return elapsed, normalized(text, main[0])
        finally:
            self.take_back()

    def take_back(self):
        for name in files_in(self.output) - self.known:
            os.remove(os.path.join(self.output, name))
        if self.saved_snapshot is not None:
            with open(self.snapshot, "w", encoding="utf-8") as f:
                f.write(self.saved_snapshot)
        with open(self.entity, "w", encoding="utf-8") as f:
            f.write(self.original)


def normalized(text, file_name):
    """A revision without what differs from run to run: its id and its creation time."""
    rev_id = file_name.split("_", 1)[0]
    return re.sub(r"\n\s*Created = \"[^\"]*\",?", "", text).replace(rev_id, "ID")


def seconds(value):
    return f"{value:.3f} s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gen", required=True)
    parser.add_argument("--sizes", nargs="+", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--tree", default="unknown")
    parser.add_argument("--baseline")
    args = parser.parse_args()

    tools = [MK, EF, BASE] if args.baseline else [MK, EF]
    models = [m for size in args.sizes for m in (["real", "real-initial"] if size == "real" else [str(int(size))])]
    apps = {(model, tool): App(args.gen, tool, model) for model in models for tool in tools}
    labels = {model: apps[(model, MK)].label() for model in models}
    # Set-up is not timed: the apps are set up side by side (the initial row's after its app's).
    def set_up(key):
        start = time.monotonic()
        apps[key].set_up()
        print(f"  set up {key[1]}, {labels[key[0]]} in {time.monotonic() - start:.0f} s", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(apps)) as pool:
        for done in [pool.submit(set_up, key) for key in apps if not apps[key].initial]:
            done.result()
    for key in apps:
        if apps[key].initial:
            set_up(key)

    # The reference: the round's change after a full MSBuild build (a touched project file makes
    # the tool build with MSBuild, whatever shortcut it may take for source-only changes).
    references = {}
    for size in models:
        app = apps[(size, MK)]
        os.utime(app.project_file)
        references[size] = app.measure()[1]
        if args.baseline:
            apps[(size, BASE)].measure()

    samples = {key: [] for key in apps}
    identical = True
    def report(done):
        """The table of the rounds done so far, printed and written (rewritten after every round)."""
        lines = [
            f"MigrationKit autogenerate benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, MigrationKit at {args.tree}",
            f"machine: {os.cpu_count()} cores, {platform.platform()}; dotnet {subprocess.run(['dotnet', '--version'], capture_output=True, text=True).stdout.strip()}, dotnet-ef 10.0.15, EF Core 10.0.15, Npgsql 10.0.3",
            f"medians of {done} interleaved rounds (after one warm-up round){'' if done == args.rounds else f', {args.rounds - done} of {args.rounds} still to run'}, build included; "
            "MK/EF < 1 means MigrationKit is faster",
            "",
            f"{'model':<14}  {'MigrationKit':>12}  {'dotnet ef':>9}  {'MK/EF':>5}  {'speed-up':>8}"
            + (f"  {'baseline':>9}  {'base/EF':>7}  {'speed-up':>8}" if args.baseline else ""),
            f"{'-' * 14}  {'-' * 12}  {'-' * 9}  {'-' * 5}  {'-' * 8}" + (f"  {'-' * 9}  {'-' * 7}  {'-' * 8}" if args.baseline else ""),
        ]
        met = True
        for size in models:
            if not all(samples[(size, tool)] for tool in tools):
                met = False
                lines.append(f"{labels[size]:<14}  {'not yet measured':>12}")
                continue
            mk, ef = statistics.median(samples[(size, MK)]), statistics.median(samples[(size, EF)])
            met = met and ef / mk >= 3
            line = f"{labels[size]:<14}  {seconds(mk):>12}  {seconds(ef):>9}  {mk / ef:>5.2f}  {ef / mk:>7.1f}x"
            if args.baseline:
                base = statistics.median(samples[(size, BASE)])
                line += f"  {seconds(base):>9}  {base / ef:>7.2f}  {ef / base:>7.1f}x"
            lines.append(line)
        if args.baseline:
            lines.append(f"baseline: MigrationKit packed at {args.baseline}, timed in the same rounds")
        lines += [
            "",
            f"target (MigrationKit at least 3x faster on every row): {'met' if met else 'NOT met'}",
            "revisions: " + ("every measured revision is identical (id and date aside) to the reference written after a full MSBuild build"
                             if identical else "SOME REVISIONS DIFFER from the reference written after a full MSBuild build"),
            "",
            "samples (seconds, in round order):",
        ]
        for (size, tool), values in samples.items():
            lines.append(f"  {labels[size]} / {tool}: " + " ".join(f"{v:.3f}" for v in values))
        lines += ["", "commands (run in the app's folder, after adding one property to one entity):"]
        for size in models:
            lines += [f"  {labels[size]}, {MK}{' and baseline' if args.baseline else ''}: {shlex.join(apps[(size, MK)].command())}",
                      f"  {labels[size]}, {EF}: {shlex.join(apps[(size, EF)].command())}"]
        report = "\n".join(lines) + "\n"
        if done == args.rounds:
            print("\n" + report)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(report)

    for round_number in range(args.rounds + 1):
        warm_up = round_number == 0
        for size in models:
            shift = round_number % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                elapsed, text = apps[(size, tool)].measure(warm_up)
                if tool == MK and text != references[size]:
                    identical = False
                    print(f"  round {round_number}: the revision for {labels[size]} differs from the reference", file=sys.stderr)
                if not warm_up:
                    samples[(size, tool)].append(elapsed)
            if not warm_up:
                report(round_number - 1 + (size == models[-1]))
        print(f"  round {round_number}{' (warm-up)' if warm_up else ''} done", flush=True)

    return 0 if identical else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
