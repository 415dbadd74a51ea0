"""Where the checked code lives in git: the repository root (SARIF locations are relative to it,
so code scanning can open them) and the commit (every report names the code it judged).

Both ask the ``git`` command, as CI checkouts always have it; without git or outside a
repository they return None and the reports say "unknown".
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def repository_root(directory: Path) -> Path | None:
    """The top of the git work tree holding ``directory``, or None."""
    top = _git(directory, "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


def head_commit(directory: Path) -> str | None:
    """The full id of the commit checked out where ``directory`` lives, or None."""
    return _git(directory, "rev-parse", "--verify", "--quiet", "HEAD")
