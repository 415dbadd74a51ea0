"""The Application Load Balancer in front of the app tier, and the WAF that guards it (APP-2, APP-3, ADM-1).

There is no plain-HTTP path to the application: port 80 answers only with a permanent redirect
to HTTPS, and a certificate is required in every environment, not only production. A staging
stack that "temporarily" serves HTTP trains people to accept it, and ACM certificates are free.

Every load balancer built here, internal ones included, carries the same web ACL: the blocklist
first, then AWS's managed rule groups, then a per-IP rate limit. An internal load balancer is
one where the security group admits only the allowlist prefix lists instead of the internet.

The load balancer is the only way into the app tier from outside: this component adds the app
security group's ingress rule admitting the load balancer's security group on the app port.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import arns
from components.buckets import SecureBucket, SecureBucketArgs
from components.validation import InvalidInput, require, require_account_and_region
from posture.facts import ALLOWED_TLS_POLICIES, MAX_RATE_LIMIT, MIN_RATE_LIMIT

DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HSTS_HEADER = "max-age=63072000; includeSubDomains; preload"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
"""Common exploits incl. XSS, known bad inputs (Log4j and friends), SQL injection, and sources
Amazon's threat intelligence has seen attacking: in this order, after the blocklist (priority 0)
and before the rate limit."""
REDACTED_HEADERS = ("authorization", "cookie")
"""Credentials and session ids never reach the WAF logs."""
ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
REMOTE_ADMIN_PORTS = (22, 3389)
MIN_LOG_RETENTION_DAYS = 365
_CERTIFICATE_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:acm:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):(?P<account>\d{12}):"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_COMPONENT_NAME = re.compile(r"^(?!internal-)[a-z][a-z0-9-]{0,19}$")
"""ALB and target-group names (the component name plus a suffix and Pulumi's random tail) must fit
AWS's 32 characters, and an ALB name may not start with ``internal-``."""
_INTERNET = (("ipv4", "cidr_ipv4", "0.0.0.0/0"), ("ipv6", "cidr_ipv6", "::/0"))
_LISTENER_PORTS = (("https", 443), ("http", 80))


@dataclass
class LoadBalancerArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    """Public-tier subnets for an internet-facing load balancer, at least two zones."""
    app_security_group_id: pulumi.Input[str]
    """The app tier's security group: the only destination, and it admits this load balancer."""
    certificate_arn: str | None
    """ACM certificate in ``region`` and ``account_id``; required in every environment."""
    blocklist_ip_set_arns: list[pulumi.Input[str]]
    """The blocklist's WAF IP sets (``Allowlists.blocklist_ip_set_arns``), blocked at priority 0."""
    waf_log_key_arn: pulumi.Input[str]
    """Customer-managed key for the WAF log group (the "logs" domain key)."""
    account_id: str
    region: str
    production: bool
    """Only sharpens the missing-certificate message: every environment gets the same protections."""
    internal: bool = False
    """Internal load balancers admit only ``allowed_prefix_list_ids``, never the internet."""
    allowed_prefix_list_ids: list[pulumi.Input[str]] = field(default_factory=list)
    app_port: int = 8443
    ssl_policy: str = DEFAULT_TLS_POLICY
    rate_limit: int = 2000
    """Requests per client IP per 5 minutes before the WAF blocks it."""
    target_type: str = "ip"
    health_check_path: str = "/health"
    idle_timeout_seconds: int = 60
    log_retention_days: int = MIN_LOG_RETENTION_DAYS
    """Days to keep access logs (S3) and WAF logs (CloudWatch)."""

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        self._check_certificate()
        require(self.ssl_policy in ALLOWED_TLS_POLICIES, "ssl_policy",
                f"{self.ssl_policy!r} is not an allowed TLS 1.2+ policy",
                f"use {DEFAULT_TLS_POLICY} or another of {', '.join(sorted(ALLOWED_TLS_POLICIES))}")
        require(len(self.subnet_ids) >= 2, "subnet_ids", f"{len(self.subnet_ids)} subnet(s) given",
                "give subnets in at least two availability zones")
        if self.internal:
            require(len(self.allowed_prefix_list_ids) > 0, "allowed_prefix_list_ids",
                    "an internal load balancer with no allowlist admits nobody",
                    "pass the prefix list ids of the allowlists that may reach it")
        else:
            require(not self.allowed_prefix_list_ids, "allowed_prefix_list_ids",
                    "an internet-facing load balancer admits everyone, so the allowlist would restrict nothing",
                    "set internal=True to admit only the allowlist")
        require(isinstance(self.app_port, int) and 1 <= self.app_port <= 65535
                and self.app_port not in REMOTE_ADMIN_PORTS, "app_port",
                f"{self.app_port!r} is not a usable application port",
                "use the port the app serves HTTPS on, e.g. 8443; 22 and 3389 are never opened (admin access is SSM)")
        require(MIN_RATE_LIMIT <= self.rate_limit <= MAX_RATE_LIMIT, "rate_limit",
                f"{self.rate_limit} requests per 5 minutes is outside {MIN_RATE_LIMIT}..{MAX_RATE_LIMIT}",
                "use e.g. 2000 per client IP")
        require(len(self.blocklist_ip_set_arns) > 0, "blocklist_ip_set_arns", "no blocklist IP sets given",
                "pass Allowlists.blocklist_ip_set_arns (the sets may be empty)")
        require(self.target_type in ("ip", "instance"), "target_type", f"{self.target_type!r} is not supported",
                "use 'ip' (containers) or 'instance'")
        require(self.health_check_path.startswith("/"), "health_check_path",
                f"{self.health_check_path!r} is not an absolute path", "write it like '/health'")
        require(1 <= self.idle_timeout_seconds <= 4000, "idle_timeout_seconds",
                f"{self.idle_timeout_seconds} is outside AWS's 1..4000 seconds", "use e.g. 60")
        require(self.log_retention_days >= MIN_LOG_RETENTION_DAYS, "log_retention_days",
                f"{self.log_retention_days} days is too short for an investigation",
                f"keep load balancer and WAF logs at least {MIN_LOG_RETENTION_DAYS} days")

    def _check_certificate(self) -> None:
        if not self.certificate_arn:
            problem = ("production serves the site over HTTPS only and needs a certificate" if self.production
                       else "no certificate given, and no environment has a plain-HTTP path")
            raise InvalidInput("certificate_arn", problem, "request an ACM certificate for the domain and pass its ARN")
        match = _CERTIFICATE_ARN.match(self.certificate_arn)
        require(match is not None, "certificate_arn", f"{self.certificate_arn!r} is not an ACM certificate ARN",
                "copy it from ACM: arn:aws:acm:<region>:<account>:certificate/<id>")
        require(match["region"] == self.region, "certificate_arn",
                f"the certificate is in {match['region']}, the load balancer in {self.region}",
                "request or import the certificate in the load balancer's region")
        require(match["account"] == self.account_id, "certificate_arn",
                f"the certificate belongs to account {match['account']}, not {self.account_id}",
                "use a certificate of the load balancer's account")


class LoadBalancer(pulumi.ComponentResource):
    """An HTTPS-only ALB with a WAF, access logs, and a security group that reaches the app tier alone."""

    arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str]
    listener_arns: dict[str, pulumi.Output[str]]
    target_group_arn: pulumi.Output[str]
    """The app registers its own targets here."""

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        require(bool(_COMPONENT_NAME.match(name)), "name", f"{name!r} cannot name a load balancer",
                "use up to 20 lowercase letters, digits and hyphens, not starting with 'internal-'")
        super().__init__("security-baseline:edge:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name, self._args, self._child = name, args, child
        tier = "internal" if args.internal else "public"

        sg = self._security_group()
        logs = SecureBucket(f"{name}-access-logs", SecureBucketArgs(
            kms_key_arn=None,
            sse_s3_reason="Elastic Load Balancing writes access logs only to SSE-S3 encrypted buckets",
            expire_after_days=args.log_retention_days, bucket_name=f"{name}-access-logs-{args.account_id}-{args.region}",
            grants=lambda arn: [_elb_log_delivery_grant(arn, args.account_id)],
        ), opts=child)
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=args.internal,
            subnets=args.subnet_ids,
            security_groups=[sg.id],
            ip_address_type="ipv4",
            drop_invalid_header_fields=True,
            desync_mitigation_mode="strictest",
            enable_deletion_protection=True,
            enable_http2=True,
            enable_waf_fail_open=False,
            idle_timeout=args.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.name, enabled=True),
            tags={"Name": name, "tier": tier},
            # ELB test-writes to the bucket when logging is enabled: the grant must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]),
        )
        target_group = aws.lb.TargetGroup(
            f"{name}-app",
            vpc_id=args.vpc_id,
            port=args.app_port,
            protocol="HTTPS",
            target_type=args.target_type,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, protocol="HTTPS", port="traffic-port", path=args.health_check_path,
                matcher="200-399", interval=15, timeout=5, healthy_threshold=3, unhealthy_threshold=3,
            ),
            tags={"Name": f"{name}-app", "tier": "app"},
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=args.ssl_policy,
            certificate_arn=args.certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
            routing_http_response_strict_transport_security_header_value=HSTS_HEADER,
            routing_http_response_x_content_type_options_header_value="nosniff",
            routing_http_response_server_enabled=False,
            opts=child,
        )
        http = aws.lb.Listener(
            f"{name}-http-redirect",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=aws.lb.ListenerDefaultActionRedirectArgs(port="443", protocol="HTTPS", status_code="HTTP_301"),
            )],
            opts=child,
        )
        web_acl = self._web_acl()
        aws.wafv2.WebAclAssociation(f"{name}-waf-association", resource_arn=alb.arn, web_acl_arn=web_acl.arn,
                                    opts=child)

        self.arn = alb.arn
        self.dns_name = alb.dns_name
        self.security_group_id = sg.id
        self.web_acl_arn = web_acl.arn
        self.listener_arns = {"https": https.arn, "http": http.arn}
        self.target_group_arn = target_group.arn
        self.register_outputs({"arn": self.arn, "dns_name": self.dns_name, "security_group_id": self.security_group_id,
                               "web_acl_arn": self.web_acl_arn, "listener_arns": self.listener_arns,
                               "target_group_arn": self.target_group_arn})

    def _security_group(self) -> aws.ec2.SecurityGroup:
        """Ingress on the listener ports only; egress to the app tier's security group only.

        The ``::/0`` rules are inert while the VPC is IPv4-only (``ip_address_type="ipv4"``); they
        exist so that turning on dual-stack does not silently leave IPv6 clients unserved.
        Every referenced prefix list counts its ``max_entries`` against the group's rule quota
        (60 by default) once per port: two 20-entry lists on 443 and 80 use 80 slots.
        """
        name, args, child = self._name, self._args, self._child
        sources = "the allowlist prefix lists" if args.internal else "the internet"
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id,
            description=f"Load balancer: HTTPS and redirecting HTTP from {sources}; to the app tier only",
            tags={"Name": f"{name}-alb"}, opts=child,
        )
        for listener, port in _LISTENER_PORTS:
            if args.internal:
                for i, prefix_list_id in enumerate(args.allowed_prefix_list_ids):
                    aws.vpc.SecurityGroupIngressRule(
                        f"{name}-{listener}-from-allowlist-{i}", security_group_id=sg.id, ip_protocol="tcp",
                        from_port=port, to_port=port, prefix_list_id=prefix_list_id,
                        description=f"{listener.upper()} from allowlist {i}", opts=child,
                    )
            else:
                for family, source_field, cidr in _INTERNET:
                    source: dict[str, Any] = {source_field: cidr}
                    aws.vpc.SecurityGroupIngressRule(
                        f"{name}-{listener}-from-internet-{family}", security_group_id=sg.id, ip_protocol="tcp",
                        from_port=port, to_port=port, description=f"{listener.upper()} from the internet ({family})",
                        opts=child, **source,
                    )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-app", security_group_id=sg.id, ip_protocol="tcp", from_port=args.app_port,
            to_port=args.app_port, referenced_security_group_id=args.app_security_group_id,
            description="Requests and health checks to the app tier", opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-app-from-alb", security_group_id=args.app_security_group_id, ip_protocol="tcp",
            from_port=args.app_port, to_port=args.app_port, referenced_security_group_id=sg.id,
            description=f"App tier from the {name} load balancer only", opts=child,
        )
        return sg

    def _web_acl(self) -> aws.wafv2.WebAcl:
        name, args, child = self._name, self._args, self._child
        rules = [_rule("block-listed-ips", 0, _blocklist_statement(args.blocklist_ip_set_arns), action="block")]
        rules += [
            _rule(group, priority, {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}})
            for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
        ]
        rules.append(_rule("rate-limit-per-ip", len(rules), {"rate_based_statement": {
            "limit": args.rate_limit, "aggregate_key_type": "IP", "evaluation_window_sec": 300,
        }}, action="block"))
        web_acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            scope="REGIONAL",
            description=f"{name}: blocklist, AWS managed rules, per-IP rate limit",
            default_action={"allow": {}},
            visibility_config=_visibility(f"{name}-waf"),
            rules=rules,
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-waf-logs", name=f"aws-waf-logs-{name}", kms_key_id=args.waf_log_key_arn,
            retention_in_days=args.log_retention_days, opts=child,
        )
        # Written here rather than left to WAF's automatic policy, which admits every aws-waf-logs-* group.
        delivery_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-waf-log-delivery",
            policy_name=f"{name}-waf-log-delivery",
            policy_document=_waf_log_delivery_policy(arns.log_group(args.region, args.account_id, f"aws-waf-logs-{name}"),
                                                     args.account_id, args.region),
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logging",
            resource_arn=web_acl.arn,
            log_destination_configs=[log_group.arn],
            redacted_fields=[{"single_header": {"name": header}} for header in REDACTED_HEADERS],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[delivery_policy]),
        )
        return web_acl


