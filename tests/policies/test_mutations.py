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

from posture.catalog import CONTROLS, CONTROLS_BY_ID
from posture.evaluate import evaluate
from posture.findings import Enforcement, Verdict
from posture.resources import UNKNOWN, ResourceView
from tests.policies.adversarial import ADVERSARIAL
from tests.policies.cases import CASES
from tests.policies.helpers import DELETE, Change, add, change, drop, paths, set_paths

RETENTION_KEYS = {"backupRetentionPeriod": 1.0, "minRetentionDays": 1.0, "deleteAfter": 1.0, "retentionInDays": 7.0,
                  "rotationPeriodInDays": 3650.0, "automaticallyAfterDays": 3650.0, "monitoringInterval": 0.0,
                  "deletionWindowInDays": 7.0}
CIDR_KEYS = {"cidrBlock", "cidrIpv4", "cidrIpv6", "cidrBlocks", "ipv6CidrBlocks", "cidr", "ipv6CidrBlock"}
CIDR_TYPES = {"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule",
              "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
              "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/networkAcl:NetworkAcl",
              "aws:ec2/networkAclRule:NetworkAclRule", "aws:ec2/managedPrefixList:ManagedPrefixList",
              "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"}
REMOVABLE = {"kmsKeyId", "kmsKeyArn", "kmsMasterKeyId", "encryptionKeyArn", "masterUserSecretKmsKeyId", "sslPolicy",
             "changeableForDays", "finalSnapshotIdentifier", "caCertIdentifier", "parameterGroupName",
             "dbClusterParameterGroupName", "vpcSecurityGroupIds", "accessLogs", "serverSideEncryption",
             "pointInTimeRecovery", "ttl", "routingHttpResponseStrictTransportSecurityHeaderValue",
             "desyncMitigationMode", "backupRetentionPeriod", "manageMasterUserPassword", "recordingGroup",
             "copyActions", "dbSubnetGroupName", "s3KmsKeyArn", "findingCriteria", "vpcOptions", "vpcConfig",
             "accessLogSettings", "loggingConfiguration", "sourceArn", "sourceAccount"}
