"""Elastic Load Balancing v2: load balancers with their attributes, listeners with theirs and their
rules, target groups, and what each target group sends to (``DescribeTargetHealth``, one
``targetGroupAttachment`` per registered target: a network load balancer passing to an application
load balancer names it by ARN).

Attributes are key/value strings in the API (``routing.http.drop_invalid_header_fields.enabled``)
and typed inputs in Pulumi (``dropInvalidHeaderFields``); the table below maps the ones the
load balancer takes as inputs. Listener attributes map by name
(``routing.http.response.strict_transport_security.header_value`` ->
``routingHttpResponseStrictTransportSecurityHeaderValue``), as the provider does.
"""

from __future__ import annotations

import re
from typing import Any

from posture.live.base import (
    UNREADABLE,
    BatchedTagCall,
    Context,
    as_bool_attr,
    batched_tags,
    display_name,
    sub_urn,
    wire,
)
from posture.resources import ResourceView
from posture.rules import tokens as tok

LOAD_BALANCER, LISTENER, TARGET_GROUP = tok.LOAD_BALANCERS[0], tok.LISTENERS[0], tok.TARGET_GROUPS[0]
LISTENER_RULE = tok.LISTENER_RULES[0]
TARGET_GROUP_ATTACHMENT = tok.TARGET_GROUP_ATTACHMENTS[0]
TYPES = (LOAD_BALANCER, LISTENER, LISTENER_RULE, TARGET_GROUP, TARGET_GROUP_ATTACHMENT)
_BOOL_ATTRIBUTES = {
    "routing.http.drop_invalid_header_fields.enabled": "dropInvalidHeaderFields",
    "deletion_protection.enabled": "enableDeletionProtection",
    "routing.http2.enabled": "enableHttp2",
    "waf.fail_open.enabled": "enableWafFailOpen",
    "load_balancing.cross_zone.enabled": "enableCrossZoneLoadBalancing",
    "routing.http.preserve_host_header.enabled": "preserveHostHeader",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "enableTlsVersionAndCipherSuiteHeaders",
    "routing.http.xff_client_port.enabled": "enableXffClientPort",
}
_TEXT_ATTRIBUTES = {
    "routing.http.desync_mitigation_mode": "desyncMitigationMode",
    "idle_timeout.timeout_seconds": "idleTimeout",
    "routing.http.xff_header_processing.mode": "xffHeaderProcessingMode",
    "client_keep_alive.seconds": "clientKeepAlive",
}
_ACTION_CONFIGS = {"RedirectConfig": "redirect", "FixedResponseConfig": "fixedResponse", "ForwardConfig": "forward",
                   "AuthenticateOidcConfig": "authenticateOidc", "AuthenticateCognitoConfig": "authenticateCognito"}
_DESCRIBE_TAGS = BatchedTagCall("elbv2", "describe_tags", "ResourceArns", "TagDescriptions", "ResourceArn", "Tags",
                                gone=("LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound", "RuleNotFound"))


def collect(ctx: Context) -> list[ResourceView]:
    balancers = ctx.items("elbv2", "describe_load_balancers", "LoadBalancers", types=TYPES)
    listeners = {lb["LoadBalancerArn"]: ctx.items("elbv2", "describe_listeners", "Listeners", types=(LISTENER,),
                                                  LoadBalancerArn=lb["LoadBalancerArn"]) for lb in balancers}
    rules = {listener["ListenerArn"]: _rules(ctx, listener) for found in listeners.values() for listener in found}
    groups = ctx.items("elbv2", "describe_target_groups", "TargetGroups", types=(TARGET_GROUP,))
    tags = batched_tags(ctx, _DESCRIBE_TAGS, [*(lb["LoadBalancerArn"] for lb in balancers), *rules,  # rules: by listener ARN
                       *(rule["RuleArn"] for found in rules.values() for rule in found),
                       *(group["TargetGroupArn"] for group in groups)])
    views: list[ResourceView] = []
    for lb in balancers:
        views.append(_load_balancer(ctx, lb, tags))
        for listener in listeners[lb["LoadBalancerArn"]]:
            view = _listener(ctx, listener, lb, tags)
            views.append(view)
            views += [_rule(ctx, rule, listener, view.name, tags) for rule in rules[listener["ListenerArn"]]]
    for group in groups:
        arn = group["TargetGroupArn"]
        views.append(ctx.view(TARGET_GROUP, arn, group.get("TargetGroupName") or arn, {
            "id": arn, "arn": arn, "name": group.get("TargetGroupName"), "protocol": group.get("Protocol"),
            "port": group.get("Port"), "targetType": group.get("TargetType"), "vpcId": group.get("VpcId"),
            "protocolVersion": group.get("ProtocolVersion"),
            "loadBalancerArns": group.get("LoadBalancerArns") or [], "tags": tags[arn],
        }))
        views += _attachments(ctx, group)
    return views


def _rules(ctx: Context, listener: dict[str, Any]) -> list[dict[str, Any]]:
    """The listener's rules but its default one (that is the listener's ``defaultActions``)."""
    return [rule for rule in ctx.items("elbv2", "describe_rules", "Rules", types=(LISTENER_RULE,),
                                       ListenerArn=listener["ListenerArn"]) if not rule.get("IsDefault")]


