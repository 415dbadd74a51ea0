"""LoadBalancer: HTTPS-only ALB, WAF on every load balancer, SGs that reach only the app tier (APP-2, APP-3, ADM-1)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.load_balancer import (
    ALLOWED_TLS_POLICIES,
    DEFAULT_TLS_POLICY,
    HSTS_HEADER,
    LoadBalancer,
    LoadBalancerArgs,
)
from components.validation import InvalidInput
from tests.conftest import ACCOUNT, REGION, Registered, run_under_mocks

ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"

CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/12345678-90ab-cdef-1234-567890abcdef"
IP_SETS = [f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/ipset/blocklist-{v}/id-{v}" for v in ("ipv4", "ipv6")]
LOG_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/logs"
APP_SG = "sg-app"
APP_PORT = 8443
PREFIX_LISTS = ["pl-intranet", "pl-admin"]
EXPECTED_RULES = [
    "block-listed-ips",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "rate-limit-per-ip",
]


def _args(**changes: Any) -> LoadBalancerArgs:
    values: dict[str, Any] = {
        "vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"], "app_security_group_id": APP_SG,
        "certificate_arn": CERTIFICATE, "blocklist_ip_set_arns": IP_SETS, "waf_log_key_arn": LOG_KEY,
        "account_id": ACCOUNT, "region": REGION, "production": True, "app_port": APP_PORT,
    }
    values.update(changes)
    return LoadBalancerArgs(**values)


def _build(name: str, args: LoadBalancerArgs) -> tuple[Registered, dict[str, Any]]:
    outputs: dict[str, Any] = {}

    def program() -> None:
        lb = LoadBalancer(name, args)
        pulumi.Output.all(arn=lb.arn, security_group_id=lb.security_group_id, web_acl_arn=lb.web_acl_arn,
                          https=lb.listener_arns["https"], http=lb.listener_arns["http"],
                          target_group_arn=lb.target_group_arn).apply(outputs.update)

    return run_under_mocks(program), outputs


@pytest.fixture(scope="module")
def public() -> Registered:
    return _build("edge", _args())[0]


@pytest.fixture(scope="module")
def internal() -> Registered:
    return _build("intra", _args(internal=True, allowed_prefix_list_ids=PREFIX_LISTS))[0]


# --- APP-2: TLS everywhere ---------------------------------------------------------------------

def test_https_listener_uses_the_allowed_tls_policy_and_the_certificate(public):
    https = public.one(LISTENER, "edge-https").props
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["sslPolicy"] == DEFAULT_TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificateArn"] == CERTIFICATE


def test_https_listener_sends_hsts(public):
    https = public.one(LISTENER, "edge-https").props
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"] == HSTS_HEADER
    assert HSTS_HEADER == "max-age=63072000; includeSubDomains; preload"
    assert https["routingHttpResponseXContentTypeOptionsHeaderValue"] == "nosniff"
    assert https["routingHttpResponseServerEnabled"] is False


def test_https_listener_forwards_to_an_https_target_group_on_the_app_port(public):
    https = public.one(LISTENER, "edge-https").props
    assert [a["type"] for a in https["defaultActions"]] == ["forward"]
    assert https["defaultActions"][0]["targetGroupArn"].endswith("targetgroup/edge-app")
    group = public.one(TARGET_GROUP, "edge-app").props
    assert (group["protocol"], group["port"], group["vpcId"]) == ("HTTPS", APP_PORT, "vpc-1")
    assert group["healthCheck"]["enabled"] is True
    assert group["healthCheck"]["protocol"] == "HTTPS"
    assert group["healthCheck"]["path"] == "/health"


def test_port_80_only_redirects_to_https(public):
    listeners = public.of_type(LISTENER)
    assert sorted(int(listener.props["port"]) for listener in listeners) == [80, 443]
    http = public.one(LISTENER, "edge-http-redirect").props
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["defaultActions"] == [{"type": "redirect",
                                       "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]


def test_no_listener_serves_plain_http(public, internal):
    for registered in (public, internal):
        assert {listener.props["protocol"] for listener in registered.of_type(LISTENER)} == {"HTTPS", "HTTP"}
        for listener in registered.of_type(LISTENER):
            if listener.props["protocol"] != "HTTPS":
                assert [a["type"] for a in listener.props["defaultActions"]] == ["redirect"]


def test_alb_attributes_are_hardened(public):
    alb = public.one(ALB, "edge-alb").props
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert alb["subnets"] == ["subnet-a", "subnet-b"]
    assert alb["securityGroups"] == ["edge-sg-id"]
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] == "strictest"
    assert alb["enableDeletionProtection"] is True
    assert alb["enableHttp2"] is True
    assert alb["enableWafFailOpen"] is False
    assert alb["idleTimeout"] == 60


def test_access_logs_go_to_an_sse_s3_bucket_that_elb_may_write(public):
    alb = public.one(ALB, "edge-alb").props
    assert alb["accessLogs"] == {"enabled": True, "bucket": f"edge-access-logs-{ACCOUNT}-{REGION}"}
    encryption = public.one(BUCKET_ENCRYPTION, "edge-access-logs-encryption").props
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    statements = json.loads(public.one(BUCKET_POLICY, "edge-access-logs-policy").props["policy"])["Statement"]
    grant = next(s for s in statements if s.get("Sid") == "ElbLogDelivery")
    assert grant["Effect"] == "Allow"
    assert grant["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert grant["Action"] == "s3:PutObject"
    assert grant["Resource"] == f"arn:aws:s3:::edge-access-logs-{ACCOUNT}-{REGION}/AWSLogs/{ACCOUNT}/*"
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}, "confused deputy"
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)
    lifecycle = public.one(BUCKET_LIFECYCLE, "edge-access-logs-lifecycle").props
    assert lifecycle["rules"][0]["expiration"] == {"days": 365}


# --- ADM-1 / DB-2: who may reach what ---------------------------------------------------------

def _port_range(rule: dict[str, Any]) -> range:
    return range(int(rule["fromPort"]), int(rule["toPort"]) + 1)


def _source(rule: dict[str, Any]) -> str | None:
    for key in ("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"):
        if key in rule:
            return rule[key]
    return None


def test_public_alb_admits_only_80_and_443_from_the_internet(public):
    rules = [r.props for r in public.of_type(INGRESS) if r.props["securityGroupId"] == "edge-sg-id"]
    assert sorted((int(r["fromPort"]), int(r["toPort"]), _source(r)) for r in rules) == [
        (80, 80, "0.0.0.0/0"), (80, 80, "::/0"), (443, 443, "0.0.0.0/0"), (443, 443, "::/0"),
    ]
    assert all(r["ipProtocol"] == "tcp" and r["description"] for r in rules)


def test_internal_alb_admits_only_the_allowlist_prefix_lists(internal):
    alb = internal.one(ALB, "intra-alb").props
    assert alb["internal"] is True
    rules = [r.props for r in internal.of_type(INGRESS) if r.props["securityGroupId"] == "intra-sg-id"]
    assert sorted((int(r["fromPort"]), _source(r)) for r in rules) == [
        (80, "pl-admin"), (80, "pl-intranet"), (443, "pl-admin"), (443, "pl-intranet"),
    ]
    assert not any("cidrIpv4" in r or "cidrIpv6" in r for r in rules)


def test_alb_egress_reaches_only_the_app_tier_on_the_app_port(public, internal):
    for registered, sg in ((public, "edge-sg-id"), (internal, "intra-sg-id")):
        egress = [r.props for r in registered.of_type(EGRESS)]
        assert [(r["securityGroupId"], _source(r), int(r["fromPort"]), int(r["toPort"]), r["ipProtocol"])
                for r in egress] == [(sg, APP_SG, APP_PORT, APP_PORT, "tcp")]


def test_app_tier_admits_the_alb_security_group_on_the_app_port(public):
    rules = [r.props for r in public.of_type(INGRESS) if r.props["securityGroupId"] == APP_SG]
    assert [(_source(r), int(r["fromPort"]), int(r["toPort"])) for r in rules] == [("edge-sg-id", APP_PORT, APP_PORT)]


def test_no_rule_opens_ssh_or_rdp(public, internal):
    for registered in (public, internal):
        assert registered.of_type(INGRESS) and registered.of_type(EGRESS)
        for rule in registered.of_type(INGRESS) + registered.of_type(EGRESS):
            ports = _port_range(rule.props)
            assert 22 not in ports and 3389 not in ports, rule.name
            assert rule.props["ipProtocol"] != "-1", rule.name


def test_internet_sources_only_on_the_public_listener_ports(public, internal):
    assert any(_source(r.props) in ("0.0.0.0/0", "::/0") for r in public.of_type(INGRESS)), "the public ALB admits the internet"
    for registered in (public, internal):
        for rule in registered.of_type(INGRESS) + registered.of_type(EGRESS):
            if _source(rule.props) in ("0.0.0.0/0", "::/0"):
                assert rule.type == INGRESS and registered is public, rule.name
                assert _port_range(rule.props) in (range(80, 81), range(443, 444)), rule.name


# --- APP-3: the WAF ---------------------------------------------------------------------------

def test_web_acl_rules_in_order(public):
    acl = public.one(WEB_ACL, "edge-waf").props
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    rules = sorted(acl["rules"], key=lambda r: r["priority"])
    assert [r["name"] for r in rules] == EXPECTED_RULES
    assert [int(r["priority"]) for r in rules] == list(range(len(EXPECTED_RULES)))


def test_blocklist_rule_blocks_both_ip_sets_first(public):
    first = min(public.one(WEB_ACL, "edge-waf").props["rules"], key=lambda r: r["priority"])
    assert first["action"] == {"block": {}}
    assert first["statement"] == {"orStatement": {"statements": [
        {"ipSetReferenceStatement": {"arn": arn}} for arn in IP_SETS]}}


def test_managed_rule_groups_keep_their_block_actions(public):
    rules = public.one(WEB_ACL, "edge-waf").props["rules"]
    managed = [r for r in rules if "managedRuleGroupStatement" in r["statement"]]
    assert [r["statement"]["managedRuleGroupStatement"] for r in managed] == [
        {"vendorName": "AWS", "name": name} for name in EXPECTED_RULES[1:-1]]
    assert all(r["overrideAction"] == {"none": {}} and "action" not in r for r in managed)


def test_rate_limit_blocks_per_ip(public):
    rule = next(r for r in public.one(WEB_ACL, "edge-waf").props["rules"] if r["name"] == "rate-limit-per-ip")
    assert rule["action"] == {"block": {}}
    assert rule["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP",
                                                       "evaluationWindowSec": 300}


def test_metrics_on_every_rule_and_the_acl(public):
    acl = public.one(WEB_ACL, "edge-waf").props
    for config in [acl["visibilityConfig"], *(r["visibilityConfig"] for r in acl["rules"])]:
        assert config["cloudwatchMetricsEnabled"] is True
        assert config["sampledRequestsEnabled"] is True
        assert config["metricName"]


def test_every_load_balancer_is_associated_with_its_web_acl(public, internal):
    for registered, name in ((public, "edge"), (internal, "intra")):
        association = registered.one(WAF_ASSOCIATION).props
        assert association["resourceArn"].endswith(f"loadbalancer/{name}-alb")
        assert association["webAclArn"].endswith(f"webacl/{name}-waf")


def test_waf_logs_to_an_encrypted_log_group_with_credentials_redacted(public):
    group = public.one(LOG_GROUP, "edge-waf-logs").props
    assert group["name"].startswith("aws-waf-logs-")
    assert group["kmsKeyId"] == LOG_KEY
    assert group["retentionInDays"] == 365
    logging = public.one(WAF_LOGGING).props
    assert logging["resourceArn"].endswith("webacl/edge-waf")
    assert [arn.rsplit("/", 1)[-1] for arn in logging["logDestinationConfigs"]] == ["edge-waf-logs"]
    assert logging["redactedFields"] == [{"singleHeader": {"name": "authorization"}},
                                         {"singleHeader": {"name": "cookie"}}]


def test_waf_log_delivery_policy_is_scoped_to_the_log_group_and_account(public):
    policy = json.loads(public.one(LOG_RESOURCE_POLICY).props["policyDocument"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statement["Resource"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-waf-logs-edge:*"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_a_single_ip_set_is_referenced_without_an_or_statement():
    registered, _ = _build("edge", _args(blocklist_ip_set_arns=IP_SETS[:1]))
    first = min(registered.one(WEB_ACL).props["rules"], key=lambda r: r["priority"])
    assert first["statement"] == {"ipSetReferenceStatement": {"arn": IP_SETS[0]}}


def test_outputs():
    _, outputs = _build("edge", _args())
    assert outputs["arn"].endswith("loadbalancer/edge-alb")
    assert outputs["security_group_id"] == "edge-sg-id"
    assert outputs["web_acl_arn"].endswith("webacl/edge-waf")
    assert outputs["https"].endswith("listener/edge-https")
    assert outputs["http"].endswith("listener/edge-http-redirect")
    assert outputs["target_group_arn"].endswith("targetgroup/edge-app")


# --- validation -------------------------------------------------------------------------------

def test_allowed_tls_policies_never_admit_tls_1_0_or_1_1():
    assert DEFAULT_TLS_POLICY in ALLOWED_TLS_POLICIES
    assert not any("-1-0-" in p or "-1-1-" in p or "2016" in p for p in ALLOWED_TLS_POLICIES)


INVALID = {
    "certificate not an ARN": ({"certificate_arn": "my-cert"}, "certificate_arn"),
    "IAM server certificate": ({"certificate_arn": f"arn:aws:iam::{ACCOUNT}:server-certificate/site"},
                               "certificate_arn"),
    "certificate in another region": ({"certificate_arn": CERTIFICATE.replace(REGION, "us-east-1")},
                                      "certificate_arn"),
    "certificate of another account": ({"certificate_arn": CERTIFICATE.replace(ACCOUNT, "444455556666")},
                                       "certificate_arn"),
    "production without certificate": ({"certificate_arn": None}, "certificate_arn"),
    "staging without certificate": ({"certificate_arn": None, "production": False}, "certificate_arn"),
    "empty certificate": ({"certificate_arn": ""}, "certificate_arn"),
    "TLS13 policy allowing TLS 1.0": ({"ssl_policy": "ELBSecurityPolicy-TLS13-1-0-2021-06"}, "ssl_policy"),
    "TLS13 policy allowing TLS 1.1": ({"ssl_policy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}, "ssl_policy"),
    "AWS's API default policy": ({"ssl_policy": "ELBSecurityPolicy-2016-08"}, "ssl_policy"),
    "legacy-cipher policy": ({"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06"}, "ssl_policy"),
    "app port 0": ({"app_port": 0}, "app_port"),
    "app port too high": ({"app_port": 70000}, "app_port"),
    "app port SSH": ({"app_port": 22}, "app_port"),
    "app port RDP": ({"app_port": 3389}, "app_port"),
    "rate limit too low": ({"rate_limit": 99}, "rate_limit"),
    "internal without allowlist": ({"internal": True}, "allowed_prefix_list_ids"),
    "public with allowlist": ({"allowed_prefix_list_ids": PREFIX_LISTS}, "allowed_prefix_list_ids"),
    "one subnet": ({"subnet_ids": ["subnet-a"]}, "subnet_ids"),
    "no blocklist": ({"blocklist_ip_set_arns": []}, "blocklist_ip_set_arns"),
    "bad account": ({"account_id": "1234"}, "account_id"),
    "bad region": ({"region": "Ireland"}, "region"),
    "bad target type": ({"target_type": "lambda"}, "target_type"),
    "relative health check": ({"health_check_path": "health"}, "health_check_path"),
    "idle timeout zero": ({"idle_timeout_seconds": 0}, "idle_timeout_seconds"),
    "short log retention": ({"log_retention_days": 30}, "log_retention_days"),
}


@pytest.mark.parametrize(("changes", "field"), INVALID.values(), ids=INVALID.keys())
def test_invalid_input_names_the_field(changes: dict[str, Any], field: str):
    with pytest.raises(InvalidInput) as error:
        _args(**changes)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


@pytest.mark.parametrize("name", ["internal-edge", "Edge", "a-name-that-is-far-too-long"])
def test_component_name_must_fit_aws_load_balancer_names(name: str):
    with pytest.raises(InvalidInput) as error:
        LoadBalancer(name, _args())
    assert error.value.field == "name"


def test_every_allowed_tls_policy_is_accepted():
    for policy in ALLOWED_TLS_POLICIES:
        assert _args(ssl_policy=policy).ssl_policy == policy
