"""Break each control's rule in turn and list the breaks no test notices.

Every control's rule is replaced, one at a time, by a rule that always passes, one that always
fails and one that raises. For each break the tests that name the control (pytest ``-k <control
id>`` over the chosen test paths) run in this process with the broken rule patched into the
registry (``posture.rules.RULES``, which the offline check, the pack and the live audit all read at
call time). A break is *noticed* when at least one selected test fails; a break no test notices is
a gap: no test can tell that control's rule from a broken one. ``--wide`` reruns every gap against
all the tests of the paths (no ``-k``), to tell "no test names it" from "no test at all".

    .venv/bin/python tools/break_each_rule.py                       # every control, tests/policies
    .venv/bin/python tools/break_each_rule.py --control aws-kms-key-enable-rotation --wide

The mock-engine stacks the fixtures build are computed once per process, not once per run: they do
not depend on any rule. Exit code 1 when a gap remains, 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture import program  # noqa: E402
from posture.catalog import CONTROLS, CONTROLS_BY_ID  # noqa: E402
from posture.findings import Verdict  # noqa: E402
from posture.rules import RULES, rule_home, rule_name  # noqa: E402
from posture.rules.results import RuleResult  # noqa: E402

MODES = ("pass", "fail", "raise")


def broken_rule(control_id: str, mode: str) -> Callable[..., Any]:
    """A rule with the control's calling convention (resource or stack) that ignores its input."""
    stack = CONTROLS_BY_ID[control_id].is_stack_control

    def rule(subject: Any, **_settings: Any) -> Any:
        if mode == "raise":
            raise RuntimeError(f"broken rule for {control_id}")
        verdict = Verdict.PASS if mode == "pass" else Verdict.FAIL
        result = RuleResult(verdict, f"broken rule: always {mode}s; fix: restore the rule",
                            None if stack else subject.urn)
        return [result] if stack else result

    return rule


class BreakRule:
    """pytest plugin: the control's rule is broken for the whole session, restored after it."""

    def __init__(self, control_id: str, mode: str) -> None:
        self.control_id, self.mode = control_id, mode
        self.failed = 0
        self.selected = 0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The rule's attribute in its home module is replaced too: tests that call ``module.rule`` see
        the break, and the catalog test that the registry holds each module's own function still holds.
        The home comes from the registry (``rule_home``), not ``rule.__module__``, which names the
        factory's module for a rule a factory made."""
        self.original = RULES[self.control_id]
        self.home, self.name = rule_home(self.control_id), rule_name(self.control_id)
        broken = broken_rule(self.control_id, self.mode)
        RULES[self.control_id] = broken
        setattr(self.home, self.name, broken)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        RULES[self.control_id] = self.original
        setattr(self.home, self.name, self.original)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = len(session.items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed += 1


def _cache_mock_engine_runs() -> None:
    """Running a stack under the mock engine takes seconds and no rule takes part in it."""
    cached_project = functools.cache(program.run_project)
    runs: dict[Any, Any] = {}

    def cached_program(program_fn: Callable[[], Any], files: Any, view: str = program.FIRST_PREVIEW,
                       existing: frozenset[str] = frozenset()) -> Any:
        key = (program_fn, repr(files), view, existing)
        if key not in runs:
            runs[key] = original_program(program_fn, files, view, existing)
        return runs[key]

    original_program = program.run_program
    import tests.conftest
    import tests.policies.conftest
    for module in (program, tests.conftest, tests.policies.conftest):
        if hasattr(module, "run_project"):
            module.run_project = lambda directory, stack, view=program.FIRST_PREVIEW: cached_project(
                Path(directory), stack, view)
        if hasattr(module, "run_program"):
            module.run_program = cached_program


def run_broken(control_id: str, mode: str, paths: list[str], select: bool) -> BreakRule:
    plugin = BreakRule(control_id, mode)
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-x", *paths]
    if select:
        args += ["-k", control_id]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[plugin])
    return plugin


def sweep(control_ids: list[str], paths: list[str], wide: bool) -> Iterator[tuple[str, str, str]]:
    """(control id, mode, outcome) with outcome "noticed", "not named by any test" or "unnoticed"."""
    for control_id in control_ids:
        for mode in MODES:
            result = run_broken(control_id, mode, paths, select=True)
            if result.failed:
                yield control_id, mode, "noticed"
                continue
            outcome = "not named by any test" if result.selected == 0 else "unnoticed"
            if wide and run_broken(control_id, mode, paths, select=False).failed:
                outcome = "noticed (only by tests that do not name it)"
            yield control_id, mode, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--control", action="append", help="a control id (repeatable); default: every control")
    parser.add_argument("--paths", nargs="+", default=["tests/policies"], help="test paths (default tests/policies)")
    parser.add_argument("--wide", action="store_true", help="rerun each gap against every test of the paths")
    parser.add_argument("--shard", default="1/1", help="k/n: only every n-th control from the k-th (parallel runs)")
    args = parser.parse_args(argv)
    try:
        k, n = (int(part) for part in args.shard.split("/"))
        assert 1 <= k <= n
    except (ValueError, AssertionError):
        print(f"break_each_rule: error: --shard {args.shard!r} is not k/n with 1 <= k <= n; fix: e.g. --shard 1/2",
              file=sys.stderr)
        return 2
    unknown = [c for c in args.control or [] if c not in CONTROLS_BY_ID]
    if unknown:
        print(f"break_each_rule: error: --control {unknown[0]!r} is not a control id; "
              "fix: use an id from docs/controls.md", file=sys.stderr)
        return 2
    control_ids = (args.control or [c.id for c in CONTROLS])[k - 1::n]
    _cache_mock_engine_runs()
    started = time.monotonic()
    gaps = []
    for control_id, mode, outcome in sweep(control_ids, args.paths, args.wide):
        if not outcome.startswith("noticed"):
            gaps.append((control_id, mode, outcome))
        print(f"{outcome:>45}  always {mode:<5} {control_id}", flush=True)
    elapsed = time.monotonic() - started
    print(f"\n{len(control_ids)} controls, {len(control_ids) * len(MODES)} breaks, {len(gaps)} unnoticed, "
          f"{elapsed:.0f} s")
    for control_id, mode, outcome in gaps:
        print(f"  gap: {control_id} always {mode}: {outcome}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
