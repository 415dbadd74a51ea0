"""Progress that works in CI: one line per finished step or task when stderr is not a terminal
(the CLI's side, and colour, are in test_cli.py)."""

from __future__ import annotations

import io
import re

import pytest

from posture.audit import collect_inventory
from posture.live import Collector
from posture.live.base import Clients
from posture.progress import Progress
from posture.resources import ResourceView
from tests.posture.test_cli import PROGRESS


def test_a_finished_step_is_one_line_and_a_failed_one_says_nothing():
    log = io.StringIO()
    progress = Progress(log)
    assert progress.interactive is False
    with progress.step("Running the program…") as step:
        step.done = "ran the program: 248 resources"
    with pytest.raises(RuntimeError), progress.step("Evaluating…"):
        raise RuntimeError("boom")
    assert re.fullmatch(r"posture: ran the program: 248 resources \(\d+\.\d s\)\n", log.getvalue())


def test_the_audit_reports_each_collector_and_region_as_it_finishes():
    def collect(ctx):
        return [ResourceView(f"arn:aws:ec2:{ctx.region}:1:sg/{i}", "aws:ec2/securityGroup:SecurityGroup", "sg", {})
                for i in range(2)]

    collectors = (Collector("network", collect, ("aws:ec2/securityGroup:SecurityGroup",)),
                  Collector("identity", lambda ctx: [], ("aws:iam/role:Role",), scope="global"))
    log = io.StringIO()
    resources, errors = collect_inventory(Clients(lambda: None), "111122223333", "aws", ["eu-west-1", "eu-central-1"],
                                          collectors, progress=Progress(log))
    lines = log.getvalue().splitlines()
    assert lines[0] == "posture: Auditing account 111122223333: 3 tasks"
    assert sorted(re.sub(r"\[\d/3\] ", "", line) for line in lines[1:]) == [
        "posture: identity in eu-west-1: 0 resources", "posture: network in eu-central-1: 2 resources",
        "posture: network in eu-west-1: 2 resources"]
    assert {line.split("]")[0] for line in lines[1:]} == {"posture: [1/3", "posture: [2/3", "posture: [3/3"}
    assert all(PROGRESS.match(line) for line in lines) and len(resources) == 4 and errors == []