DOWNGRADES: dict[str, tuple[str | None, str]] = {
    # key: (the value it weakens, or None for any; the weaker value)
    "sslPolicy": (None, "ELBSecurityPolicy-TLS13-1-0-2021-06"), "trafficType": ("ALL", "REJECT"),
    "desyncMitigationMode": ("strictest", "defensive"), "caCertIdentifier": (None, "rds-ca-2019"),
    "sseAlgorithm": ("aws:kms", "AES256"), "protocol": ("HTTPS", "HTTP"), "status": ("ENABLED", "DISABLED"),
    "runtime": (None, "python3.8"), "imageTagMutability": ("IMMUTABLE", "MUTABLE"), "authorizationType": (None, "NONE"),
    "viewerProtocolPolicy": (None, "allow-all"), "originProtocolPolicy": (None, "http-only"),
    "minimumProtocolVersion": (None, "TLSv1"), "encryptionType": ("KMS", "NONE"), "level": ("ALL", "OFF"),
}
UNSET_WEAKER = {
    # (type, key): the weaker value of a setting whose default, when unset, is the safe one
    ("aws:rds/cluster:Cluster", "autoMinorVersionUpgrade"): False,
    ("aws:rds/instance:Instance", "autoMinorVersionUpgrade"): False,
    ("aws:rds/snapshot:Snapshot", "sharedAccounts"): ["all"],
}
PINS = ("sourceArn", "sourceAccount", "principalOrgId")
PROTECTIVE_TYPES = {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ec2/flowLog:FlowLog", "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
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
    r"-(https|http|http-redirect):drop$": "removing a listener exposes less",
    r"fx-https:downgrade protocol$": "this listener only answers a fixed 404: over HTTP it carries no user data "
                                     "(prod's forwarding listener downgraded is killed)",
    r"(waf|web-acl):flip (rules\[\d+\]\.)?visibilityConfig\.": "WAF metrics and sampling, not filtering",
    r"monitoring-guardduty-(ebs-malware-protection|lambda-network-logs|runtime-monitoring|s3-data-events):":
        "GuardDuty features beyond the RDS Protection APP-4 requires",
    r"monitoring-securityhub:flip (autoEnableControls|enableDefaultStandards)$": "enables more, or fewer automatic "
                                                                                 "extras beyond FSBP+CIS",
    r"monitoring-trail:flip isOrganizationTrail$": "an organization trail records more",
    r"monitoring-config-delivery-channel:(remove|aws-managed key) s3KmsKeyArn$":
        "the delivery bucket's default SSE-KMS with the audit key still applies",
    r"-nacl:widen egress\[": "egress return paths; the data tier has no route out and ingress stays narrow",
    r"^network-(app|data|public)-nacl:(drop|detach subnetIds\[\d\])$":
        "the tier's subnets fall back on the adopted default network ACL, which has no rules and denies "
        "everything: an outage, not an exposure",
    r"(network-flow-logs-write|monitoring-trail-logs-write):Statement\[0\] Resource \*":
        "log-writing roles reaching other log groups: no data exposure",
    r"bank-data-key:Statement\[1\] Resource \* unconditional":
        "the statement names the bank-sync role as its only principal",
    r"monitoring-config-delivery:Statement\[0\] Resource \* unconditional": "reading bucket ACLs exposes no data",
    r":remove tag Name$": "a label; no control and no collector keys on it",
    r"database-params:remove parameters\[1\]$": "ssl_min_protocol_version defaults to TLSv1.2 on PostgreSQL 12+",
    r"database-params:remove parameters\[(6|7|8)\]$": "pgaudit.log_parameter, the log_statement=ddl floor and "
                                                        "slow-query logging: pgaudit.log still records every statement",
    r"network-data-nacl:deny ingress\[0\] after the allows$": "the data tier's allows name app-tier ranges the "
                                                               "blocklist does not overlap: order changes nothing",
    r"cloudfront-.*/app-cdn:flip enabled$": "a disabled distribution serves nothing",
    r"/app-(files|cache|stream|search):(aws-managed key|remove) (encryptAtRest\.)?kmsKeyId$|/app-queue:aws-managed key":
        "application resources must be encrypted; an AWS managed key is encryption (FSBP), a customer key is "
        "asked only of the baseline's own data stores",
    r"aws-rds-proxy-require-tls/fx-proxy:remove vpcSecurityGroupIds$": "the proxy falls back on the VPC's locked "
                                                                       "default security group: an outage",
}
GAPS: dict[str, str] = {
    # Weakenings no control catches yet: accepted here, listed in the report, candidates for new controls.
    r"monitoring-config-delivery:Statement\[1\] Resource \* unconditional":
        "the Config delivery role writing objects into any bucket: no control judges who can write, yet",
    r"^(allowlists-admin-ipv4|allowlists-intranet-ipv4):remove tag allowlist$":
        "allowlists are found by this tag; without it the prefix list is just a list",
    r"^(audit-key|backups-copy-key|backups-key|bank-data-key|data-bank-token|database-key|logs-key|"
       r"notifications-key|oauth-tokens-key|sessions-key):remove tag domain$":
        "the domain tag scopes keys and secrets (domain=bank-data: the bank-data controls); without it a key leaves "
        "that scope and no control requires the tag yet",
    r"^(data-bank-sync-sg):remove tag egress$":
        "the walled-off egress group is found by this tag; without it the egress check skips the group",
    r"^(data-oauth-tokens|data-sessions|data-transactions):remove tag store$":
        "the transactions store is found by this tag (or its name); without it the store-specific checks skip it",
    r"^(data-bank-sync-sg|data-oauth-tokens|data-sessions|data-transactions|database-sg|fx-alb-sg|intranet-alb|"
       r"intranet-app|network-app-nacl|network-app-rt-0|network-app-rt-1|network-app-rt-2|network-data-0|"
       r"network-data-1|network-data-2|network-data-nacl|network-data-rt|network-public-nacl|network-public-rt|"
       r"web-alb|web-app):remove tag tier$":
        "network, edge and reachability controls find a resource's tier by this tag; without it the resource "
        "leaves their scope and no control requires the tag yet",
    r"network-(app|public)-nacl:widen ports ingress\[\d\]$":
        "NACL port ranges sit behind the security groups; only all-traffic-from-internet is checked "
        "(FSBP EC2.21, admin ports at the NACL, is a candidate control)",
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


def _flipped_in_document(document: str) -> Iterator[tuple[str, str]]:
    """(inner path, the document with that boolean flipped) for every boolean inside a JSON document
    such as an ECS task's container definitions."""
    wrapped = {"document": json.loads(document)}
    for path, _, value in _leaves(wrapped):
        if isinstance(value, bool):
            yield path.removeprefix("document"), json.dumps(set_paths(wrapped, {path: not value})["document"])


def _is_json(value: str) -> bool:
    """A policy document that names a key is a document, not a key reference to swap."""
    try:
        return isinstance(json.loads(value), (dict, list))
    except json.JSONDecodeError:
        return False


DEFAULT_RULES = {
    # the rule added to a default group or ACL that must stay empty
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0,
                                                          "self": True},
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "ruleNo": 100.0,
                                                    "action": "allow", "cidrBlock": "10.0.0.0/8"},
}
NETWORK_ACLS = {"aws:ec2/networkAcl:NetworkAcl", "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"}
INGRESS_RULE_TYPES = {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                      "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:ec2/networkAclRule:NetworkAclRule"}


