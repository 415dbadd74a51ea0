"""The format registry: a format is one module in posture/reports/formats, found without being listed,
imported only when asked for, and refused with a clear error when it does not declare what a format must."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import posture
from posture import reports
from tests.conftest import PROJECT_DIR

DATA = Path(__file__).parent / "data"
EVENTS = DATA / "preview-events.jsonl"
APP_PROJECT = PROJECT_DIR / "tests" / "data" / "app_project"

PROBE = """\
import sys
from posture.cli import main
code = main(sys.argv[1:])
loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("posture.reports.formats."))
print("formats imported:", " ".join(loaded), "| jinja2" if "jinja2" in sys.modules else "", file=sys.stderr)
sys.exit(code)
"""
"""Runs the CLI, then says which format modules (and whether the HTML template engine) the process imported."""


def posture_cli(*argv: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def imported_formats(proc: subprocess.CompletedProcess) -> str:
    return next(line for line in proc.stderr.splitlines() if line.startswith("formats imported:"))


def test_every_module_of_the_formats_package_declares_a_format():
    outputs = {fmt: reports.format_module(fmt).OUTPUT for fmt in reports.FORMATS}  # refuses a module that does not
    assert {"console", "html", "json", "junit", "markdown", "sarif"} <= outputs.keys()
    assert not {"model", "network", "catalog_table"} & outputs.keys(), "helpers are not formats"
    assert outputs["console"] == "terminal"
    assert tuple(fmt for fmt, output in outputs.items() if output == "file") == reports.FILE_FORMATS
    assert "json" in reports.FILE_FORMATS


def test_check_with_the_console_report_imports_no_other_format(tmp_path):
    proc = posture_cli("check", "--stack", "dev", "--project", str(APP_PROJECT), cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "posture check stack dev" in proc.stdout
    assert imported_formats(proc) == "formats imported: console "


def test_the_import_probe_sees_the_formats_a_run_asks_for(tmp_path):
    """The counterpart of the test above: the probe reports a format module once it is used."""
    proc = posture_cli("report", "--events", str(EVENTS), "--format", "console", "--format", "html",
                       "--out", str(tmp_path / "report.html"), cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert imported_formats(proc) == "formats imported: console html | jinja2"


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A copy of the posture package, to drop modules into its formats package as a developer would."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(Path(posture.__file__).parent, root / "posture", ignore=shutil.ignore_patterns("__pycache__"))
    return root


TALLY_FORMAT = '''"""A report format a developer adds: the outcome and the number of blocking findings."""
OUTPUT = "file"


def render(report):
    return f"{report.outcome}: {len(report.blocking)} blocking\\n"
'''


def test_a_module_dropped_into_the_formats_package_is_a_format_with_no_other_edit(package_copy, tmp_path):
    (package_copy / "posture" / "reports" / "formats" / "tally.py").write_text(TALLY_FORMAT)
    help_text = posture_cli("report", "--help", cwd=tmp_path, pythonpath=package_copy).stdout
    choices = ", ".join(sorted((*reports.FORMATS, "tally")))
    assert f"report format, repeatable: {choices} (default: console)" in " ".join(help_text.split())

    out = tmp_path / "tally.txt"
    proc = posture_cli("report", "--events", str(EVENTS), "--format", "tally", "--out", str(out), cwd=tmp_path,
                       pythonpath=package_copy)
    assert proc.returncode in (0, 1), proc.stderr
    assert out.read_text().endswith(" blocking\n")
    assert imported_formats(proc) == "formats imported: tally "


@pytest.mark.parametrize(("module", "source", "lacks"), [
    ("notes", '"""Helper text, not a format."""\n', "OUTPUT ('terminal' or 'file') and render(report)"),
    ("halfway", 'OUTPUT = "file"\n', "render(report)"),
    ("misdeclared", 'OUTPUT = "stdout"\n\ndef render(report):\n    return ""\n', "OUTPUT ('terminal' or 'file')"),
], ids=["no declarations", "no render", "unknown OUTPUT"])
def test_a_module_that_does_not_declare_a_format_is_refused_naming_it(package_copy, tmp_path, module, source, lacks):
    (package_copy / "posture" / "reports" / "formats" / f"{module}.py").write_text(source)
    proc = posture_cli("report", "--events", str(EVENTS), "--format", module, "--out", str(tmp_path / "out.txt"),
                       cwd=tmp_path, pythonpath=package_copy)
    assert proc.returncode == 2
    error = [line for line in proc.stderr.splitlines() if line.startswith("posture: error:")]
    assert len(error) == 1, proc.stderr
    assert f"report format '{module}' ({package_copy}/posture/reports/formats/{module}.py) does not declare {lacks};" \
        in error[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.txt").exists()


def test_a_format_module_that_cannot_be_imported_is_one_line(package_copy, tmp_path):
    (package_copy / "posture" / "reports" / "formats" / "typo.py").write_text('OUTPUT = "file"\ndef render(report:\n')
    proc = posture_cli("report", "--events", str(EVENTS), "--format", "typo", "--out", str(tmp_path / "out.txt"),
                       cwd=tmp_path, pythonpath=package_copy)
    assert proc.returncode == 2, proc.stderr
    error = [line for line in proc.stderr.splitlines() if line.startswith("posture: error:")]
    assert len(error) == 1 and "report format 'typo' cannot be imported (SyntaxError" in error[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.txt").exists()
