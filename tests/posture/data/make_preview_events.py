"""Regenerate preview-events.jsonl: what `pulumi preview --event-log F --policy-pack policies` writes
for the prod stack after a change that makes the database public and opens it to 10.0.0.0/8.

    .venv/bin/python -m tests.posture.data.make_preview_events

The event shapes, their order and the message format follow the engine (sdk/go/common/apitype,
pkg/engine/events.go) and the Python policy SDK: one compact JSON object per line; policy
messages wrapped in colour directives with the policy description on their first line; a
remediate summary before each analyze summary; the provider resource in the summaries; a stack
summary; then summaryEvent and cancelEvent. Findings come from posture.evaluate over the changed
resources, so the log agrees with the catalog and the rules.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from posture.catalog import CONTROLS
from posture.evaluate import evaluate
from posture.findings import Enforcement, Verdict
from posture.program import run_project
from posture.resources import REDACTED, UNKNOWN, ResourceView

PROJECT_DIR = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_name("preview-events.jsonl")
STACK, PROJECT = "prod", "security-baseline"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
PROVIDER_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1"
PROVIDER_REF = f"{PROVIDER_URN}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PACK = {"policyPackName": PROJECT, "policyPackVersion": "0.1.0", "policyPackVersionTag": "0.1.0"}
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}
START = 1767225600


LEVELS = {"aws-lb-loadbalancer-enable-deletion-protection": Enforcement.ADVISORY}
"""As if run with --policy-pack-config setting this control to advisory."""


def changed(resources: list[ResourceView]) -> list[ResourceView]:
    """The pull request under review: a public database reachable from a /8, a load balancer without
    deletion protection (advisory here), and a flow log whose traffic type is computed at deploy."""
    out = []
    for r in resources:
        if r.type == "aws:rds/instance:Instance":
            r = replace(r, props={**r.props, "publiclyAccessible": True})
        if r.type == "aws:lb/loadBalancer:LoadBalancer" and r.props.get("internal") is not True:
            r = replace(r, props={**r.props, "enableDeletionProtection": False})
        if r.type == "aws:ec2/flowLog:FlowLog":
            r = replace(r, props={**r.props, "trafficType": UNKNOWN})
        if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" and r.name == "database-from-app":
            props = {k: v for k, v in r.props.items() if k != "referencedSecurityGroupId"}
            r = replace(r, props={**props, "cidrIpv4": "10.0.0.0/8"})
        out.append(r)
    return out


def wire(value):
    if value is UNKNOWN:
        return UNKNOWN_STRING
    if value is REDACTED:
        return SECRET
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def main() -> None:
    resources = changed(run_project(PROJECT_DIR, STACK))
    findings = evaluate(resources, LEVELS)
    controls = {c.id: c for c in CONTROLS}
    events: list[dict] = [{"policyLoadEvent": {}},
                          {"preludeEvent": {"config": {"aws:region": "eu-west-1", f"{PROJECT}:environment": "prod"}}}]
    events.append(step("resourcePreEvent", "create", STACK_URN, "pulumi:pulumi:Stack", {}, custom=False, parent=""))
    events += summaries(PROVIDER_URN, sorted(c.id for c in CONTROLS if c.resource_types), [])
    for r in resources:
        mine = [f for f in findings if f.resource_urn == r.urn and not controls[f.control_id].is_stack_control]
        failed = sorted({f.control_id for f in mine if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)})
        passed = sorted({f.control_id for f in mine if f.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE)} - set(failed))
        events += [policy_event(f, controls) for f in mine if f.control_id in failed]
        if r.custom:
            events += summaries(r.urn, passed, failed)
        events.append(step("resourcePreEvent", "create", r.urn, r.type, wire(r.props), custom=r.custom,
                           parent=r.parent or STACK_URN))
    stack = [f for f in findings if controls[f.control_id].is_stack_control]
    reported = (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)
    events += [policy_event(f, controls) for f in stack if f.verdict in reported]
    stack_failed = sorted({f.control_id for f in stack if f.verdict in reported})
    stack_passed = sorted({f.control_id for f in stack} - set(stack_failed))
    events.append({"policyAnalyzeStackSummaryEvent": {**PACK, **({"passed": stack_passed} if stack_passed else {}),
                                                      **({"failed": stack_failed} if stack_failed else {})}})
    events.append(step("resOutputsEvent", "create", STACK_URN, "pulumi:pulumi:Stack", {}, custom=False, parent=""))
    blocking = any(f.blocking for f in findings)
    events.append({"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 9,
                                    "resourceChanges": {"create": len(resources) + 1},
                                    "PolicyPacks": {f"{PROJECT}|local|policies": "0.1.0"}, "isPreview": True,
                                    "result": "failed" if blocking else "succeeded"}})
    events.append({"cancelEvent": {}})
    with OUT.open("w", encoding="utf-8") as handle:
        for seq, event in enumerate(events):
            handle.write(json.dumps({"sequence": seq, "timestamp": START + seq // 20, **event},
                                    separators=(",", ":"), ensure_ascii=False) + "\n")


def policy_event(finding, controls) -> dict:
    control = controls[finding.control_id]
    if finding.verdict is Verdict.UNKNOWN:
        # The Python policy SDK reports a policy that touched an unknown value like this (advisory).
        message = (f"can't run policy '{control.id}' from policy pack '{PROJECT}@v0.1.0' during preview: "
                   f"{finding.message}")
        level = Enforcement.ADVISORY
    else:
        message, level = f"{control.description}\n{finding.message}", finding.enforcement
    event = {"message": f"<{{%reset%}}>{message}<{{%reset%}}>\n", "color": "raw", "policyName": control.id,
             **PACK, "enforcementLevel": level.value, "severity": control.severity.value}
    if finding.resource_urn and finding.resource_urn != STACK_URN:  # stack policies may name the offender
        event = {"resourceUrn": finding.resource_urn, **event}
    return {"policyEvent": event}


def summaries(urn: str, passed: list[str], failed: list[str]) -> list[dict]:
    body = {"resourceUrn": urn, **PACK}
    analyze = {**body, **({"passed": passed} if passed else {}), **({"failed": failed} if failed else {})}
    return [{"policyRemediateSummaryEvent": {**body, **({"passed": passed + failed} if passed or failed else {})}},
            {"policyAnalyzeSummaryEvent": analyze}]


def step(kind: str, op: str, urn: str, rtype: str, inputs: dict, *, custom: bool, parent: str) -> dict:
    new = {"type": rtype, "urn": urn, **({"custom": True} if custom else {}), "id": "", "parent": parent,
           "inputs": inputs, "outputs": {}, "provider": PROVIDER_REF if custom else ""}
    return {kind: {"metadata": {"op": op, "urn": urn, "type": rtype, "old": None, "new": new, "detailedDiff": None,
                                "logical": True, "provider": new["provider"]}, "planning": True}}


if __name__ == "__main__":
    main()
