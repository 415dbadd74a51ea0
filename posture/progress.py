"""Progress on stderr that works at a terminal and in CI logs.

At a terminal (and not in CI: ``CI`` set, as every CI service sets it), rich draws a spinner
for a step and a bar for a counted set of tasks (the live audit's collectors per region, an
organization audit's accounts and regions), and removes them when done. Elsewhere (CI, pipes) nothing is
redrawn: each finished step and task is one plain line (``posture: [12/40] ec2 in eu-west-1: 31
resources``), so a log shows what ran, how long it took and where a hang sits. A step that fails
prints nothing, so an error stays the one line on stderr. stdout never carries progress.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Step:
    done: str = ""
    """What the finished step says in a log (``ran the program: 248 resources``); set by the caller."""


class Progress:
    def __init__(self, stream: TextIO | None = None, *, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        if interactive is None:
            interactive = self.stream.isatty() and os.environ.get("CI", "").lower() in ("", "0", "false")
        self.interactive = interactive
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self.stream.write(f"posture: {text}\n")
            self.stream.flush()

    @contextmanager
    def step(self, running: str) -> Iterator[Step]:
        """A spinner saying ``running`` at a terminal; after success, one line with the time taken elsewhere."""
        step = Step()
        started = time.monotonic()
        if self.interactive:
            from rich.console import Console

            with Console(file=self.stream).status(running):
                yield step
            return
        yield step
        self.line(f"{step.done or running} ({time.monotonic() - started:.1f} s)")

    @contextmanager
    def counter(self, description: str, total: int) -> Iterator[Callable[[str], None]]:
        """``advance(label)`` once per finished task: a bar at a terminal, ``[i/total] label`` lines elsewhere."""
        if self.interactive:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                     console=Console(file=self.stream), transient=True) as bar:
                task = bar.add_task(description, total=total)
                yield lambda label: bar.update(task, advance=1, description=f"{description}: {label}")
            return
        self.line(f"{description}: {total} tasks")
        finished = 0

        def advance(label: str) -> None:
            nonlocal finished
            with self._lock:
                finished += 1
                count = finished
            self.line(f"[{count}/{total}] {label}")

        yield advance

