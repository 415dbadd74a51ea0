"""Mutation kill rate: weaken the compliant prod stack one change at a time; every weakening that
matters must make at least one mandatory control fail.

The mutations are generated, not hand-picked: every boolean flipped, every retention shortened,
every CIDR widened to the internet, every security-group reference replaced by 0.0.0.0/0, every
protective property removed or downgraded, every policy document widened, every protective
resource dropped, and a few additions (SSH ingress, an internet route in the data tier, a stored
secret value, an admin policy). Mutations that weaken no promise are listed in NEUTRAL, known
weakenings no control catches yet in GAPS, each with its reason; everything else must be killed.

Run ``pytest tests/policies/test_mutations.py -s`` to see the kill rate and the survivors.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from posture.evaluate import evaluate
from posture.findings import Enforcement, Verdict
from posture.resources import UNKNOWN, ResourceView
from tests.policies.helpers import DELETE, Change, add, change, drop, paths

RETENTION_KEYS = {"backupRetentionPeriod": 1.0, "minRetentionDays": 1.0, "deleteAfter": 1.0, "retentionInDays": 7.0,
                  "rotationPeriodInDays": 3650.0, "automaticallyAfterDays": 3650.0}
CIDR_KEYS = {"cidrBlock", "cidrIpv4", "cidrIpv6", "cidrBlocks", "ipv6CidrBlocks", "cidr", "ipv6CidrBlock"}
CIDR_TYPES = {"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule",
              "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/networkAcl:NetworkAcl",
              "aws:ec2/networkAclRule:NetworkAclRule", "aws:ec2/managedPrefixList:ManagedPrefixList",
              "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"}
REMOVABLE = {"kmsKeyId", "kmsKeyArn", "kmsMasterKeyId", "encryptionKeyArn", "masterUserSecretKmsKeyId", "sslPolicy",
             "changeableForDays", "finalSnapshotIdentifier", "caCertIdentifier", "parameterGroupName",
             "dbClusterParameterGroupName", "vpcSecurityGroupIds", "accessLogs", "serverSideEncryption",
             "pointInTimeRecovery", "ttl", "routingHttpResponseStrictTransportSecurityHeaderValue",
             "desyncMitigationMode", "backupRetentionPeriod", "manageMasterUserPassword", "recordingGroup",
             "copyActions", "dbSubnetGroupName", "s3KmsKeyArn"}
DOWNGRADES: dict[str, tuple[str | None, str]] = {
    # key: (the value it weakens, or None for any; the weaker value)
    "sslPolicy": (None, "ELBSecurityPolicy-TLS13-1-0-2021-06"), "trafficType": ("ALL", "REJECT"),
    "desyncMitigationMode": ("strictest", "defensive"), "caCertIdentifier": (None, "rds-ca-2019"),
    "sseAlgorithm": ("aws:kms", "AES256"), "protocol": ("HTTPS", "HTTP"), "status": ("ENABLED", "DISABLED"),
}
PROTECTIVE_TYPES = {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ec2/flowLog:FlowLog", "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:kms/key:Key", "aws:rds/parameterGroup:ParameterGroup",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration", "aws:backup/vaultPolicy:VaultPolicy",
    "aws:backup/selection:Selection", "aws:backup/vault:Vault",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafv2/ipSet:IpSet",
    "aws:cloudtrail/trail:Trail", "aws:guardduty/detector:Detector", "aws:guardduty/detectorFeature:DetectorFeature",
    "aws:securityhub/account:Account", "aws:securityhub/standardsSubscription:StandardsSubscription",
    "aws:cfg/recorder:Recorder", "aws:cfg/recorderStatus:RecorderStatus", "aws:cfg/deliveryChannel:DeliveryChannel",
    "aws:inspector2/enabler:Enabler", "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:lb/listener:Listener",
}
NEUTRAL: dict[str, str] = {
    # Changes that weaken no promise: availability, cost, observability of the tools themselves.
    r":flip forceDestroy$": "only matters on `pulumi destroy`; vault and object locks and versioning keep the data",
    r":flip rules\[0\]\.bucketKeyEnabled$": "S3 bucket keys change KMS request cost, not protection",
    r"(web|intranet)-access-logs-lifecycle:suspend ": "suspending log expiry keeps logs longer (the audit buckets "
                                                       "must state their retention: "
                                                       "stack-audit-bucket-require-lifecycle-retention)",
    r"database-params:turn off parameters\[6\]\.value$": "pgaudit.log_parameter only adds bind values to records "
                                                         "that pgaudit.log already writes",
    r":flip (rules\[\d+\]\.)?enableContinuousBackup$": "continuous backup is a production RPO choice; daily locked copies remain",
    r"database-instance:flip (copyTagsToSnapshot|multiAz|performanceInsightsEnabled)$": "availability/operations",
    r"network-vpc:flip enableDns(Hostnames|Support)$": "breaks name resolution (availability), opens nothing",
    r":flip enableHttp2$": "protocol feature",
    r":flip routingHttpResponseServerEnabled$": "Server response header only",
    r"-app:(downgrade healthCheck\.protocol|flip healthCheck\.enabled)$": "health checks carry no user data",
    r"-(https|http-redirect):drop$": "removing a listener exposes less",
    r"waf:flip (rules\[\d+\]\.)?visibilityConfig\.": "WAF metrics and sampling, not filtering",
    r"monitoring-guardduty-(ebs-malware-protection|lambda-network-logs|runtime-monitoring|s3-data-events):":
        "GuardDuty features beyond the RDS Protection APP-4 requires",
    r"monitoring-securityhub:flip (autoEnableControls|enableDefaultStandards)$": "enables more, or fewer automatic "
                                                                                 "extras beyond FSBP+CIS",
    r"monitoring-trail:flip isOrganizationTrail$": "an organization trail records more",
    r"monitoring-config-delivery-channel:(remove|aws-managed key) s3KmsKeyArn$":
        "the delivery bucket's default SSE-KMS with the audit key still applies",
    r"-nacl:widen egress\[": "egress return paths; the data tier has no route out and ingress stays narrow",
    r"network-(app|data|public)-nacl:drop$": "the tier's subnets fall back on the adopted default network ACL, which "
                                             "has no rules and denies everything: an outage, not an exposure",
    r"(network-flow-logs-write|monitoring-trail-logs-write):Statement\[0\] Resource \*":
        "log-writing roles reaching other log groups: no data exposure",
    r"bank-data-key:Statement\[1\] Resource \* unconditional":
        "the statement names the bank-sync role as its only principal",
}
GAPS: dict[str, str] = {
    # Weakenings no control catches yet: accepted here, listed in the report, candidates for new controls.
}


@dataclass(frozen=True)
class Mutation:
    id: str
    change: Change


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, last key, value) for every leaf of a props tree."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else k) if isinstance(v, (dict, list)) else \
                iter([(f"{path}.{k}" if path else k, k, v)])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            key = path.rsplit(".", 1)[-1]
            yield from _leaves(v, f"{path}[{i}]") if isinstance(v, (dict, list)) else iter([(f"{path}[{i}]", key, v)])


def _is_cidr(value: Any) -> bool:
    try:
        return isinstance(value, str) and "/" in value and ipaddress.ip_network(value, strict=False).prefixlen > 0
    except ValueError:
        return False


def _is_deny_entry(resource: ResourceView, path: str) -> bool:
    """Widening a deny entry (the IP blocklist) blocks more, not less."""
    entry: Any = resource.props
    for step in re.findall(r"[^.\[\]]+", path)[:-1]:
        entry = entry[int(step)] if step.isdigit() else entry[step]
    return isinstance(entry, dict) and str(entry.get("action") or entry.get("ruleAction")).lower() == "deny"


def _widened_policies(document: str) -> Iterator[tuple[str, str]]:
    try:
        parsed = json.loads(document)
    except (TypeError, json.JSONDecodeError):
        return
    statements = parsed.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    for i, statement in enumerate(statements):
        if statement.get("Effect") == "Allow":
            if statement.get("Action") != "*":
                widened = [dict(s) for s in statements]
                widened[i]["Action"] = "*"
                yield f"Statement[{i}] Action *", json.dumps({**parsed, "Statement": widened})
            if statement.get("Resource") != "*" or statement.get("Condition"):
                widened = [dict(s) for s in statements]
                widened[i]["Resource"] = "*"
                widened[i].pop("Condition", None)
                yield f"Statement[{i}] Resource * unconditional", json.dumps({**parsed, "Statement": widened})
        elif statement.get("Effect") == "Deny":
            kept = [s for j, s in enumerate(statements) if j != i]
            yield f"Statement[{i}] Deny removed", json.dumps({**parsed, "Statement": kept})


IDENTITY_OUTPUTS = {"id", "arn", "keyId"}
"""Computed identities the offline runner records for references; not settings to weaken."""


def _pointing_at(target: ResourceView, key: str, props: dict[str, Any], first_preview: bool
                 ) -> tuple[dict[str, Any], dict[str, frozenset[str]] | None]:
    """Props whose ``key`` refers to ``target``: by its id once deployed; on a first preview the id is
    not known yet and the engine records where the value comes from instead."""
    if first_preview:
        return {**props, key: UNKNOWN}, {key: frozenset({target.urn})}
    return {**props, key: f"{target.name}-id"}, None


def _drop_in_preview(target: ResourceView, deployed: list[ResourceView]) -> Change:
    """Dropping a resource from the program on a first preview: whatever referred to it now names
    something outside the stack, a known literal (its deployed value) the engine records no source for."""
    by_name = {r.name: r for r in deployed if r.custom}

    def apply(resources: list[ResourceView]) -> list[ResourceView]:
        out = []
        for r in resources:
            if r.name == target.name and r.custom:
                continue
            pointing = {k for k, urns in (r.dependencies or {}).items() if target.urn in urns}
            if pointing and r.name in by_name:
                literal = {k: by_name[r.name].props.get(k) for k in pointing}
                dependencies = {k: v for k, v in (r.dependencies or {}).items() if k not in pointing}
                r = dataclasses.replace(r, props={**r.props, **literal}, dependencies=dependencies)
            out.append(r)
        return out

    return apply


def mutations(stack: list[ResourceView], first_preview: bool = False) -> list[Mutation]:
    """The same mutations for both views, generated from the deployed values (``stack``)."""
    out: list[Mutation] = []
    for r in (r for r in stack if r.custom):
        for path, key, value in _leaves(r.props):
            if path in IDENTITY_OUTPUTS:
                continue
            if isinstance(value, bool):
                out.append(Mutation(f"{r.name}:flip {path}", paths(r.name, {path: not value})))
            elif key in RETENTION_KEYS and isinstance(value, (int, float)):
                out.append(Mutation(f"{r.name}:weaken {path}", paths(r.name, {path: RETENTION_KEYS[key]})))
            elif key in CIDR_KEYS and r.type in CIDR_TYPES and _is_cidr(value) and not _is_deny_entry(r, path):
                anywhere = "::/0" if ":" in value else "0.0.0.0/0"
                out.append(Mutation(f"{r.name}:widen {path}", paths(r.name, {path: anywhere})))
            elif key in DOWNGRADES and DOWNGRADES[key][0] in (None, value) and isinstance(value, str):
                out.append(Mutation(f"{r.name}:downgrade {path}", paths(r.name, {path: DOWNGRADES[key][1]})))
            elif key == "status" and value == "Enabled":
                out.append(Mutation(f"{r.name}:suspend {path}", paths(r.name, {path: "Suspended"})))
            elif isinstance(value, str) and re.search(r":kms:[^:]*:\d+:key/", value):
                out.append(Mutation(f"{r.name}:aws-managed key {path}", paths(r.name, {path: "alias/aws/managed"})))
            elif key == "value" and value == "1" and "parameters" in path:
                out.append(Mutation(f"{r.name}:turn off {path}", paths(r.name, {path: "0"})))
            elif key == "policy" and isinstance(value, str):
                for what, widened in _widened_policies(value):
                    out.append(Mutation(f"{r.name}:{what} in {path}", paths(r.name, {path: widened})))
        for key in sorted(REMOVABLE & set(r.props)):
            out.append(Mutation(f"{r.name}:remove {key}", change(r.name, **{key: DELETE})))
        if "referencedSecurityGroupId" in r.props and r.type.endswith("IngressRule"):
            out.append(Mutation(f"{r.name}:internet instead of group", change(
                r.name, referencedSecurityGroupId=DELETE, cidrIpv4="0.0.0.0/0")))
        if r.type in PROTECTIVE_TYPES:
            out.append(Mutation(f"{r.name}:drop", _drop_in_preview(r, stack) if first_preview else drop(r.name)))
        additions = {
            "aws:ec2/securityGroup:SecurityGroup": (
                "add ssh", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "mut-ssh", "securityGroupId",
                {"ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrIpv4": "10.0.0.0/8"}),
            "aws:secretsmanager/secret:Secret": (
                "store value", "aws:secretsmanager/secretVersion:SecretVersion", "mut-value", "secretId",
                {"secretString": "tok_live"}),
            "aws:iam/role:Role": (
                "attach admin", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "mut-admin", "role",
                {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        }
        if r.type == "aws:ec2/routeTable:RouteTable" and r.props.get("tags", {}).get("tier") == "data":
            additions[r.type] = ("add internet route", "aws:ec2/route:Route", "mut-route", "routeTableId",
                                 {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "network-igw-id"})
        if r.type in additions:
            what, type_, prefix, key, props = additions[r.type]
            props, dependencies = _pointing_at(r, key, props, first_preview)
            out.append(Mutation(f"{r.name}:{what}", add(type_, f"{prefix}-{r.name}", props, dependencies=dependencies)))
    return out


def _killed(stack: list[ResourceView], mutation: Mutation) -> bool:
    return any(f.verdict in (Verdict.FAIL, Verdict.ERROR) and f.enforcement is Enforcement.MANDATORY
               for f in evaluate(mutation.change(stack)))


def _gap(mutation: Mutation) -> str | None:
    return next((reason for pattern, reason in GAPS.items() if re.search(pattern, mutation.id)), None)


def _neutral(mutation: Mutation) -> str | None:
    return next((reason for pattern, reason in {**NEUTRAL, **GAPS}.items() if re.search(pattern, mutation.id)), None)


@pytest.fixture(scope="module")
def outcome(prod_stack) -> dict[str, bool]:
    stack = list(prod_stack)
    return {m.id: _killed(stack, m) for m in mutations(stack)}


@pytest.fixture(scope="module")
def first_preview_outcome(prod_stack, prod_first_preview) -> dict[str, bool]:
    stack = list(prod_first_preview)
    return {m.id: _killed(stack, m) for m in mutations(list(prod_stack), first_preview=True)}


PREVIEW_ONLY_SURVIVORS: dict[str, str] = {
    # Weakenings the deployed view catches and a first preview cannot, each with the value AWS computes.
    r"data-bank-sync-policy:Statement\[1\] Resource \* unconditional":
        "bank sync reaching the session tables: their policies name the DynamoDB endpoint id (vpce-...)",
}


def test_the_first_preview_catches_what_the_deployed_view_catches(outcome, first_preview_outcome) -> None:
    missed = sorted(i for i, killed in outcome.items() if killed and not first_preview_outcome[i])
    print(f"\nfirst preview: killed {sum(first_preview_outcome.values())} of {len(first_preview_outcome)}; "
          f"deployed view: killed {sum(outcome.values())} of {len(outcome)}")
    unexplained = [i for i in missed if not any(re.search(p, i) for p in PREVIEW_ONLY_SURVIVORS)]
    assert unexplained == []


def test_every_weakening_is_caught(outcome, prod_stack) -> None:
    by_id = {m.id: m for m in mutations(list(prod_stack))}
    survivors = sorted(i for i, killed in outcome.items() if not killed)
    unexplained = [i for i in survivors if _neutral(by_id[i]) is None]
    gaps = [i for i in survivors if _gap(by_id[i])]
    killed = sum(outcome.values())
    print(f"\nmutations: {len(outcome)}, killed {killed} ({killed / len(outcome):.1%}); "
          f"weakenings killed {killed}/{killed + len(gaps)} ({killed / (killed + len(gaps)):.1%}); "
          f"neutral {len(survivors) - len(gaps)}")
    for survivor in gaps:
        print(f"  gap {survivor}: {_gap(by_id[survivor])}")
    assert unexplained == []


def test_neutral_mutations_are_the_only_survivors(outcome, prod_stack) -> None:
    """A mutation listed as neutral that a control now catches should leave the list."""
    by_id = {m.id: m for m in mutations(list(prod_stack))}
    assert [i for i, killed in outcome.items() if killed and _neutral(by_id[i])] == []


def test_enough_mutations_are_generated(outcome) -> None:
    assert len(outcome) >= 300
