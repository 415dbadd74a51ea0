"""Report rendering time at scale, against the time of the check that produced the findings.

Builds the synthetic stack (the prod baseline plus N app services, see synthetic_app.py) under the
mock engine and evaluates it, as `posture check` does, then, as the CLI does, builds the Report
and renders every format from it once, timing each step; repeated from a fresh Report (nothing
cached) and the median kept. Rendering must stay under 10 % of the check's time.
Usage: ``python benchmarks/render.py [--size 10000] [--out benchmarks/RENDER.md]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import BASELINE_RESOURCES, RESOURCES_PER_SERVICE, synthetic_project  # noqa: E402
from posture.catalog import CONTROLS, PROMISES  # noqa: E402
from posture.evaluate import evaluate  # noqa: E402
from posture.program import run_project  # noqa: E402
from posture.reports import FORMATS, Report, render  # noqa: E402

BUDGET = 0.10
"""Rendering every format may take at most this share of the check's time."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="target resource count")
    parser.add_argument("--repeat", type=int, default=3, help="renders per format (the median is reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RENDER.md")
    args = parser.parse_args()

    gc.disable()  # as `posture check` runs
    with tempfile.TemporaryDirectory() as tmp:
        services = max(0, (args.size - BASELINE_RESOURCES) // RESOURCES_PER_SERVICE)
        project = synthetic_project(Path(tmp), services)
        cwd = os.getcwd()
        os.chdir(project)
        sys.path.insert(0, str(project))
        started = time.perf_counter()
        resources = run_project(project, "bench")
        program = time.perf_counter() - started
        os.chdir(cwd)
        started = time.perf_counter()
        findings = evaluate(resources)
        evaluation = time.perf_counter() - started
    check = program + evaluation
    timings: dict[str, list[float]] = {step: [] for step in ("report model", *FORMATS)}
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = Report(tool_version="bench", kind="check", stack="bench", project="security-baseline",
                        generated_at=datetime.now(UTC), findings=tuple(findings), controls=CONTROLS,
                        promises=PROMISES, resources=tuple(resources), source_root=str(project), commit="0" * 40)
        timings["report model"].append(time.perf_counter() - started)
        for fmt in FORMATS:  # in the CLI's order; what one format computes for the Report, the next reuses
            started = time.perf_counter()
            sizes[fmt] = len(render(report, fmt).encode())
            timings[fmt].append(time.perf_counter() - started)
    rows = [(step, statistics.median(times), sizes.get(step)) for step, times in timings.items()]
    for step, seconds, _ in rows:
        print(f"{step}: {seconds:.3f} s", file=sys.stderr)
    total = sum(t for _, t, _ in rows)
    lines = [
        "# Report rendering benchmark",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Synthetic stack of {len(resources):,} resources, {len(findings):,} verdicts; the Report built and every "
        f"format rendered once, as one CLI run does, {args.repeat} times (median per step).",
        "",
        f"The check itself (program under the mock engine {program:.2f} s + evaluation {evaluation:.2f} s): "
        f"**{check:.2f} s**.",
        "",
        "| step | seconds | share of the check | size (KiB) |",
        "|---|---:|---:|---:|",
        *(f"| {step} | {t:.3f} | {100 * t / check:.1f} % | {'' if size is None else f'{size / 1024:.0f}'} |"
          for step, t, size in rows),
        f"| **model + all six formats** | **{total:.3f}** | **{100 * total / check:.1f} %** | |",
        "",
        f"Budget: {100 * BUDGET:.0f} % of the check for all formats together: "
        f"{'met' if total <= BUDGET * check else 'EXCEEDED'}.",
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if total > BUDGET * check:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
