"""Attempts to weaken reachability (DB-2, ADM-1) and the edge path (APP-2, APP-3), and the sound
alternatives that must keep passing, each a single change to the compliant baseline (the prod
program plus extras.py). ``ISSUE`` holds the forms the adversarial review reported; ``OWN`` the
forms tried on top of them. The same semantics as cases.py: ``fail_*`` fails exactly the named
controls, ``pass_*`` fails nothing.
"""

from __future__ import annotations

from posture.rules import tokens as tok
from tests.policies.cases import ACCOUNT, ANY_V4, ANY_V6, Case
from tests.policies.helpers import DELETE, Change, add, append, chain, drop, paths

ENTRY = "stack-entry-point-require-tls-and-waf"
WAF = "stack-web-acl-require-baseline-rules"
ALB_WAF = "stack-load-balancer-require-waf"
ROUTES = "stack-data-tier-disallow-internet-routes"
NACL_ORDER = "stack-network-acl-require-denies-first"
EGRESS = "stack-walled-off-group-disallow-internet-egress"
INTERNET_INGRESS = "stack-security-group-disallow-internet-ingress"
LISTENER_TLS = "aws-lb-listener-require-tls"
PROXY = "aws-rds-proxy-require-tls"
CACHE = "aws-elasticache-replicationgroup-require-encryption-in-transit"
CACHE_AT_REST = "aws-elasticache-replicationgroup-require-encryption-at-rest"

ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}"
WEB_ALB = f"arn:aws:lb:eu-west-1:{ACCOUNT}:loadbalancer/web-alb"
INTRANET_ALB = f"arn:aws:lb:eu-west-1:{ACCOUNT}:loadbalancer/intranet-alb"
WEB_HTTP = f"arn:aws:lb:eu-west-1:{ACCOUNT}:listener/web-http-redirect"
WEB_APP_TG = f"arn:aws:lb:eu-west-1:{ACCOUNT}:targetgroup/web-app"
PUBLIC = ["network-public-0-id", "network-public-1-id", "network-public-2-id"]
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HSTS = "max-age=63072000; includeSubDomains; preload"
VISIBILITY = {"metricName": "x", "sampledRequestsEnabled": True, "cloudwatchMetricsEnabled": True}
RATE = 5  # web-waf: 0 blocklist, 1 common, 2 known bad inputs, 3 SQLi, 4 IP reputation, 5 rate limit
SQLI_RULES = ["SQLi_QUERYARGUMENTS", "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLi_BODY", "SQLiExtendedPatterns_BODY",
              "SQLi_COOKIE", "SQLi_URIPATH"]
EVERYTHING = {"notStatement": {"statement": {"byteMatchStatement": {
    "searchString": "no-such-header-value", "positionalConstraint": "EXACTLY",
    "fieldToMatch": {"singleHeader": {"name": "x-never"}}, "textTransformations": [{"priority": 0, "type": "NONE"}]}}}}

ISSUE: list[Case] = []
OWN: list[Case] = []


API_ACCESS_LOGS = {"destinationArn": "arn:aws:logs:eu-west-1:111122223333:log-group:api", "format": "$context.requestId"}
CDN_TLS = {"viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/cdn",
                                  "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"}}


def _register(into: list[Case], control: str, *entries: tuple) -> None:
    for name, fn, *rest in entries:
        into.append(Case(control, name, fn, frozenset(rest[0]) if rest else frozenset()))


def _listener_rule(name: str, listener: str, actions: list, priority: int = 1,
                   type: str = tok.LISTENER_RULES[0]) -> Change:
    return add(type, name, {"listenerArn": listener, "priority": float(priority), "actions": actions,
                            "conditions": [{"pathPattern": {"values": ["/*"]}}]})


def _waf_rule(name: str, priority: int, statement: dict, action: str | None = "allow") -> dict:
    rule = {"name": name, "priority": float(priority), "statement": statement, "visibilityConfig": VISIBILITY}
    if action:
        rule["action"] = {action: {}}
    else:
        rule["overrideAction"] = {"none": {}}
    return rule


def _nlb(name: str, *, internal: bool = False, subnets: list[str] | None = None) -> Change:
    return add(tok.LOAD_BALANCERS[0], name, {
        "loadBalancerType": "network", "internal": internal, "subnets": subnets or PUBLIC,
        "enableDeletionProtection": True, "securityGroups": ["web-sg-id"],
        "id": f"{name}-id", "arn": f"{ARN}:loadbalancer/net/{name}"})