def _ingress_entries(r: ResourceView) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, entry) for every ingress rule a resource declares with a port range: the resource
    itself for a standalone rule ("" path), or each entry of an inline ``ingress`` list."""
    if r.type in INGRESS_RULE_TYPES and "fromPort" in r.props and r.props.get("type", "ingress") == "ingress" \
            and not r.props.get("egress"):
        yield "", r.props
    for i, entry in enumerate(r.props.get("ingress") or []):
        if isinstance(entry, dict) and "fromPort" in entry:
            yield f"ingress[{i}]", entry


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
            elif isinstance(value, str) and re.search(r":kms:[^:]*:\d+:key/", value) and not _is_json(value):
                out.append(Mutation(f"{r.name}:aws-managed key {path}", paths(r.name, {path: "alias/aws/managed"})))
            elif key == "value" and value == "1" and "parameters" in path:
                out.append(Mutation(f"{r.name}:turn off {path}", paths(r.name, {path: "0"})))
            elif key == "policy" and isinstance(value, str):
                for what, widened in _widened_policies(value):
                    out.append(Mutation(f"{r.name}:{what} in {path}", paths(r.name, {path: widened})))
            elif isinstance(value, str) and _is_json(value):
                for inner, flipped in _flipped_in_document(value):
                    out.append(Mutation(f"{r.name}:flip {inner} in {path}", paths(r.name, {path: flipped})))
        for path, rule in _ingress_entries(r):
            if (rule.get("fromPort"), rule.get("toPort")) != (0.0, 65535.0) and str(rule.get("protocol")) != "-1" \
                    and not _is_deny_entry(r, f"{path}.fromPort" if path else "fromPort"):
                out.append(Mutation(f"{r.name}:widen ports {path}".rstrip(), paths(r.name, {
                    f"{path}.fromPort" if path else "fromPort": 0.0, f"{path}.toPort" if path else "toPort": 65535.0})))
        for tag in sorted(r.props.get("tags") or {}):
            if not tag.startswith("pulumi:"):
                out.append(Mutation(f"{r.name}:remove tag {tag}", paths(r.name, {f"tags.{tag}": DELETE})))
        if r.type in DEFAULT_RULES:
            for direction in ("ingress", "egress"):
                out.append(Mutation(f"{r.name}:add {direction} rule", change(r.name, **{
                    direction: [DEFAULT_RULES[r.type]]})))
        for i, entry in enumerate(r.props.get("ingress") or []):
            if r.type in NETWORK_ACLS and isinstance(entry, dict) and str(entry.get("action")).lower() == "deny":
                out.append(Mutation(f"{r.name}:deny ingress[{i}] after the allows", paths(
                    r.name, {f"ingress[{i}].ruleNo": 32000.0})))
        for (type_, key), weaker in UNSET_WEAKER.items():
            if r.type == type_ and key not in r.props:
                out.append(Mutation(f"{r.name}:set unset {key}", change(r.name, **{key: weaker})))
        if r.type == "aws:lambda/permission:Permission" and r.props.get("principal") != "*":
            out.append(Mutation(f"{r.name}:grant to everyone", change(r.name, principal="*", **{
                pin: DELETE for pin in PINS if pin in r.props})))
        if r.type == "aws:ec2/networkAcl:NetworkAcl":
            for i, _ in enumerate(r.props.get("subnetIds") or []):
                out.append(Mutation(f"{r.name}:detach subnetIds[{i}]", paths(r.name, {f"subnetIds[{i}]": DELETE})))
        for i, _ in enumerate(r.props.get("parameters") or []):
            out.append(Mutation(f"{r.name}:remove parameters[{i}]", paths(r.name, {f"parameters[{i}]": DELETE})))
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


@dataclass(frozen=True)
class Outcome:
    killers: frozenset[str]
    """Mandatory controls that FAIL on the mutant: the only thing that counts as a kill."""
    crashes: frozenset[str]
    """Controls whose rule raised (ERROR): a defect of the rule or of the mutant, never a kill."""

    @property
    def killed(self) -> bool:
        return bool(self.killers)


def _failing(stack: list[ResourceView]) -> frozenset[str]:
    return frozenset(f.control_id for f in evaluate(stack)
                     if f.verdict is Verdict.FAIL and f.enforcement is Enforcement.MANDATORY)


def _outcome(stack: list[ResourceView], mutation: Mutation, already: frozenset[str] = frozenset()) -> Outcome:
    """``already``: what the unmutated subject fails, which the mutant cannot be credited with."""
    findings = evaluate(mutation.change(stack))
    return Outcome(
        killers=frozenset(f.control_id for f in findings
                          if f.verdict is Verdict.FAIL and f.enforcement is Enforcement.MANDATORY) - already,
        crashes=frozenset(f.control_id for f in findings if f.verdict is Verdict.ERROR))


def _gap(mutation_id: str) -> str | None:
    return next((reason for pattern, reason in GAPS.items() if re.search(pattern, mutation_id)), None)


def _neutral(mutation_id: str) -> str | None:
    return next((reason for pattern, reason in {**NEUTRAL, **GAPS}.items() if re.search(pattern, mutation_id)), None)


def _case_subjects(baseline: tuple[ResourceView, ...]) -> list[tuple[str, list[ResourceView], set[str]]]:
    """Stacks for the controls the baseline gives nothing to pass on (application resources no
    stack declares, a Multi-AZ DB cluster, an RDS proxy...): each such control's first ``pass_*``
    case that changes something. Mutated there: what the case added or changed, and the resources
    of the control's own types."""
    passing = {f.control_id for f in evaluate(list(baseline)) if f.verdict is Verdict.PASS}
    before = {r.urn: r for r in baseline}
    subjects, seen = [], set()
    for case in CASES + ADVERSARIAL:
        if case.kind != "pass" or case.control in passing or case.control in seen:
            continue
        stack = case.change(baseline)
        types = set(CONTROLS_BY_ID[case.control].resource_types)
        touched = {r.name for r in stack if r.custom and (before.get(r.urn) != r or r.type in types)}
        if any(before.get(r.urn) != r for r in stack):
            seen.add(case.control)
            subjects.append((case.control, stack, touched))
    return subjects