def _rule(ctx: Context, rule: dict[str, Any], listener: dict[str, Any], listener_name: str,
          tags: dict[str, Any]) -> ResourceView:
    arn = rule["RuleArn"]
    return ctx.view(LISTENER_RULE, arn, f"{listener_name} rule {rule.get('Priority')}", {
        "id": arn, "arn": arn, "listenerArn": listener["ListenerArn"], "priority": int(rule["Priority"]),
        "actions": [_action(a) for a in rule.get("Actions") or []],
        "conditions": wire(rule.get("Conditions") or []), "tags": tags[arn],
    })


def _attachments(ctx: Context, group: dict[str, Any]) -> list[ResourceView]:
    arn = group["TargetGroupArn"]
    response = ctx.call("elbv2", "describe_target_health", types=(TARGET_GROUP_ATTACHMENT,), resource=arn,
                        TargetGroupArn=arn)
    return [ctx.view(TARGET_GROUP_ATTACHMENT, sub_urn(arn, "target", str(target["Target"]["Id"])),
                     f"{group.get('TargetGroupName')} -> {target['Target']['Id']}", {
                         "targetGroupArn": arn, "targetId": target["Target"]["Id"],
                         "port": target["Target"].get("Port"),
                         "availabilityZone": target["Target"].get("AvailabilityZone")})
            for target in (response or {}).get("TargetHealthDescriptions") or []]


def _load_balancer(ctx: Context, lb: dict[str, Any], tags: dict[str, Any]) -> ResourceView:
    arn = lb["LoadBalancerArn"]
    lb_tags = tags[arn]
    props: dict[str, Any] = {
        "id": arn, "arn": arn, "name": lb.get("LoadBalancerName"), "internal": lb.get("Scheme") == "internal",
        "loadBalancerType": lb.get("Type"), "securityGroups": lb.get("SecurityGroups") or [],
        "subnets": [zone["SubnetId"] for zone in lb.get("AvailabilityZones") or [] if zone.get("SubnetId")],
        "ipAddressType": lb.get("IpAddressType"), "dnsName": lb.get("DNSName"), "vpcId": lb.get("VpcId"),
        "tags": lb_tags,
    }
    response = ctx.call("elbv2", "describe_load_balancer_attributes", types=(LOAD_BALANCER,), resource=arn,
                        LoadBalancerArn=arn)
    if response:
        attributes = {a["Key"]: a.get("Value") for a in response.get("Attributes") or []}
        props.update({key: as_bool_attr(attributes.get(name)) for name, key in _BOOL_ATTRIBUTES.items()})
        props.update({key: attributes.get(name) or None for name, key in _TEXT_ATTRIBUTES.items()})
        props["accessLogs"] = {"bucket": attributes.get("access_logs.s3.bucket") or None,
                               "prefix": attributes.get("access_logs.s3.prefix") or None,
                               "enabled": bool(as_bool_attr(attributes.get("access_logs.s3.enabled")))}
    else:
        props.update(dict.fromkeys([*_BOOL_ATTRIBUTES.values(), *_TEXT_ATTRIBUTES.values(), "accessLogs"],
                                   UNREADABLE))
    name = display_name(lb_tags if isinstance(lb_tags, dict) else {}, lb.get("LoadBalancerName"), arn)
    return ctx.view(LOAD_BALANCER, arn, name, props)


def _action(action: dict[str, Any]) -> dict[str, Any]:
    converted = wire({_ACTION_CONFIGS.get(k, k): v for k, v in action.items()})
    converted["type"] = str(action.get("Type", "")).lower()
    return converted


def _attribute_key(name: str) -> str:
    """``routing.http.response.server.enabled`` -> ``routingHttpResponseServerEnabled``."""
    words = [w for w in re.split(r"[._]", name) if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _listener(ctx: Context, listener: dict[str, Any], lb: dict[str, Any], tags: dict[str, Any]) -> ResourceView:
    arn = listener["ListenerArn"]
    protocol = listener.get("Protocol")
    props: dict[str, Any] = {
        "id": arn, "arn": arn, "loadBalancerArn": listener.get("LoadBalancerArn"), "port": listener.get("Port"),
        "protocol": protocol, "sslPolicy": listener.get("SslPolicy") if protocol in ("HTTPS", "TLS") else None,
        "certificateArn": next((c.get("CertificateArn") for c in listener.get("Certificates") or []), None),
        "alpnPolicy": next(iter(listener.get("AlpnPolicy") or []), None),
        "defaultActions": [_action(a) for a in listener.get("DefaultActions") or []], "tags": tags[arn],
    }
    response = ctx.call("elbv2", "describe_listener_attributes", types=(LISTENER,), resource=arn, ListenerArn=arn)
    if response:
        for attribute in response.get("Attributes") or []:
            props[_attribute_key(attribute["Key"])] = attribute.get("Value") or None
    elif protocol == "HTTPS":
        props["routingHttpResponseStrictTransportSecurityHeaderValue"] = UNREADABLE
    name = f"{lb.get('LoadBalancerName')}:{protocol}:{listener.get('Port')}"
    return ctx.view(LISTENER, arn, name, props)
