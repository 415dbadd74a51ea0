"""A private VPC in three tiers: public (load balancers, NAT), app (egress via NAT) and data
(isolated: no route to any internet or NAT gateway).

Nothing in any tier maps a public IP on launch: load balancers and NAT gateways get their
addresses explicitly, so an instance launched by mistake in the public tier stays private.
Network ACLs repeat the security-group boundary one layer down (DB-1, ADM-1) and carry the
IP blocklist as deny entries, which security groups cannot express.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam import log_writer_role
from components.validation import (
    IPNetwork,
    parse_cidr,
    refuse_anywhere,
    refuse_duplicates,
    refuse_overlaps,
    require,
    require_account_and_region,
)

TIERS = ("public", "app", "data")
INTERFACE_ENDPOINT_SERVICES = ("secretsmanager", "kms", "logs", "sts", "ssm", "ssmmessages", "ec2messages")
GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")
ENDPOINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
           "s3:GetBucketLocation", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"),
    "dynamodb": ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
                 "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                 "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"),
    "secretsmanager": ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
    "kms": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
            "kms:DescribeKey"),
    "logs": ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
    "sts": ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:GetCallerIdentity", "sts:TagSession"),
    # What the SSM agent calls (AmazonSSMManagedInstanceCore) and Session Manager's channels.
    "ssm": ("ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
            "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
            "ssm:GetParametersByPath", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
            "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:PutInventory",
            "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"),
    "ssmmessages": ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
    "ec2messages": ("ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"),
}
"""What the workloads may do through each endpoint; everything else (and every other account's
principals) is refused at the endpoint, so a credential stolen elsewhere cannot use our path."""
EPHEMERAL_PORTS = (1024, 65535)
MAX_BLOCKED_CIDRS = 10
"""Network ACLs hold 20 entries per direction by default; the blocklist may use half of them."""
_PRIVATE_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


@dataclass
class VpcArgs:
    cidr: str
    availability_zones: list[str]
    region: str
    account_id: str
    flow_log_key_arn: pulumi.Input[str]
    database_port: int = 5432
    nat_gateway_per_az: bool = True
    """One NAT gateway per AZ keeps the app tier's egress up when an AZ fails; one shared
    gateway is cheaper and acceptable outside prod."""
    tier_cidrs: dict[str, list[str]] | None = None
    """Explicit subnet CIDRs per tier (one per AZ); derived from ``cidr`` when omitted."""
    blocked_cidrs: list[str] = field(default_factory=list)
    flow_log_retention_days: int = 365

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        vpc = parse_cidr(self.cidr, "cidr")
        require(vpc.version == 4 and any(vpc.subnet_of(r) for r in _PRIVATE_RANGES), "cidr",
                f"{vpc} is not a private (RFC 1918) IPv4 range", "use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        require(16 <= vpc.prefixlen <= 24, "cidr", f"/{vpc.prefixlen} is outside AWS's /16../24 VPC sizes",
                "pick a prefix length between 16 and 24")
        require(2 <= len(self.availability_zones) <= 4, "availability_zones",
                f"{len(self.availability_zones)} zones given", "give 2 to 4 availability zones (the database needs two)")
        refuse_duplicates(self.availability_zones, "availability_zones")
        require(self.database_port not in (22, 3389) and 1024 <= self.database_port <= 65535, "database_port",
                f"{self.database_port} is not a usable database port", "use the engine's port, e.g. 5432")
        require(self.flow_log_retention_days >= 365, "flow_log_retention_days",
                f"{self.flow_log_retention_days} days is too short for an investigation", "keep flow logs at least 365 days")
        self.subnets = self._subnet_plan(vpc)
        self.blocked_networks = self._blocked_networks()

    def _subnet_plan(self, vpc: IPNetwork) -> dict[str, list[IPNetwork]]:
        zones = len(self.availability_zones)
        if self.tier_cidrs is None:
            quarters = list(vpc.subnets(prefixlen_diff=2))
            return {tier: list(quarters[i].subnets(prefixlen_diff=2))[:zones] for i, tier in enumerate(TIERS)}
        require(set(self.tier_cidrs) == set(TIERS), "tier_cidrs", f"tiers {sorted(self.tier_cidrs)} given",
                f"give exactly the tiers {', '.join(TIERS)}")
        plan: dict[str, list[IPNetwork]] = {}
        named: list[tuple[str, IPNetwork]] = []
        for tier in TIERS:
            cidrs = self.tier_cidrs[tier]
            require(len(cidrs) == zones, f"tier_cidrs.{tier}", f"{len(cidrs)} subnets for {zones} zones",
                    "give one subnet per availability zone")
            plan[tier] = []
            for i, text in enumerate(cidrs):
                where = f"tier_cidrs.{tier}[{i}]"
                net = parse_cidr(text, where)
                require(net.version == 4 and net.subnet_of(vpc), where, f"{net} is not inside the VPC range {vpc}",
                        "choose a subnet of the VPC CIDR")
                require(net.prefixlen <= 28, where, f"/{net.prefixlen} is smaller than AWS's /28 minimum", "use /28 or larger")
                plan[tier].append(net)
                named.append((where, net))
        refuse_overlaps(named)
        return plan

    def _blocked_networks(self) -> list[IPNetwork]:
        require(len(self.blocked_cidrs) <= MAX_BLOCKED_CIDRS, "blocked_cidrs",
                f"{len(self.blocked_cidrs)} entries exceed the {MAX_BLOCKED_CIDRS} network-ACL slots reserved for them",
                "keep the broad blocks here and put the rest in the WAF IP set")
        refuse_duplicates(self.blocked_cidrs, "blocked_cidrs")
        networks = []
        for i, text in enumerate(self.blocked_cidrs):
            net = parse_cidr(text, f"blocked_cidrs[{i}]")
            refuse_anywhere(net, f"blocked_cidrs[{i}]")
            networks.append(net)
        return networks


class Vpc(pulumi.ComponentResource):
    """The network every other component is placed in; exposes subnet ids per tier and the app tier's SG."""

    vpc_id: pulumi.Output[str]
    subnet_ids: dict[str, list[pulumi.Output[str]]]
    app_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str]
    dynamodb_endpoint_id: pulumi.Output[str]
    dynamodb_prefix_list_id: pulumi.Output[str]

    def __init__(self, name: str, args: VpcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:network:Vpc", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": name},
            opts=child,
        )
        self.vpc_id = vpc.id
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
                                     tags={"Name": f"{name}-default-deny-all"}, opts=child)
        # A subnet whose ACL association is removed falls back on the default ACL: adopted with no
        # entries, it denies everything instead of AWS's allow-all.
        aws.ec2.DefaultNetworkAcl(f"{name}-default-nacl", default_network_acl_id=vpc.default_network_acl_id,
                                  ingress=[], egress=[], tags={"Name": f"{name}-default-deny-all"}, opts=child)

        subnets = {
            tier: [
                aws.ec2.Subnet(
                    f"{name}-{tier}-{i}",
                    vpc_id=vpc.id,
                    cidr_block=str(cidr),
                    availability_zone=args.availability_zones[i],
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-{tier}-{args.availability_zones[i]}", "tier": tier},
                    opts=child,
                )
                for i, cidr in enumerate(args.subnets[tier])
            ]
            for tier in TIERS
        }
        self.subnet_ids = {tier: [s.id for s in subnets[tier]] for tier in TIERS}
        route_tables = self._routes(vpc, subnets, child)
        self._network_acls(vpc, child)
        self.app_security_group_id = self._security_groups(vpc, child)
        self._endpoints(vpc, route_tables, child)
        self._flow_logs(vpc, child)

        self.register_outputs({"vpc_id": self.vpc_id, "subnet_ids": self.subnet_ids,
                               "app_security_group_id": self.app_security_group_id})

    def _routes(self, vpc: aws.ec2.Vpc, subnets: dict[str, list[aws.ec2.Subnet]],
                child: pulumi.ResourceOptions) -> dict[str, list[aws.ec2.RouteTable]]:
        name, args = self._name, self._args
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags={"Name": f"{name}-public", "tier": "public"}, opts=child,
        )
        nat_count = len(args.availability_zones) if args.nat_gateway_per_az else 1
        nats = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-eip-{i}", domain="vpc", opts=child)
            nats.append(aws.ec2.NatGateway(f"{name}-nat-{i}", allocation_id=eip.id,
                                           subnet_id=subnets["public"][i].id, opts=child))
        app_rts = [
            aws.ec2.RouteTable(
                f"{name}-app-rt-{i}", vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[i % nat_count].id)],
                tags={"Name": f"{name}-app-{args.availability_zones[i]}", "tier": "app"}, opts=child,
            )
            for i in range(len(args.availability_zones))
        ]
        # The data tier's table holds only the implicit local route (plus gateway-endpoint prefix
        # lists that AWS adds): an empty routes list makes Pulumi remove any route added by hand.
        data_rt = aws.ec2.RouteTable(f"{name}-data-rt", vpc_id=vpc.id, routes=[],
                                     tags={"Name": f"{name}-data", "tier": "data"}, opts=child)
        tables = {"public": [public_rt], "app": app_rts, "data": [data_rt]}
        for tier, tier_subnets in subnets.items():
            for i, subnet in enumerate(tier_subnets):
                table = tables[tier][i] if tier == "app" else tables[tier][0]
                aws.ec2.RouteTableAssociation(f"{name}-{tier}-rta-{i}", subnet_id=subnet.id,
                                              route_table_id=table.id, opts=child)
        return tables

    def _network_acls(self, vpc: aws.ec2.Vpc, child: pulumi.ResourceOptions) -> None:
        name, args = self._name, self._args
        vpc_cidr = args.cidr
        app_cidrs = [str(c) for c in args.subnets["app"]]
        lo, hi = EPHEMERAL_PORTS
        port = args.database_port
        rules = {
            "public": (
                [_acl(100, "tcp", 443, 443, "0.0.0.0/0"), _acl(110, "tcp", 80, 80, "0.0.0.0/0"),
                 _acl(120, "tcp", lo, hi, "0.0.0.0/0"), _acl(130, "-1", 0, 0, vpc_cidr)],
                [_acl(100, "tcp", 443, 443, "0.0.0.0/0"), _acl(120, "tcp", lo, hi, "0.0.0.0/0"),
                 _acl(130, "-1", 0, 0, vpc_cidr)],
            ),
            "app": (
                [_acl(100, "-1", 0, 0, vpc_cidr), _acl(120, "tcp", lo, hi, "0.0.0.0/0")],
                [_acl(100, "-1", 0, 0, vpc_cidr), _acl(110, "tcp", 443, 443, "0.0.0.0/0")],
            ),
            "data": (
                [_acl(100 + i, "tcp", port, port, cidr) for i, cidr in enumerate(app_cidrs)],
                [_acl(100 + i, "tcp", lo, hi, cidr) for i, cidr in enumerate(app_cidrs)],
            ),
        }
        deny = [_acl(1 + i, "-1", 0, 0, str(net), action="deny") for i, net in enumerate(args.blocked_networks)]
        for tier, (ingress, egress) in rules.items():
            aws.ec2.NetworkAcl(
                f"{name}-{tier}-nacl", vpc_id=vpc.id, subnet_ids=self.subnet_ids[tier],
                ingress=deny + ingress, egress=deny + egress,
                tags={"Name": f"{name}-{tier}", "tier": tier}, opts=child,
            )

    def _security_groups(self, vpc: aws.ec2.Vpc, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        name = self._name
        app_sg = aws.ec2.SecurityGroup(
            f"{name}-app-sg", vpc_id=vpc.id,
            description="App tier: ingress only from named security groups, added by the components that need it",
            tags={"Name": f"{name}-app", "tier": "app"}, opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-app-https-out", security_group_id=app_sg.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4="0.0.0.0/0", description="HTTPS to AWS APIs and partners through the NAT gateway", opts=child,
        )
        self._endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg", vpc_id=vpc.id, description="Interface endpoints: HTTPS from the app tier only",
            tags={"Name": f"{name}-endpoints"}, opts=child,
        )
        self.endpoints_security_group_id = self._endpoint_sg.id
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-from-app", security_group_id=self._endpoint_sg.id, ip_protocol="tcp",
            from_port=443, to_port=443, referenced_security_group_id=app_sg.id,
            description="App tier reaches AWS APIs privately", opts=child,
        )
        return app_sg.id

    def _endpoints(self, vpc: aws.ec2.Vpc, route_tables: dict[str, list[aws.ec2.RouteTable]],
                   child: pulumi.ResourceOptions) -> None:
        name, region = self._name, self._args.region
        private_tables = [t.id for t in route_tables["app"] + route_tables["data"]]
        gateways = {
            service: aws.ec2.VpcEndpoint(f"{name}-{service}-endpoint", vpc_id=vpc.id, vpc_endpoint_type="Gateway",
                                         service_name=f"com.amazonaws.{region}.{service}",
                                         route_table_ids=private_tables, policy=self._endpoint_policy(service),
                                         opts=child)
            for service in GATEWAY_ENDPOINT_SERVICES
        }
        self.dynamodb_endpoint_id = gateways["dynamodb"].id
        self.dynamodb_prefix_list_id = gateways["dynamodb"].prefix_list_id
        for service in INTERFACE_ENDPOINT_SERVICES:
            aws.ec2.VpcEndpoint(f"{name}-{service}-endpoint", vpc_id=vpc.id, vpc_endpoint_type="Interface",
                                service_name=f"com.amazonaws.{region}.{service}", private_dns_enabled=True,
                                subnet_ids=self.subnet_ids["app"], security_group_ids=[self._endpoint_sg.id],
                                policy=self._endpoint_policy(service), opts=child)

    def _endpoint_policy(self, service: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "ThisAccountOnly", "Effect": "Allow", "Principal": "*", "Action": list(ENDPOINT_ACTIONS[service]),
            "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": self._args.account_id}}}]})

    def _flow_logs(self, vpc: aws.ec2.Vpc, child: pulumi.ResourceOptions) -> None:
        name, args = self._name, self._args
        log_group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", name=f"/security-baseline/{name}/flow-logs",
                                            kms_key_id=args.flow_log_key_arn,
                                            retention_in_days=args.flow_log_retention_days, opts=child)
        role = log_writer_role(f"{name}-flow-logs", "vpc-flow-logs.amazonaws.com", args.account_id, args.region, log_group,
                               ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                               lambda arn: [arn, f"{arn}:*"], child)
        aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=log_group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=60, opts=child)


def _acl(rule_no: int, protocol: str, from_port: int, to_port: int, cidr: str, action: str = "allow") -> dict:
    """One network-ACL entry (ingress and egress share the shape); IPv6 goes in ``ipv6_cidr_block``."""
    family = "ipv6_cidr_block" if ":" in cidr else "cidr_block"
    return {"rule_no": rule_no, "action": action, "protocol": protocol,
            "from_port": from_port, "to_port": to_port, family: cidr}