@pytest.fixture(scope="module")
def outcome(prod_stack, baseline, extras) -> dict[str, Outcome]:
    """Every mutant's outcome: prod's own resources on prod; the extras (an Aurora cluster, a public
    ALB with WAF, an allowlist) on the baseline, which holds them; application resources on the
    baseline as each control's first passing case leaves it (``_case_subjects``)."""
    stack = list(prod_stack)
    found = {m.id: _outcome(stack, m) for m in mutations(stack)}
    full = list(baseline)
    found.update({m.id: _outcome(full, m) for m in mutations(list(extras))})
    for control, subject, touched in _case_subjects(baseline):
        for m in mutations([r for r in subject if r.name in touched]):
            found[f"{control}/{m.id}"] = _outcome(subject, m)
    # Prod adopts the VPC's default network ACL and empties it; most VPCs keep AWS's allow-all one.
    # There, a subnet detached from its tier's ACL is open: credited only with what prod-as-is does not fail.
    aws_default = [r for r in stack if r.type != "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"]
    already = _failing(aws_default)
    for m in mutations([r for r in aws_default if r.type == "aws:ec2/networkAcl:NetworkAcl"]):
        if ":detach " in m.id:
            found[f"aws-default-acl/{m.id}"] = _outcome(aws_default, m, already)
    return found


