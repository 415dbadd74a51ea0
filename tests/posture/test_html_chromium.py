"""The HTML report as a browser sees it: headless Chromium parses it, lays it out and draws it.

Needs the Debian package `chromium`: `make test` installs it when it runs as root with apt (as CI
does); elsewhere (no root, macOS) these tests skip and say so. Under CI they never skip: a CI
machine without Chromium fails them.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import pytest

from posture.reports import render

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs /usr/bin/chromium, which `make test` installs only as root with apt (CI runs these tests): "
           "apt-get install -y chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=90, check=True)


@pytest.fixture(scope="module")
def page(sample_report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "posture.html"
    path.write_text(render(sample_report, "html"), encoding="utf-8")
    return path


def test_the_rendered_dom_holds_every_promise_and_the_network_picture(page, sample_report, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert dom.startswith("<!DOCTYPE html>") and "</html>" in dom
    for promise in sample_report.promises:
        assert f'id="promise-{promise.id}"' in dom
    assert dom.count("<svg") == 1 and 'class="edge edge-db"' in dom and "database-db" in dom
    assert "Who can reach the database (port 5432)" in dom and "network-app" in dom
    assert "jane.doe@example.com" in dom  # the waivers table


def test_the_page_draws_at_full_width(page, tmp_path):
    png = tmp_path / "posture.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,2400", page.as_uri())
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1400, 2400)
    assert png.stat().st_size > 50_000  # a blank page compresses to a few kilobytes


@pytest.fixture(scope="module")
def ten_thousand_page(prod_stack, tmp_path_factory) -> Path:
    from tests.posture.conftest import make_report
    from tests.posture.test_network_scale import SERVICES, synthetic

    path = tmp_path_factory.mktemp("html") / "ten-thousand.html"
    path.write_text(render(make_report(resources=tuple(synthetic(list(prod_stack), SERVICES))), "html"),
                    encoding="utf-8")
    return path


def test_the_ten_thousand_resource_picture_is_drawn_aggregated(ten_thousand_page, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", ten_thousand_page.as_uri()).stdout
    svg = dom[dom.index("<svg"):dom.index("</svg>")]
    assert "1,084 security groups" in svg and svg.count('class="node') <= 12
    png = tmp_path / "ten-thousand.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,2400", ten_thousand_page.as_uri())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