def _nlb_listener(name: str, nlb: str, action: dict, protocol: str = "TCP", port: int = 443, **extra) -> Change:
    return add(tok.LISTENERS[0], name, {"loadBalancerArn": f"{ARN}:loadbalancer/net/{nlb}", "protocol": protocol,
                                        "port": float(port), "defaultActions": [action], **extra})


def _target_group(name: str, target_type: str, protocol: str = "TLS", port: int = 443) -> Change:
    return add(tok.TARGET_GROUPS[0], name, {"targetType": target_type, "protocol": protocol, "port": float(port),
                                            "vpcId": "network-vpc-id", "arn": f"{ARN}:targetgroup/{name}"})


def _forward(group: str) -> dict:
    return {"type": "forward", "targetGroupArn": f"{ARN}:targetgroup/{group}"}


def _nlb_to_alb(alb_arn: str) -> Change:
    return chain(_nlb("fx-nlb"), _target_group("fx-nlb-to-alb", "alb", protocol="TCP"),
                 add("aws:lb/targetGroupAttachment:TargetGroupAttachment", "fx-nlb-to-alb-attach", {
                     "targetGroupArn": f"{ARN}:targetgroup/fx-nlb-to-alb", "targetId": alb_arn, "port": 443.0}),
                 _nlb_listener("fx-nlb-443", "fx-nlb", _forward("fx-nlb-to-alb")))


def _main_table(route: dict, table_id: str = "rtb-main") -> Change:
    """Data subnet 0 loses its association and falls back on the VPC's main table, which gets
    ``route`` by a standalone aws.ec2.Route."""
    return chain(drop("network-data-rta-0"), paths("network-vpc", {"mainRouteTableId": table_id}),
                 add(tok.ROUTE, "fx-main-route", {"routeTableId": table_id, **route}))


def _data_route(name: str, **route) -> Change:
    return add(tok.ROUTE, name, {"routeTableId": "network-data-rt-id", **route})


def _egress(name: str, group: str, **rule) -> Change:
    return add(tok.SECURITY_GROUP_EGRESS_RULE, name, {"securityGroupId": group, **rule})


def _proxy(**props) -> Change:
    return add(tok.RDS_PROXY, "fx-proxy", {"engineFamily": "POSTGRESQL", "vpcSecurityGroupIds": ["database-sg-id"],
                                           "vpcSubnetIds": ["network-data-0-id"], **props})


def _cache(**props) -> Change:
    return add(tok.ELASTICACHE_REPLICATION_GROUP, "fx-cache", {
        "description": "sessions", "securityGroupIds": ["database-sg-id"], "transitEncryptionEnabled": True,
        "transitEncryptionMode": "required", "atRestEncryptionEnabled": True, **props})


def _shared_rate_group(group_override: dict | None = None, arn: str | None = None) -> Change:
    group_arn = f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:regional/rulegroup/fx-shared/1"
    reference = _waf_rule("shared", RATE, {"ruleGroupReferenceStatement": {"arn": arn or group_arn}}, action=None)
    if group_override:
        reference["overrideAction"] = group_override
    return chain(
        add(tok.WAF_RULE_GROUP, "fx-shared", {"scope": "REGIONAL", "capacity": 10.0, "arn": group_arn, "rules": [
            _waf_rule("rate", 0, {"rateBasedStatement": {"limit": 2000.0, "aggregateKeyType": "IP"}}, "block")]}),
        paths("web-waf", {f"rules[{RATE}]": reference}))


# --- the forms the review reported --------------------------------------------------------------

_register(ISSUE, ENTRY,
          ("fail_listener_rule_forwards_on_port_80",
           _listener_rule("fx-http-rule", WEB_HTTP, [{"type": "forward", "targetGroupArn": WEB_APP_TG}])),
          ("fail_internet_nlb_reaches_app_without_waf", chain(
              _nlb("fx-nlb"), _target_group("fx-nlb-app", "ip"),
              _nlb_listener("fx-nlb-tls", "fx-nlb", _forward("fx-nlb-app"), protocol="TLS",
                            sslPolicy=TLS_POLICY, certificateArn="arn:aws:acm:eu-west-1:1:certificate/x"))),
          ("pass_nlb_passes_tls_through_to_the_web_alb", _nlb_to_alb(WEB_ALB)))
