"""EC2/VPC: VPCs, subnets, route tables and their associations, network ACLs, security groups and
their rules, flow logs, VPC endpoints and customer-managed prefix lists.

Forms chosen to match how the baseline declares the same things, so offline and live findings
line up resource for resource:

- Security-group rules come from ``DescribeSecurityGroupRules`` as one
  ``aws:vpc/securityGroupIngressRule`` (or ``...EgressRule``) per rule, the form the components
  use; the groups themselves carry no inline rules.
- Each VPC's ``default`` group is an ``aws:ec2/defaultSecurityGroup`` with its rules inline (as
  ``DefaultSecurityGroup`` holds them), and its rules are not repeated as rule resources: the
  default group's rules are one control's business (one misconfiguration, one violation).
- Every route table is an ``aws:ec2/routeTable`` with inline routes; the VPC's main table is
  named by an ``aws:ec2/mainRouteTableAssociation``, so subnets without an explicit association
  follow it, as they do in AWS.
- Every VPC's default network ACL is an ``aws:ec2/defaultNetworkAcl`` with its entries, and the
  VPC names it (``defaultNetworkAclId``), as a stack that adopts it declares. Whether its entries
  are acceptable is the rules' business: a collector translates, it never judges.
- Every prefix list is reported with its ``ownerId``, AWS's own service lists (``AWS``) included:
  the rules decide that those are no allowlist of this account.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from posture.live.base import FAILED, UNREADABLE, Context, display_name, sub_urn, tags_of, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.VPC, tok.SUBNET, tok.ROUTE_TABLE, tok.ROUTE_TABLE_ASSOCIATION, tok.MAIN_ROUTE_TABLE_ASSOCIATION, tok.NETWORK_ACL,
         tok.DEFAULT_NETWORK_ACL, tok.SECURITY_GROUP, tok.DEFAULT_SECURITY_GROUP, tok.SECURITY_GROUP_INGRESS_RULE,
         tok.SECURITY_GROUP_EGRESS_RULE, tok.FLOW_LOG, tok.VPC_ENDPOINT, tok.MANAGED_PREFIX_LIST)
_ROUTE_TARGETS = {
    "DestinationCidrBlock": "cidrBlock", "DestinationIpv6CidrBlock": "ipv6CidrBlock",
    "DestinationPrefixListId": "destinationPrefixListId", "GatewayId": "gatewayId", "NatGatewayId": "natGatewayId",
    "EgressOnlyInternetGatewayId": "egressOnlyGatewayId", "TransitGatewayId": "transitGatewayId",
    "VpcPeeringConnectionId": "vpcPeeringConnectionId", "NetworkInterfaceId": "networkInterfaceId",
    "CarrierGatewayId": "carrierGatewayId", "LocalGatewayId": "localGatewayId", "CoreNetworkArn": "coreNetworkArn",
}
_IMPLICIT_DENY_RULE = 32767


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    acls = _network_acls(ctx)
    views += _vpcs(ctx, acls)
    views += _subnets(ctx)
    views += _route_tables(ctx)
    views += acls or []
    default_groups, groups = _security_groups(ctx)
    rules = _security_group_rules(ctx, default_groups)
    if rules is None:  # the rules are unknown, so each group's ingress is too: never "no rules, pass"
        groups = [replace(g, props={**g.props, "ingress": UNREADABLE, "egress": UNREADABLE})
                  if g.type == tok.SECURITY_GROUP else g for g in groups]
    views += groups + (rules or [])
    views += _flow_logs(ctx)
    views += _endpoints(ctx)
    views += _prefix_lists(ctx)
    return views


def _vpcs(ctx: Context, acls: list[ResourceView] | None) -> list[ResourceView]:
    defaults = {v.props["vpcId"]: v.props["defaultNetworkAclId"] for v in acls or [] if v.type == tok.DEFAULT_NETWORK_ACL}
    views = []
    for vpc in ctx.items("ec2", "describe_vpcs", "Vpcs", types=(tok.VPC,)):
        tags = tags_of(vpc.get("Tags"))
        views.append(ctx.view(tok.VPC, ctx.arn("ec2", f"vpc/{vpc['VpcId']}"), display_name(tags, vpc["VpcId"]), {
            "id": vpc["VpcId"], "arn": ctx.arn("ec2", f"vpc/{vpc['VpcId']}"), "cidrBlock": vpc.get("CidrBlock"),
            "isDefault": vpc.get("IsDefault"), "instanceTenancy": vpc.get("InstanceTenancy"), "tags": tags,
            "defaultNetworkAclId": UNREADABLE if acls is None else defaults.get(vpc["VpcId"]),
        }))
    return views


def _subnets(ctx: Context) -> list[ResourceView]:
    views = []
    for subnet in ctx.items("ec2", "describe_subnets", "Subnets", types=(tok.SUBNET,)):
        tags = tags_of(subnet.get("Tags"))
        arn = subnet.get("SubnetArn") or ctx.arn("ec2", f"subnet/{subnet['SubnetId']}")
        views.append(ctx.view(tok.SUBNET, arn, display_name(tags, subnet["SubnetId"]), {
            "id": subnet["SubnetId"], "arn": arn, "vpcId": subnet.get("VpcId"), "cidrBlock": subnet.get("CidrBlock"),
            "availabilityZone": subnet.get("AvailabilityZone"), "mapPublicIpOnLaunch": subnet.get("MapPublicIpOnLaunch"),
            "assignIpv6AddressOnCreation": subnet.get("AssignIpv6AddressOnCreation"), "tags": tags,
        }))
    return views


def _route_tables(ctx: Context) -> list[ResourceView]:
    views = []
    types = (tok.ROUTE_TABLE, tok.ROUTE_TABLE_ASSOCIATION, tok.MAIN_ROUTE_TABLE_ASSOCIATION)
    for table in ctx.items("ec2", "describe_route_tables", "RouteTables", types=types):
        table_id = table["RouteTableId"]
        arn = ctx.arn("ec2", f"route-table/{table_id}")
        tags = tags_of(table.get("Tags"))
        routes = [{wire_key: route[key] for key, wire_key in _ROUTE_TARGETS.items() if route.get(key)}
                  for route in table.get("Routes") or []]
        views.append(ctx.view(tok.ROUTE_TABLE, arn, display_name(tags, table_id), {
            "id": table_id, "arn": arn, "vpcId": table.get("VpcId"), "routes": routes, "tags": tags,
        }))
        for assoc in table.get("Associations") or []:
            assoc_id = assoc.get("RouteTableAssociationId")
            if assoc.get("Main"):
                views.append(ctx.view(tok.MAIN_ROUTE_TABLE_ASSOCIATION, sub_urn(arn, "main-association"),
                                      f"{display_name(tags, table_id)} (main)",
                                      {"id": assoc_id, "vpcId": table.get("VpcId"), "routeTableId": table_id}))
            elif assoc.get("SubnetId") or assoc.get("GatewayId"):
                views.append(ctx.view(tok.ROUTE_TABLE_ASSOCIATION, sub_urn(arn, "association", assoc_id),
                                      f"{display_name(tags, table_id)}/{assoc.get('SubnetId') or assoc.get('GatewayId')}",
                                      {"id": assoc_id, "routeTableId": table_id, "subnetId": assoc.get("SubnetId"),
                                       "gatewayId": assoc.get("GatewayId")}))
    return views


def _acl_entries(acl: dict[str, Any], egress: bool) -> list[dict[str, Any]]:
    entries = []
    for entry in sorted(acl.get("Entries") or [], key=lambda e: e.get("RuleNumber", 0)):
        if bool(entry.get("Egress")) != egress or entry.get("RuleNumber") == _IMPLICIT_DENY_RULE:
            continue
        ports = entry.get("PortRange") or {}
        icmp = entry.get("IcmpTypeCode") or {}
        entries.append({k: v for k, v in {
            "ruleNo": entry.get("RuleNumber"), "action": entry.get("RuleAction"), "protocol": entry.get("Protocol"),
            "cidrBlock": entry.get("CidrBlock"), "ipv6CidrBlock": entry.get("Ipv6CidrBlock"),
            "fromPort": ports.get("From", 0), "toPort": ports.get("To", 0),
            "icmpType": icmp.get("Type"), "icmpCode": icmp.get("Code"),
        }.items() if v is not None})
    return entries


def _network_acls(ctx: Context) -> list[ResourceView] | None:
    """Every network ACL; None when they could not be listed (the failure is recorded)."""
    response = ctx.call("ec2", "describe_network_acls", types=(tok.NETWORK_ACL, tok.DEFAULT_NETWORK_ACL))
    if not response:
        return None
    views = []
    for acl in response.get("NetworkAcls") or []:
        acl_id = acl["NetworkAclId"]
        arn = ctx.arn("ec2", f"network-acl/{acl_id}")
        tags = tags_of(acl.get("Tags"))
        ingress, egress = _acl_entries(acl, egress=False), _acl_entries(acl, egress=True)
        props = {"id": acl_id, "arn": arn, "vpcId": acl.get("VpcId"), "tags": tags, "ingress": ingress, "egress": egress,
                 "subnetIds": [a["SubnetId"] for a in acl.get("Associations") or [] if a.get("SubnetId")]}
        if acl.get("IsDefault"):
            props["defaultNetworkAclId"] = acl_id
            views.append(ctx.view(tok.DEFAULT_NETWORK_ACL, arn, display_name(tags, acl_id), props))
        else:
            views.append(ctx.view(tok.NETWORK_ACL, arn, display_name(tags, acl_id), props))
    return views


def _inline_rule(permission: dict[str, Any], group_id: str) -> dict[str, Any]:
    """One ``IpPermissions`` entry in the inline ``ingress``/``egress`` form of a (default) security group."""
    groups = [p["GroupId"] for p in permission.get("UserIdGroupPairs") or [] if p.get("GroupId")]
    return {k: v for k, v in {
        "protocol": permission.get("IpProtocol"), "fromPort": permission.get("FromPort", 0),
        "toPort": permission.get("ToPort", 0),
        "cidrBlocks": [r["CidrIp"] for r in permission.get("IpRanges") or []],
        "ipv6CidrBlocks": [r["CidrIpv6"] for r in permission.get("Ipv6Ranges") or []],
        "prefixListIds": [r["PrefixListId"] for r in permission.get("PrefixListIds") or []],
        "securityGroups": [g for g in groups if g != group_id],
        "self": group_id in groups,
    }.items() if v not in (None, [])}


def _security_groups(ctx: Context) -> tuple[set[str], list[ResourceView]]:
    views, defaults = [], set()
    types = (tok.SECURITY_GROUP, tok.DEFAULT_SECURITY_GROUP)
    for group in ctx.items("ec2", "describe_security_groups", "SecurityGroups", types=types):
        group_id = group["GroupId"]
        arn = group.get("SecurityGroupArn") or ctx.arn("ec2", f"security-group/{group_id}")
        tags = tags_of(group.get("Tags"))
        props = {"id": group_id, "arn": arn, "name": group.get("GroupName"), "description": group.get("Description"),
                 "vpcId": group.get("VpcId"), "tags": tags}
        if group.get("GroupName") == "default":
            defaults.add(group_id)
            props["ingress"] = [_inline_rule(p, group_id) for p in group.get("IpPermissions") or []]
            props["egress"] = [_inline_rule(p, group_id) for p in group.get("IpPermissionsEgress") or []]
            views.append(ctx.view(tok.DEFAULT_SECURITY_GROUP, arn, display_name(tags, f"default ({group.get('VpcId')})"),
                                  props))
        else:
            views.append(ctx.view(tok.SECURITY_GROUP, arn, display_name(tags, group.get("GroupName"), group_id), props))
    return defaults, views


def _security_group_rules(ctx: Context, default_groups: set[str]) -> list[ResourceView] | None:
    """One view per rule; None when the rules could not be listed."""
    views = []
    types = (tok.SECURITY_GROUP, tok.SECURITY_GROUP_INGRESS_RULE, tok.SECURITY_GROUP_EGRESS_RULE)
    response = ctx.call("ec2", "describe_security_group_rules", types=types)
    if response is FAILED:
        return None
    for rule in response.get("SecurityGroupRules") or []:
        if rule.get("GroupId") in default_groups:
            continue
        rule_id = rule["SecurityGroupRuleId"]
        arn = rule.get("SecurityGroupRuleArn") or ctx.arn("ec2", f"security-group-rule/{rule_id}")
        tags = tags_of(rule.get("Tags"))
        kind = tok.SECURITY_GROUP_EGRESS_RULE if rule.get("IsEgress") else tok.SECURITY_GROUP_INGRESS_RULE
        views.append(ctx.view(kind, arn, display_name(tags, f"{rule.get('GroupId')}/{rule_id}"), {
            "id": rule_id, "arn": arn, "securityGroupId": rule.get("GroupId"), "ipProtocol": rule.get("IpProtocol"),
            "fromPort": rule.get("FromPort"), "toPort": rule.get("ToPort"), "cidrIpv4": rule.get("CidrIpv4"),
            "cidrIpv6": rule.get("CidrIpv6"), "prefixListId": rule.get("PrefixListId"),
            "referencedSecurityGroupId": (rule.get("ReferencedGroupInfo") or {}).get("GroupId"),
            "description": rule.get("Description"), "tags": tags,
        }))
    return views


def _flow_logs(ctx: Context) -> list[ResourceView]:
    views = []
    for log in ctx.items("ec2", "describe_flow_logs", "FlowLogs", types=(tok.FLOW_LOG,)):
        log_id = log["FlowLogId"]
        arn = ctx.arn("ec2", f"vpc-flow-log/{log_id}")
        tags = tags_of(log.get("Tags"))
        target = str(log.get("ResourceId") or "")
        attached = {"vpcId": "vpc-", "subnetId": "subnet-", "eniId": "eni-", "transitGatewayId": "tgw-"}
        props = {key: target for key, prefix in attached.items() if target.startswith(prefix)}
        props.update({"id": log_id, "arn": arn, "trafficType": log.get("TrafficType"),
                      "logDestinationType": log.get("LogDestinationType"), "logDestination": log.get("LogDestination"),
                      "logGroupName": log.get("LogGroupName"), "iamRoleArn": log.get("DeliverLogsPermissionArn"),
                      "maxAggregationInterval": log.get("MaxAggregationInterval"),
                      "flowLogStatus": log.get("FlowLogStatus"), "tags": tags})
        views.append(ctx.view(tok.FLOW_LOG, arn, display_name(tags, log_id), props))
    return views


def _endpoints(ctx: Context) -> list[ResourceView]:
    views = []
    for endpoint in ctx.items("ec2", "describe_vpc_endpoints", "VpcEndpoints", types=(tok.VPC_ENDPOINT,)):
        endpoint_id = endpoint["VpcEndpointId"]
        arn = ctx.arn("ec2", f"vpc-endpoint/{endpoint_id}")
        tags = tags_of(endpoint.get("Tags"))
        views.append(ctx.view(tok.VPC_ENDPOINT, arn, display_name(tags, endpoint.get("ServiceName"), endpoint_id), {
            "id": endpoint_id, "arn": arn, "vpcId": endpoint.get("VpcId"), "serviceName": endpoint.get("ServiceName"),
            "vpcEndpointType": endpoint.get("VpcEndpointType"), "policy": endpoint.get("PolicyDocument"),
            "routeTableIds": endpoint.get("RouteTableIds"), "subnetIds": endpoint.get("SubnetIds"),
            "securityGroupIds": [g["GroupId"] for g in endpoint.get("Groups") or []],
            "privateDnsEnabled": endpoint.get("PrivateDnsEnabled"), "state": endpoint.get("State"), "tags": tags,
        }))
    return views


def _prefix_lists(ctx: Context) -> list[ResourceView]:
    views = []
    for plist in ctx.items("ec2", "describe_managed_prefix_lists", "PrefixLists", types=(tok.MANAGED_PREFIX_LIST,)):
        list_id = plist["PrefixListId"]
        arn = plist.get("PrefixListArn") or ctx.arn("ec2", f"prefix-list/{list_id}")
        tags = tags_of(plist.get("Tags"))
        response = ctx.call("ec2", "get_managed_prefix_list_entries", types=(tok.MANAGED_PREFIX_LIST,), resource=arn,
                            PrefixListId=list_id)
        entries = wire(response.get("Entries") or []) if response else UNREADABLE
        views.append(ctx.view(tok.MANAGED_PREFIX_LIST, arn, display_name(tags, plist.get("PrefixListName"), list_id), {
            "id": list_id, "arn": arn, "name": plist.get("PrefixListName"), "addressFamily": plist.get("AddressFamily"),
            "maxEntries": plist.get("MaxEntries"), "ownerId": plist.get("OwnerId"), "tags": tags,
            "entries": entries,
        }))
    return views
