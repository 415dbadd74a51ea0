"""Build the publishable CrossGuard pack: a folder that ``pulumi policy publish <folder>`` uploads and
that Pulumi starts from its own requirements.txt, with nothing from this repository but the wheel.

    python scripts/build_pack.py dist/pack      (make pack)

The folder holds PulumiPolicy.yaml (policies/PulumiPolicy.yaml with a virtualenv of its own), a
two-line __main__.py that runs the installed ``posture.policies``, the ``security-baseline`` wheel
and requirements.txt: the hashed runtime lock plus that wheel by hash. The policies' code therefore
exists once, in policies/ and posture/, and the published pack runs exactly what the repo tests.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "posture", "policies")
"""What the wheel is built from; copied to a scratch directory so stale build/ output never ships."""
ENTRY = '''"""Entry point the Pulumi CLI runs: the policies are the installed `posture.policies` (requirements.txt)."""
import runpy

runpy.run_module("posture.policies", run_name="__main__", alter_sys=True)
'''


def build_wheel(out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        for name in SOURCES:
            source, copy = ROOT / name, Path(scratch) / name
            if source.is_dir():
                shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(out_dir), scratch], check=True)
    wheel, = out_dir.glob("security_baseline-*.whl")
    return wheel


def build_pack(target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    wheel = build_wheel(target)
    version = wheel.name.split("-")[1]
    manifest = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    manifest["version"] = version
    manifest["runtime"] = {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    (target / "PulumiPolicy.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (target / "__main__.py").write_text(ENTRY)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    lock = (ROOT / "requirements-runtime.txt").read_text()
    (target / "requirements.txt").write_text(
        "# The pack's runtime, locked with hashes (requirements-runtime.txt), and the policies themselves:\n"
        f"# the security-baseline {version} wheel beside this file. Pulumi installs it into ./venv.\n"
        f"{lock.rstrip()}\n./{wheel.name} --hash=sha256:{digest}\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="folder to (re)create, e.g. dist/pack")
    target = build_pack(parser.parse_args().target)
    print(f"built {target}: pulumi policy publish {target}")


if __name__ == "__main__":
    main()