_register(ISSUE, "aws-lambda-functionurl-require-iam-auth",
          ("fail_lambda_url_without_auth", add(tok.LAMBDA_FUNCTION_URL, "fx-url", {
              "functionName": "app-handler", "authorizationType": "NONE"})))
_register(ISSUE, WAF,
          ("fail_allow_everything_before_the_blocklist", chain(
              paths("web-waf", {"rules[0].priority": 10.0}), append("web-waf", "rules", _waf_rule(
                  "allow-all", 0, EVERYTHING)))),
          ("fail_managed_group_scoped_down", paths("web-waf", {
              "rules[1].statement.managedRuleGroupStatement.scopeDownStatement": EVERYTHING["notStatement"][
                  "statement"]})),
          ("fail_five_of_six_sqli_rules_counted", paths("web-waf", {
              "rules[3].statement.managedRuleGroupStatement.ruleActionOverrides": [
                  {"name": n, "actionToUse": {"count": {}}} for n in SQLI_RULES[:5]]})),
          ("fail_rate_limit_of_two_billion", paths("web-waf", {
              f"rules[{RATE}].statement.rateBasedStatement.limit": 2_000_000_000.0})),
          ("fail_ip_reputation_group_dropped", paths("web-waf", {"rules[4]": DELETE})),
          ("pass_rate_limit_in_a_shared_rule_group", _shared_rate_group()))
_register(ISSUE, ALB_WAF,
          ("fail_internal_alb_without_waf", drop("intranet-waf-association")))
_register(ISSUE, ROUTES,
          ("fail_data_subnet_on_main_table_with_nat_route", _main_table({
              "destinationCidrBlock": ANY_V4, "natGatewayId": "network-nat-0-id"})),
          ("fail_transit_gateway_route_to_public_prefix_list", chain(
              add(tok.MANAGED_PREFIX_LIST, "fx-public-ranges", {
                  "name": "partners", "addressFamily": "IPv4", "maxEntries": 5.0, "id": "pl-fx-public",
                  "entries": [{"cidr": "52.0.0.0/8"}, {"cidr": "54.0.0.0/8"}]}),
              _data_route("fx-tgw", destinationPrefixListId="pl-fx-public", transitGatewayId="tgw-0123"))))
_register(ISSUE, NACL_ORDER,
          ("fail_blocklist_deny_renumbered_after_allows", paths("network-public-nacl", {"ingress[0].ruleNo": 200.0})),
          ("pass_deny_after_allows_it_does_not_overlap", paths("network-data-nacl", {"ingress[0].ruleNo": 200.0})))
_register(ISSUE, EGRESS,
          ("fail_database_group_egress_all_to_anywhere", _egress("fx-db-out", "database-sg-id", ipProtocol="-1",
                                                                 cidrIpv4=ANY_V4)),
          ("fail_bank_sync_egress_anywhere", chain(
              paths("data-bank-sync-sg", {"tags.egress": "allowlist"}),
              _egress("fx-bank-out", "data-bank-sync-sg-id", ipProtocol="tcp", fromPort=443.0, toPort=443.0,
                      cidrIpv4=ANY_V4))),
          ("pass_bank_sync_marked_walled_off", paths("data-bank-sync-sg", {"tags.egress": "allowlist"})))
_register(ISSUE, PROXY,
          ("fail_proxy_without_tls", _proxy(requireTls=False)),
          ("pass_proxy_with_tls", _proxy(requireTls=True)))
_register(ISSUE, CACHE,
          ("fail_unencrypted_cache_reachable_from_app", _cache(transitEncryptionEnabled=False,
                                                               transitEncryptionMode=None)),
          ("pass_encrypted_cache", _cache()))
_register(ISSUE, LISTENER_TLS,
          ("pass_port_80_answers_403", paths("web-http-redirect", {"defaultActions": [
              {"type": "fixed-response", "fixedResponse": {"contentType": "text/plain", "statusCode": "403"}}]})))