def _visibility(metric_name: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True, "metric_name": metric_name}


def _rule(name: str, priority: int, statement: dict[str, Any], action: str | None = None) -> dict[str, Any]:
    """A web ACL rule: own rules carry an ``action``; managed rule groups keep theirs (override none)."""
    rule: dict[str, Any] = {"name": name, "priority": priority, "statement": statement,
                            "visibility_config": _visibility(name)}
    if action is None:
        rule["override_action"] = {"none": {}}
    else:
        rule["action"] = {action: {}}
    return rule


def _blocklist_statement(ip_set_arns: list[pulumi.Input[str]]) -> dict[str, Any]:
    references = [{"ip_set_reference_statement": {"arn": arn}} for arn in ip_set_arns]
    return references[0] if len(references) == 1 else {"or_statement": {"statements": references}}


def _elb_log_delivery_grant(bucket_arn: str, account_id: str) -> dict[str, Any]:
    """Log delivery writes for this account's load balancers only: without ``aws:SourceAccount``
    any customer's load balancer could be pointed at this bucket (confused deputy). The load
    balancer's own ARN (``aws:SourceArn``) is not known until after the bucket exists."""
    return {
        "Sid": "ElbLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": ELB_LOG_DELIVERY},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def _waf_log_delivery_policy(log_group_arn: str, account_id: str, region: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "WafLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{log_group_arn}:*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
        },
    }]})