@pytest.fixture(scope="module")
def first_preview_outcome(prod_stack, prod_first_preview) -> dict[str, Outcome]:
    stack = list(prod_first_preview)
    return {m.id: _outcome(stack, m) for m in mutations(list(prod_stack), first_preview=True)}


PREVIEW_ONLY_SURVIVORS: dict[str, str] = {
    # Weakenings the deployed view catches and a first preview cannot, each with the value AWS computes.
    r"data-bank-sync-policy:Statement\[1\] Resource \* unconditional":
        "bank sync reaching the session tables: their policies name the DynamoDB endpoint id (vpce-...)",
}


def test_the_first_preview_catches_what_the_deployed_view_catches(outcome, first_preview_outcome) -> None:
    missed = sorted(i for i, o in first_preview_outcome.items() if outcome[i].killed and not o.killed)
    killed = sum(o.killed for o in first_preview_outcome.values())
    print(f"\nfirst preview: killed {killed} of {len(first_preview_outcome)}")
    unexplained = [i for i in missed if not any(re.search(p, i) for p in PREVIEW_ONLY_SURVIVORS)]
    assert unexplained == []


def test_no_mutant_crashes_a_rule(outcome, first_preview_outcome) -> None:
    """A crash is a finding of its own: the rule cannot read a value it should judge (or the mutant
    is malformed). It never counts as a kill, so it must not happen at all."""
    crashes = {i: sorted(o.crashes) for i, o in {**outcome, **first_preview_outcome}.items() if o.crashes}
    assert crashes == {}


def test_every_weakening_is_caught(outcome) -> None:
    survivors = sorted(i for i, o in outcome.items() if not o.killed)
    unexplained = [i for i in survivors if _neutral(i) is None]
    gaps = [i for i in survivors if _gap(i)]
    killed = len(outcome) - len(survivors)
    print(f"\nmutations: {len(outcome)}, killed {killed} ({killed / len(outcome):.1%}); "
          f"weakenings killed {killed}/{killed + len(gaps)} ({killed / (killed + len(gaps)):.1%}); "
          f"neutral {len(survivors) - len(gaps)}")
    for survivor in gaps:
        print(f"  gap {survivor}: {_gap(survivor)}")
    assert unexplained == []


def test_every_control_kills_a_mutant(outcome) -> None:
    kills = {c.id: sum(c.id in o.killers for o in outcome.values()) for c in CONTROLS}
    print("\ncontrol -> mutants killed (a crash is not a kill)")
    for control_id, count in sorted(kills.items(), key=lambda item: (item[1], item[0])):
        print(f"  {count:4d}  {control_id}")
    assert [c for c, count in kills.items() if count == 0] == []


def test_neutral_mutations_are_the_only_survivors(outcome) -> None:
    """A mutation listed as neutral that a control now catches should leave the list."""
    assert [i for i, o in outcome.items() if o.killed and _neutral(i)] == []


def test_enough_mutations_are_generated(outcome) -> None:
    assert len(outcome) >= 300
