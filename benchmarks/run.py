"""Reproducible speed and memory figures for `posture check`, each a cold process.

Runs the prod stack and synthetic stacks (the prod baseline plus N app services, see
synthetic_app.py) through the real CLI, as CI would, and records wall time and the child's peak
RSS. Usage: ``python benchmarks/run.py [--sizes 1000,10000] [--repeat 3] [--out benchmarks/RESULTS.md]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE_RESOURCES = 263
"""Resources the prod stack registers (components included); synthetic sizes add services on top.
The table reports the count each run evaluated, read from its report."""
RESOURCES_PER_SERVICE = 9
POSTURE = Path(sys.executable).parent / "posture"
VIEWS = ("first-preview", "deployed")


def synthetic_project(workdir: Path, services: int) -> Path:
    """A throwaway project: the repo's Pulumi.yaml, the prod config plus ``benchServices``."""
    project = workdir / f"bench-{services}"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config["config"]["security-baseline:benchServices"] = str(services)
    (project / "Pulumi.bench.yaml").write_text(yaml.safe_dump(config))
    (project / "__main__.py").write_text(
        f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}]\n"
        "from synthetic_app import main\nmain()\n")
    return project


def timed_check(project: Path, stack: str, out: Path, view: str) -> tuple[float, float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS in MiB, and the blocking-finding count of one cold `posture check`.
    CPU time is the figure to compare when the machine is busy; wall time is what CI waits.

    The peak is the child's own, from wait4: RUSAGE_CHILDREN would report the largest child so far."""
    errors = out.with_suffix(".stderr")
    start = time.perf_counter()
    with errors.open("w") as stderr:
        proc = subprocess.Popen([str(POSTURE), "check", "--stack", stack, "--project", str(project), "--view", view,
                                 "--format", "json", "--out", str(out)], stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"posture check failed ({code}): {errors.read_text().strip()}")
    report = json.loads(out.read_text())
    return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, report["result"]["blocking"],
            int(report["metadata"]["resources evaluated"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000,10000", help="target resource counts (comma-separated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size for the prod stack")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for view in VIEWS:
            prod_runs = [timed_check(ROOT, "prod", work / f"prod-{view}-{i}.json", view) for i in range(args.repeat)]
            rows.append(("prod", view, prod_runs[0][4], statistics.median(r[0] for r in prod_runs),
                         statistics.median(r[1] for r in prod_runs), max(r[2] for r in prod_runs), prod_runs[0][3]))
        for size in (int(s) for s in args.sizes.split(",")):
            services = max(0, (size - BASELINE_RESOURCES) // RESOURCES_PER_SERVICE)
            project = synthetic_project(work, services)
            for view in VIEWS:
                wall, cpu, peak, blocking, count = timed_check(project, "bench", work / f"bench-{size}-{view}.json",
                                                               view)
                rows.append((f"synthetic {size}", view, count, wall, cpu, peak, blocking))
                print(f"{rows[-1][0]} ({view}): {rows[-1][2]} resources, {wall:.2f} s, {peak:.0f} MiB", file=sys.stderr)

    lines = [
        "# posture check benchmark",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Each row is one cold `posture check --format json` process (prod: median of {args.repeat}).",
        "",
        "| stack | view | resources registered | wall (s) | CPU (s) | peak RSS (MiB) | blocking findings | "
        "ms per resource |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *(f"| {name} | {view} | {count} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {blocking} | {1000 * wall / count:.2f} |"
          for name, view, count, wall, cpu, peak, blocking in rows),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
