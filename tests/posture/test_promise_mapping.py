"""Controls back only the promises they truly support (docs/promise-mapping.md): weakening one
protection fails the promise it makes true, and no other."""

from __future__ import annotations

from dataclasses import replace

import pytest

from posture.catalog import CONTROLS, PROMISES
from posture.evaluate import evaluate
from tests.posture.conftest import make_report


def promise_states(resources) -> dict[str, str]:
    report = make_report(findings=tuple(evaluate(list(resources))), controls=CONTROLS, waivers=(),
                         waiver_problems=())
    return {p.id: report.promise_state(p) for p in PROMISES}


def weakened(prod_stack, type_token: str, **props):
    return [replace(r, props={**r.props, **props}) if r.type == type_token else r for r in prod_stack]


def test_prod_upholds_every_promise(prod_stack):
    assert set(promise_states(prod_stack).values()) == {"pass"}


def test_disabling_key_rotation_fails_stored_data_promises_not_traffic_encryption(prod_stack):
    states = promise_states(weakened(prod_stack, "aws:kms/key:Key", enableKeyRotation=False))
    assert states["BANK-3"] == "fail"
    assert states["DB-4"] == "pass" and states["APP-2"] == "pass"


def test_removing_forced_tls_fails_traffic_encryption(prod_stack):
    states = promise_states(weakened(prod_stack, "aws:rds/parameterGroup:ParameterGroup", parameters=[]))
    assert states["DB-4"] == "fail"


@pytest.mark.parametrize("promise", [p.id for p in PROMISES])
def test_every_promise_keeps_a_backing_control(promise):
    assert any(promise in c.promises for c in CONTROLS)