_register(ISSUE, INTERNET_INGRESS,
          ("pass_second_https_listener_on_8443", chain(
              add(tok.LISTENERS[0], "fx-https-8443", {
                  "loadBalancerArn": WEB_ALB, "protocol": "HTTPS", "port": 8443.0, "sslPolicy": TLS_POLICY,
                  "certificateArn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/x",
                  "routingHttpResponseStrictTransportSecurityHeaderValue": HSTS,
                  "defaultActions": [{"type": "forward", "targetGroupArn": WEB_APP_TG}]}),
              add(tok.SECURITY_GROUP_INGRESS_RULE, "fx-8443-in", {
                  "securityGroupId": "web-sg-id", "ipProtocol": "tcp", "fromPort": 8443.0, "toPort": 8443.0,
                  "cidrIpv4": ANY_V4}))),
          ("fail_8443_open_without_a_listener", add(tok.SECURITY_GROUP_INGRESS_RULE, "fx-8443-in", {
              "securityGroupId": "web-sg-id", "ipProtocol": "tcp", "fromPort": 8443.0, "toPort": 8443.0,
              "cidrIpv4": ANY_V4})))
_register(ISSUE, "stack-database-reachable-only-from-app-tier",
          ("pass_hardened_read_replica", chain(append(
              "backups-selection", "resources", f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:app-db-replica"),
              add(tok.RDS_INSTANCE, "fx-replica", {
              "identifier": "app-db-replica", "replicateSourceDb": "app-db", "instanceClass": "db.r6g.large",
              "vpcSecurityGroupIds": ["database-sg-id"], "storageEncrypted": True,
              "kmsKeyId": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/database-key", "publiclyAccessible": False,
              "iamDatabaseAuthenticationEnabled": True, "deletionProtection": True, "skipFinalSnapshot": False,
              "finalSnapshotIdentifier": "app-db-replica-final", "deleteAutomatedBackups": False,
              "parameterGroupName": "database-params", "autoMinorVersionUpgrade": True,
              "caCertIdentifier": "rds-ca-rsa2048-g1", "performanceInsightsEnabled": True,
              "performanceInsightsKmsKeyId": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/database-key",
              "enabledCloudwatchLogsExports": ["postgresql", "upgrade", "iam-db-auth-error"],
              "monitoringInterval": 60.0, "monitoringRoleArn": f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
              "arn": f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:app-db-replica"}))))

# --- my own round -------------------------------------------------------------------------------

_register(OWN, ENTRY,
          ("fail_rule_on_80_authenticates_then_forwards", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "authenticate-oidc", "order": 1.0}, {"type": "forward", "targetGroupArn": WEB_APP_TG,
                                                           "order": 2.0}])),
          ("fail_rule_on_80_answers_200", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "fixed-response", "fixedResponse": {"contentType": "text/html", "statusCode": "200"}}])),
          ("fail_rule_on_80_redirects_to_http", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "redirect", "redirect": {"protocol": "HTTP", "host": "other.example", "statusCode": "HTTP_302"}}])),
          ("fail_rule_on_80_in_alb_spelling", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "forward", "targetGroupArn": WEB_APP_TG}], type=tok.LISTENER_RULES[1])),
          ("fail_rule_on_80_weighted_forward", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "forward", "forward": {"targetGroups": [{"arn": WEB_APP_TG, "weight": 1.0}]}}])),
          ("pass_rule_on_80_redirects_a_path_to_https", _listener_rule("fx-http-rule", WEB_HTTP, [
              {"type": "redirect", "redirect": {"protocol": "HTTPS", "path": "/new", "statusCode": "HTTP_301"}}])),
          ("fail_nlb_to_alb_without_waf", chain(_nlb_to_alb(INTRANET_ALB), drop("intranet-waf-association")),
           {ALB_WAF}),
          ("fail_nlb_weighted_forward_to_ip_targets", chain(
              _nlb("fx-nlb"), _target_group("fx-nlb-app", "ip"),
              _nlb_listener("fx-nlb-tls", "fx-nlb", {"type": "forward", "forward": {"targetGroups": [
                  {"arn": f"{ARN}:targetgroup/fx-nlb-app"}]}}, protocol="TLS", sslPolicy=TLS_POLICY,
                            certificateArn="arn:aws:acm:eu-west-1:1:certificate/x"))),
          ("pass_internal_nlb_to_ip_targets", chain(
              _nlb("fx-nlb", internal=True), _target_group("fx-nlb-app", "ip"),
              _nlb_listener("fx-nlb-tls", "fx-nlb", _forward("fx-nlb-app"), protocol="TLS", sslPolicy=TLS_POLICY,
                            certificateArn="arn:aws:acm:eu-west-1:1:certificate/x"))),
          ("pass_lambda_url_with_iam_auth", add(tok.LAMBDA_FUNCTION_URL, "fx-url", {
              "functionName": "app-handler", "authorizationType": "AWS_IAM"})),
          ("fail_public_rest_api_without_waf", add(tok.API_GATEWAY_REST_API, "fx-api", {
              "name": "api", "endpointConfiguration": {"types": ["REGIONAL"]}})),
          ("pass_private_rest_api", add(tok.API_GATEWAY_REST_API, "fx-api", {
              "name": "api", "endpointConfiguration": {"types": ["PRIVATE"]}})),
          ("pass_public_rest_api_stage_behind_waf", chain(
              add(tok.API_GATEWAY_REST_API, "fx-api", {"name": "api", "id": "fx-api-id",
                                                       "endpointConfiguration": {"types": ["REGIONAL"]}}),
              add("aws:apigateway/stage:Stage", "fx-stage", {"restApi": "fx-api-id", "stageName": "prod",
                                                             "arn": "arn:aws:apigateway:eu-west-1::/restapis/a/stages/prod",
                                                             "accessLogSettings": API_ACCESS_LOGS}),
              add(tok.WEB_ACL_ASSOCIATION, "fx-stage-waf", {
                  "resourceArn": "arn:aws:apigateway:eu-west-1::/restapis/a/stages/prod",
                  "webAclArn": f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:webacl/web-waf"}))),
          ("fail_http_api_public_endpoint", add(tok.API_GATEWAY_V2_API, "fx-http-api", {"protocolType": "HTTP"})),
          ("pass_http_api_endpoint_disabled", add(tok.API_GATEWAY_V2_API, "fx-http-api", {
              "protocolType": "HTTP", "disableExecuteApiEndpoint": True})),
          ("fail_cloudfront_without_waf", add(tok.CLOUDFRONT_DISTRIBUTION, "fx-cdn", {
              "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"}, **CDN_TLS})),
          ("pass_cloudfront_behind_a_web_acl", add(tok.CLOUDFRONT_DISTRIBUTION, "fx-cdn", {
              "webAclId": "arn:aws:wafv2:us-east-1:1:global/webacl/cdn/1",
              "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"}, **CDN_TLS})),
          ("fail_eip_on_an_instance", add(tok.EIP, "fx-eip", {"domain": "vpc", "instance": "i-0123"})),
          ("fail_instance_with_public_ip", add(tok.INSTANCE, "fx-host", {
              "ami": "ami-1", "instanceType": "t3.micro", "associatePublicIpAddress": True})))
_register(OWN, WAF,
          ("fail_allow_between_blocklist_and_managed_groups", chain(
              paths("web-waf", {"rules[1].priority": 20.0}), append("web-waf", "rules", _waf_rule(
                  "allow-office", 1, {"byteMatchStatement": {"searchString": "office"}})))),
          ("pass_allow_after_every_required_rule", append("web-waf", "rules", _waf_rule(
              "allow-health", 50, {"byteMatchStatement": {"searchString": "/health"}}))),
          ("fail_rate_rule_scoped_down", paths("web-waf", {
              f"rules[{RATE}].statement.rateBasedStatement.scopeDownStatement": {
                  "byteMatchStatement": {"searchString": "/login"}}})),
          ("fail_rate_limit_as_huge_string", paths("web-waf", {
              f"rules[{RATE}].statement.rateBasedStatement.limit": "2000000000"})),
          ("fail_shared_rate_group_counted", _shared_rate_group({"count": {}})),
          ("fail_shared_rate_group_outside_stack", _shared_rate_group(
              arn="arn:aws:wafv2:eu-west-1:999999999999:regional/rulegroup/theirs/1")),
          ("fail_ip_reputation_two_of_three_counted", paths("web-waf", {
              "rules[4].statement.managedRuleGroupStatement.ruleActionOverrides": [
                  {"name": n, "actionToUse": {"count": {}}}
                  for n in ("AWSManagedIPReputationList", "AWSManagedReconnaissanceList")]})),
          ("pass_one_noisy_common_rule_counted", paths("web-waf", {
              "rules[1].statement.managedRuleGroupStatement.ruleActionOverrides": [
                  {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]})))
_register(OWN, ROUTES,
          ("fail_data_route_through_peering_to_public_range", _data_route(
              "fx-peer", destinationCidrBlock="8.8.8.0/24", vpcPeeringConnectionId="pcx-1")),
          ("fail_data_route_egress_only_ipv6", _data_route(
              "fx-eigw", destinationIpv6CidrBlock=ANY_V6, egressOnlyGatewayId="eigw-1")),
          ("fail_data_route_nat_instance_interface", _data_route(
              "fx-eni", destinationCidrBlock=ANY_V4, networkInterfaceId="eni-1")),
          ("pass_data_route_gateway_endpoint_prefix_list", _data_route(
              "fx-vpce", destinationPrefixListId="pl-6da54004", gatewayId="vpce-1")),
          ("fail_main_table_igw_route", _main_table({"destinationCidrBlock": "0.0.0.0/1",
                                                     "gatewayId": "network-igw-id"})),
          ("fail_main_association_points_at_public_table", chain(
              drop("network-data-rta-0"), add(tok.MAIN_ROUTE_TABLE_ASSOCIATION, "fx-main", {
                  "vpcId": "network-vpc-id", "routeTableId": "network-public-rt-id"}))),
          ("fail_adopted_default_table_with_nat", chain(
              drop("network-data-rta-0"), paths("network-vpc", {"defaultRouteTableId": "rtb-main"}),
              add(tok.DEFAULT_ROUTE_TABLE, "fx-default-rt", {
                  "defaultRouteTableId": "rtb-main",
                  "routes": [{"cidrBlock": ANY_V4, "natGatewayId": "network-nat-0-id"}]}))),
          ("pass_data_subnet_on_empty_main_table", drop("network-data-rta-0")))
_register(OWN, NACL_ORDER,
          ("fail_standalone_deny_numbered_last", add(tok.NETWORK_ACL_RULE, "fx-deny", {
              "networkAclId": "network-public-nacl-id", "ruleNumber": 300.0, "egress": False, "ruleAction": "deny",
              "protocol": "-1", "cidrBlock": "203.0.113.0/24"})),
          ("fail_egress_deny_renumbered", paths("network-public-nacl", {"egress[0].ruleNo": 200.0})),
          ("pass_standalone_deny_numbered_first", add(tok.NETWORK_ACL_RULE, "fx-deny", {
              "networkAclId": "network-public-nacl-id", "ruleNumber": 5.0, "egress": False, "ruleAction": "deny",
              "protocol": "-1", "cidrBlock": "203.0.113.0/24"})))
_register(OWN, EGRESS,
          ("fail_db_egress_split_internet_old_rule_form", add(tok.SECURITY_GROUP_RULE, "fx-db-out", {
              "type": "egress", "securityGroupId": "database-sg-id", "protocol": "tcp", "fromPort": 443.0,
              "toPort": 443.0, "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"]})),
          ("fail_db_inline_egress_all_ipv6", paths("database-sg", {"egress": [
              {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "ipv6CidrBlocks": [ANY_V6]}]})),
          ("fail_cache_group_egress_anywhere", chain(
              add(tok.SECURITY_GROUP, "fx-cache-sg", {"vpcId": "network-vpc-id", "id": "fx-cache-sg-id"}),
              _cache(securityGroupIds=["fx-cache-sg-id"]),
              _egress("fx-cache-out", "fx-cache-sg-id", ipProtocol="-1", cidrIpv4=ANY_V4))),
          ("pass_db_egress_to_app_group", _egress("fx-db-out", "database-sg-id", ipProtocol="tcp",
                                                  fromPort=443.0, toPort=443.0,
                                                  referencedSecurityGroupId="network-app-sg-id")))
_register(OWN, CACHE,
          ("fail_cache_transit_preferred", _cache(transitEncryptionMode="preferred")))
_register(OWN, CACHE_AT_REST,
          ("fail_cache_not_encrypted_at_rest", _cache(atRestEncryptionEnabled=None)))
_register(OWN, PROXY,
          ("fail_proxy_tls_omitted", _proxy()))
_register(OWN, "stack-load-balancer-require-public-tier-subnets",
          ("fail_nlb_mapped_into_app_tier", chain(_nlb("fx-nlb", subnets=[]), paths("fx-nlb", {
              "subnets": DELETE, "subnetMappings": [{"subnetId": "network-app-0-id", "allocationId": "eipalloc-1"}]}))))
_register(OWN, LISTENER_TLS,
          ("fail_second_http_listener_forwards", add(tok.LISTENERS[0], "fx-http-8080", {
              "loadBalancerArn": WEB_ALB, "protocol": "HTTP", "port": 8080.0,
              "defaultActions": [{"type": "forward", "targetGroupArn": WEB_APP_TG}]}), {ENTRY}))

ADVERSARIAL: list[Case] = ISSUE + OWN
