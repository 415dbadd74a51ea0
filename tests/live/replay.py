"""Replay a stack's planned resources into a moto account, so the live audit can be run on what the
program would deploy ("posture before deploy, in moto").

The offline graph holds the program's inputs with mock-engine references (``<name>-id``,
``<name>-bucket``, ``arn:aws:<service>:<region>:<account>:<kind>/<name>``); each resource is
created with boto3 in dependency order, and every later reference to it is rewritten to the id,
name or ARN moto returned. ``REPLAYED`` holds one entry per type: a ``Call`` (the boto3 method,
its arguments from the planned properties, where moto's answer keeps the id and ARN) for a type
one call creates, a function for the few that take several dependent calls. A type moto does not
implement is listed with the API it lacks, one that creates no AWS resource with the reason
(``SKIPPED``), never silently dropped; a type the replay does not know at all is an error, so a
new component cannot slip past the posture-in-moto tests.

This module writes. It refuses to run unless the session holds moto's fake credentials.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from posture.live.base import one_host
from posture.resources import ResourceView
from posture.rules import tokens as tok
from posture.rules.perimeter import PUBLIC_ACCESS_FLAGS

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
BUCKET_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
VAULT_NOTIFICATIONS = "aws:backup/vaultNotifications:VaultNotifications"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
"""Types no rule names, so not in ``posture.rules.tokens``; the replay creates them all the same."""
FAKE_KEYS = ("testing", "FOOBARKEY")
"""moto's fake access keys (the conventional one, and the one ``mock_aws`` sets)."""
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1", "-1": "-1", "icmpv6": "58"}
_PASCAL_SPECIAL = {"arn": "ARN", "ipSetReferenceStatement": "IPSetReferenceStatement",
                   "ipSetForwardedIpConfig": "IPSetForwardedIPConfig", "sqliMatchStatement": "SqliMatchStatement",
                   "cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}
_ACCOUNT_SINGLETONS = {tok.CONFIG_RECORDER, tok.CONFIG_DELIVERY_CHANNEL, tok.CONFIG_RECORDER_STATUS,
                       tok.SECURITY_HUB_ACCOUNT, tok.SECURITY_HUB_STANDARD, tok.GUARDDUTY_DETECTOR,
                       tok.GUARDDUTY_DETECTOR_FEATURE, tok.INSPECTOR_ENABLER, tok.LOG_RESOURCE_POLICY}
"""One per account and region (a log resource policy: ten), so created for the first copy of a stack only."""
SKIPPED: dict[str, str] = {
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "a Pulumi-side exclusivity marker, no AWS resource",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "a Pulumi-side exclusivity marker",
}


_NO_RETRIES = Config(retries={"total_max_attempts": 1})
"""moto answers at once; a retry would only repeat an action it does not implement."""


class ReplayError(Exception):
    pass


@dataclass
class Replayed:
    physical: dict[str, str] = field(default_factory=dict)
    """Logical name -> the id or ARN moto gave the resource."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Logical name -> why it was not created (moto cannot, or nothing reads it)."""
    created: Counter = field(default_factory=Counter)


def pascal(value: Any) -> Any:
    """Wire-form (camelCase) input in the PascalCase of the AWS API, floats that are whole as ints."""
    if isinstance(value, dict):
        return {_PASCAL_SPECIAL.get(k, k[:1].upper() + k[1:]): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": str(v)} for k, v in (props.get("tags") or {}).items()]


def _tagged(props: dict[str, Any], param: str, as_mapping: bool = False) -> dict[str, Any]:
    """The create call's tags parameter, left out when the plan gives no tags (some APIs reject an empty list)."""
    tags = {k: str(v) for k, v in (props.get("tags") or {}).items()}
    return {param: tags if as_mapping else _tags(props)} if tags else {}


def _spec(kind: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    tags = _tags(props)
    return [{"ResourceType": kind, "Tags": tags}] if tags else []


def _planned_account(resources: Iterable[ResourceView]) -> str | None:
    found: Counter = Counter()
    for r in resources:
        found.update(re.findall(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):", json.dumps(r.props, default=str)))
    return found.most_common(1)[0][0] if found else None


class Replay:
    """Creates a stack's resources in one moto account; one instance per copy of the stack."""

    def __init__(self, session: Any, default_region: str, *, suffix: str = "", singletons: bool = True,
                 endpoint_url: str | None = None) -> None:
        credentials = session.get_credentials()
        if credentials is None or credentials.access_key not in FAKE_KEYS:
            raise ReplayError("the replay writes: it only runs with moto's fake credentials (AWS_ACCESS_KEY_ID=testing)")
        self.session = session
        self.region = default_region
        self.suffix = suffix
        self.singletons = singletons
        self.endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}
        self.account = self.client("sts").get_caller_identity()["Account"]
        self.refs: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self.result = Replayed()

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            kwargs = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
            self._clients[key] = self.session.client(service, region_name=key[1], config=_NO_RETRIES, **kwargs)
            if self.endpoint_url:
                one_host(self._clients[key])
        return self._clients[key]

    # --- references -------------------------------------------------------------------------

    def register(self, view: ResourceView, physical_id: str, arn: str | None = None, **extra: str) -> None:
        """Every later reference to ``view`` (by its planned id, ARN or derived name) now means what moto made."""
        name, region = view.name, view.region or self.region
        service = view.type.split(":")[1].split("/")[0]
        kind = view.type.rsplit(":", 1)[-1].lower()
        planned_id, planned_arn = view.props.get("id"), view.props.get("arn")
        self.refs[planned_id if isinstance(planned_id, str) else f"{name}-id"] = physical_id
        if arn:
            self.refs[planned_arn if isinstance(planned_arn, str) else
                      f"arn:aws:{service}:{region}:{self.planned_account}:{kind}/{name}"] = arn
        for token, value in extra.items():
            self.refs[token] = value
        self._pattern = None
        self.result.physical[name] = arn or physical_id
        self.result.created[view.type] += 1

    def sub(self, value: Any) -> Any:
        if isinstance(value, str):
            if value in self.refs:
                return self.refs[value]
            if self._pattern is None and self.refs:
                tokens = sorted(self.refs, key=len, reverse=True)
                self._pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, tokens)) + r")(?![\w-])")
            if self._pattern is not None:
                value = self._pattern.sub(lambda m: self.refs[m.group(1)], value)
            return value.replace(self.planned_account, self.account) if self.planned_account else value
        if isinstance(value, dict):
            return {k: self.sub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.sub(v) for v in value]
        return value

    def physical_name(self, view: ResourceView, props: dict[str, Any], key: str = "name") -> str:
        return f"{props.get(key) or view.name}{self.suffix}"

    # --- the run -----------------------------------------------------------------------------

    def run(self, resources: Iterable[ResourceView]) -> Replayed:
        custom = [r for r in resources if r.custom and not r.type.startswith("pulumi:")]
        self.planned_account = _planned_account(custom)
        unknown = sorted({r.type for r in custom} - set(REPLAYED) - set(SKIPPED))
        if unknown:
            raise ReplayError(f"the replay does not know {', '.join(unknown)}: add a REPLAYED entry or a SKIPPED reason")
        order = {t: i for i, t in enumerate(REPLAYED)}
        for view in sorted((r for r in custom if r.type in REPLAYED), key=lambda r: order[r.type]):
            if not self.singletons and view.type in _ACCOUNT_SINGLETONS:
                self.result.skipped[view.name] = "account-level singleton, created once"
                continue
            props = self.sub(view.props)
            creator = REPLAYED[view.type]
            try:
                if isinstance(creator, Call):
                    creator.create(self, view, props, self.client_for(view))
                else:
                    creator(self, view, props, self.client_for(view))
            except ClientError as exc:
                if not _not_implemented(exc):
                    raise ReplayError(f"{view.type} {view.name}: {exc}") from exc
                self.unsupported(view, exc.operation_name, exc)
            except NotImplementedError as exc:
                self.result.skipped[view.name] = f"moto does not implement it ({exc})"
        for view in custom:
            if view.type in SKIPPED:
                self.result.skipped[view.name] = SKIPPED[view.type]
        return self.result

    def client_for(self, view: ResourceView) -> Callable[[str], Any]:
        region = view.props.get("region") or view.region or self.region
        return lambda service: self.client(service, region)

    def unsupported(self, view: ResourceView, api: str, exc: Exception) -> None:
        self.result.skipped[view.name] = f"moto does not implement {api} ({type(exc).__name__})"


def _not_implemented(exc: ClientError) -> bool:
    """moto's answer to an action it lacks: 404 "Not yet implemented" in-process, 500 from its server."""
    code = str(exc.response.get("Error", {}).get("Code"))
    return code == "404" or (code == "500" and exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 500)


Handler = Callable[[Replay, ResourceView, dict[str, Any], Callable[[str], Any]], None]
"""Creates one resource whose creation takes several dependent calls; a ``Call`` entry covers the rest."""


# --- keys and identity -------------------------------------------------------------------------


def _key(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    kms = c("kms")
    params: dict[str, Any] = {"Description": p.get("description", ""), "Tags": [
        {"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(p)]}
    if p.get("policy"):
        params["Policy"] = p["policy"]
    if p.get("keyUsage"):
        params["KeyUsage"] = p["keyUsage"]
    key = kms.create_key(**params)["KeyMetadata"]
    if p.get("enableKeyRotation"):
        kwargs = {"RotationPeriodInDays": _int(p["rotationPeriodInDays"])} if p.get("rotationPeriodInDays") else {}
        kms.enable_key_rotation(KeyId=key["KeyId"], **kwargs)
    r.register(view, key["KeyId"], key["Arn"])




def _role(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    name = r.physical_name(view, p)
    params = {"RoleName": name, "AssumeRolePolicyDocument": p["assumeRolePolicy"], "Tags": _tags(p),
              "Description": p.get("description", "")}
    if p.get("maxSessionDuration"):
        params["MaxSessionDuration"] = _int(p["maxSessionDuration"])
    role = c("iam").create_role(**params)["Role"]
    r.register(view, name, role["Arn"], **{f"arn:aws:iam:{view.region}:{r.planned_account}:role/{view.name}": role["Arn"],
                                         view.name: name})






# --- network ------------------------------------------------------------------------------------


def _vpc(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    vpc = ec2.create_vpc(CidrBlock=p["cidrBlock"], TagSpecifications=_spec("vpc", p))["Vpc"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        if p.get(attribute) is not None:
            ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], **{attribute[0].upper() + attribute[1:]: {"Value": p[attribute]}})
    default_acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                                     {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    r.register(view, vpc["VpcId"], **{f"{view.name}-default-acl": default_acl["NetworkAclId"]})


def _subnet(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    subnet = ec2.create_subnet(VpcId=p["vpcId"], CidrBlock=p["cidrBlock"], AvailabilityZone=p["availabilityZone"],
                               TagSpecifications=_spec("subnet", p))["Subnet"]
    # Sent explicitly, as the provider does: moto maps public IPs on the first subnet of each zone.
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"],
                                MapPublicIpOnLaunch={"Value": bool(p.get("mapPublicIpOnLaunch"))})
    r.register(view, subnet["SubnetId"], subnet.get("SubnetArn"))


def _internet_gateway(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    igw = ec2.create_internet_gateway(TagSpecifications=_spec("internet-gateway", p))["InternetGateway"]
    if p.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=p["vpcId"])
    r.register(view, igw["InternetGatewayId"])






_ROUTE_TARGETS = {"gatewayId": "GatewayId", "natGatewayId": "NatGatewayId", "egressOnlyGatewayId":
                  "EgressOnlyInternetGatewayId", "transitGatewayId": "TransitGatewayId",
                  "vpcPeeringConnectionId": "VpcPeeringConnectionId", "networkInterfaceId": "NetworkInterfaceId"}


def _route_table(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    table = ec2.create_route_table(VpcId=p["vpcId"], TagSpecifications=_spec("route-table", p))["RouteTable"]
    for route in p.get("routes") or []:
        params = {api: route[key] for key, api in _ROUTE_TARGETS.items() if route.get(key)}
        if route.get("cidrBlock"):
            params["DestinationCidrBlock"] = route["cidrBlock"]
        if route.get("ipv6CidrBlock"):
            params["DestinationIpv6CidrBlock"] = route["ipv6CidrBlock"]
        ec2.create_route(RouteTableId=table["RouteTableId"], **params)
    r.register(view, table["RouteTableId"])




def _acl_entries(ec2: Any, acl_id: str, p: dict[str, Any]) -> None:
    for egress, entries in ((False, p.get("ingress") or []), (True, p.get("egress") or [])):
        for entry in entries:
            params: dict[str, Any] = {"NetworkAclId": acl_id, "RuleNumber": _int(entry["ruleNo"]), "Egress": egress,
                                      "Protocol": _PROTOCOL_NUMBERS.get(str(entry["protocol"]), str(entry["protocol"])),
                                      "RuleAction": entry["action"]}
            if entry.get("cidrBlock"):
                params["CidrBlock"] = entry["cidrBlock"]
            if entry.get("ipv6CidrBlock"):
                params["Ipv6CidrBlock"] = entry["ipv6CidrBlock"]
            if params["Protocol"] in ("6", "17"):
                params["PortRange"] = {"From": _int(entry.get("fromPort")), "To": _int(entry.get("toPort"))}
            ec2.create_network_acl_entry(**params)


def _default_network_acl(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    """Adopting the default ACL: AWS's entries go, the declared ones (if any) take their place."""
    ec2 = c("ec2")
    acl_id = p["defaultNetworkAclId"]
    acl = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]
    for entry in acl.get("Entries") or []:
        if entry["RuleNumber"] != 32767:
            ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=entry["RuleNumber"], Egress=entry["Egress"])
    _acl_entries(ec2, acl_id, p)
    if _tags(p):
        ec2.create_tags(Resources=[acl_id], Tags=_tags(p))
    r.register(view, acl_id)


def _network_acl(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    acl_id = ec2.create_network_acl(VpcId=p["vpcId"], TagSpecifications=_spec("network-acl", p))["NetworkAcl"][
        "NetworkAclId"]
    _acl_entries(ec2, acl_id, p)
    for subnet_id in p.get("subnetIds") or []:
        current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
        for acl in current["NetworkAcls"]:
            for assoc in acl["Associations"]:
                if assoc["SubnetId"] == subnet_id:
                    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"],
                                                        NetworkAclId=acl_id)
    r.register(view, acl_id)




def _security_group(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    group_id = ec2.create_security_group(GroupName=r.physical_name(view, p), Description=p.get("description") or "-",
                                         VpcId=p["vpcId"], TagSpecifications=_spec("security-group", p))["GroupId"]
    # The provider removes the allow-all egress rule AWS adds to every new group.
    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[{"IpProtocol": "-1",
                                                                       "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    r.register(view, group_id)




def _default_security_group(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ec2 = c("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [p["vpcId"]]},
                                                  {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    if _tags(p):
        ec2.create_tags(Resources=[group["GroupId"]], Tags=_tags(p))
    r.register(view, group["GroupId"])


def _permission(p: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": str(p["ipProtocol"])}
    if permission["IpProtocol"] != "-1":
        permission.update(FromPort=_int(p.get("fromPort")), ToPort=_int(p.get("toPort")))
    description = {"Description": p["description"]} if p.get("description") else {}
    if p.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": p["cidrIpv4"], **description}]
    if p.get("cidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": p["cidrIpv6"], **description}]
    if p.get("prefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": p["prefixListId"], **description}]
    if p.get("referencedSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": p["referencedSecurityGroupId"], **description}]
    return permission






def _log_group(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    logs = c("logs")
    name = r.physical_name(view, p)
    params = {"logGroupName": name, **({"kmsKeyId": p["kmsKeyId"]} if p.get("kmsKeyId") else {}),
              **_tagged(p, "tags", as_mapping=True)}
    logs.create_log_group(**params)
    if p.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=_int(p["retentionInDays"]))
    arn = f"arn:aws:logs:{view.region}:{r.account}:log-group:{name}"
    r.register(view, name, arn, **{f"arn:aws:cloudwatch:{view.region}:{r.planned_account}:loggroup/{view.name}": arn})






# --- storage ------------------------------------------------------------------------------------


def _bucket(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    name = (f"{p['bucket']}{r.suffix}" if p.get("bucket")
            else f"{p.get('bucketPrefix') or view.name + '-'}{uuid.uuid4().hex[:10]}")
    params: dict[str, Any] = {"Bucket": name}
    if view.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": view.region}
    if p.get("objectLockEnabled"):
        params["ObjectLockEnabledForBucket"] = True
    c("s3").create_bucket(**params)
    if _tags(p):
        c("s3").put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(p)})
    r.register(view, name, f"arn:aws:s3:::{name}", **{f"{view.name}-bucket": name})












def _default_encryption(default: dict[str, Any] | None) -> dict[str, Any]:
    default = default or {}
    applied = {"SSEAlgorithm": default.get("sseAlgorithm")}
    if default.get("kmsMasterKeyId"):
        applied["KMSMasterKeyID"] = default["kmsMasterKeyId"]
    return applied


def _bucket_logging(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    """moto 5.2.5's put_bucket_logging cannot parse a target policy with ``"Principal": "*"`` (it
    calls .get on it), so for the call the target keeps only its statements with a mapping principal
    (the logging grant among them); the whole policy is put back afterwards."""
    s3, target = c("s3"), p["targetBucket"]
    try:
        policy = s3.get_bucket_policy(Bucket=target)["Policy"]
    except s3.exceptions.ClientError:
        policy = None
    if policy is not None:
        document = json.loads(policy)
        document["Statement"] = [st for st in document["Statement"] if isinstance(st.get("Principal"), dict)]
        s3.put_bucket_policy(Bucket=target, Policy=json.dumps(document))
    s3.put_bucket_logging(Bucket=p["bucket"], BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": p.get("targetPrefix", "")}})
    if policy is not None:
        s3.put_bucket_policy(Bucket=target, Policy=policy)
    r.register(view, p["bucket"])






# --- data stores --------------------------------------------------------------------------------








def _parameter_group(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    rds = c("rds")
    name = r.physical_name(view, p)
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=p["family"],
                                  Description=p.get("description") or name, **_tagged(p, "Tags"))
    if p.get("parameters"):
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[
            {"ParameterName": x["name"], "ParameterValue": str(x["value"]), "ApplyMethod": x.get("applyMethod", "immediate")}
            for x in p["parameters"]])
    r.register(view, name, None, **{view.name: name})




def _db_instance(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    identifier = f"{p.get('identifier') or view.name}{r.suffix}"
    optional = {"StorageEncrypted": "storageEncrypted", "KmsKeyId": "kmsKeyId",
                "ManageMasterUserPassword": "manageMasterUserPassword",
                "MasterUserSecretKmsKeyId": "masterUserSecretKmsKeyId", "VpcSecurityGroupIds": "vpcSecurityGroupIds",
                "DBSubnetGroupName": "dbSubnetGroupName", "DBParameterGroupName": "parameterGroupName",
                "PubliclyAccessible": "publiclyAccessible", "DeletionProtection": "deletionProtection",
                "AutoMinorVersionUpgrade": "autoMinorVersionUpgrade", "CACertificateIdentifier": "caCertIdentifier",
                "EnableIAMDatabaseAuthentication": "iamDatabaseAuthenticationEnabled", "MultiAZ": "multiAz",
                "EngineVersion": "engineVersion", "StorageType": "storageType", "MasterUsername": "username",
                "CopyTagsToSnapshot": "copyTagsToSnapshot", "EnableCloudwatchLogsExports": "enabledCloudwatchLogsExports"}
    params: dict[str, Any] = {api: p[key] for api, key in optional.items() if p.get(key) is not None}
    params.update(DBInstanceIdentifier=identifier, Engine=p["engine"], DBInstanceClass=p["instanceClass"],
                  AllocatedStorage=_int(p.get("allocatedStorage") or 20), Tags=_tags(p))
    for api, key in (("BackupRetentionPeriod", "backupRetentionPeriod"), ("Port", "port")):
        if p.get(key) is not None:
            params[api] = _int(p[key])
    db = c("rds").create_db_instance(**params)["DBInstance"]
    secret = (db.get("MasterUserSecret") or {}).get("SecretArn")
    if secret:  # RDS rotates the master user secret it manages every 7 days; moto does not model that
        c("secretsmanager").rotate_secret(SecretId=secret, RotationRules={"AutomaticallyAfterDays": 7},
                                          RotateImmediately=False)
    r.register(view, db.get("DbiResourceId") or identifier, db["DBInstanceArn"],
               **{f"arn:aws:rds:{view.region}:{r.planned_account}:instance/{view.name}": db["DBInstanceArn"]})


def _table(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    ddb = c("dynamodb")
    name = r.physical_name(view, p)
    keys = [{"AttributeName": p["hashKey"], "KeyType": "HASH"}]
    if p.get("rangeKey"):
        keys.append({"AttributeName": p["rangeKey"], "KeyType": "RANGE"})
    params: dict[str, Any] = {
        "TableName": name, "KeySchema": keys, "BillingMode": p.get("billingMode", "PAY_PER_REQUEST"),
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in p["attributes"]],
        "DeletionProtectionEnabled": bool(p.get("deletionProtectionEnabled")), "Tags": _tags(p)}
    sse = p.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        params["SSESpecification"] = {"Enabled": True, "SSEType": "KMS",
                                      **({"KMSMasterKeyId": sse["kmsKeyArn"]} if sse.get("kmsKeyArn") else {})}
    table = ddb.create_table(**params)["TableDescription"]
    if (p.get("ttl") or {}).get("enabled"):
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": p["ttl"]["attributeName"]})
    if (p.get("pointInTimeRecovery") or {}).get("enabled"):
        ddb.update_continuous_backups(TableName=name,
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    r.register(view, name, table["TableArn"])










# --- backups ------------------------------------------------------------------------------------








def _plan(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    rules = []
    for rule in p.get("rules") or []:
        item: dict[str, Any] = {"RuleName": rule["ruleName"], "TargetBackupVaultName": rule["targetVaultName"],
                                "ScheduleExpression": rule["schedule"]}
        for key, api in (("startWindow", "StartWindowMinutes"), ("completionWindow", "CompletionWindowMinutes")):
            if rule.get(key) is not None:
                item[api] = _int(rule[key])
        if rule.get("enableContinuousBackup") is not None:
            item["EnableContinuousBackup"] = rule["enableContinuousBackup"]
        if rule.get("lifecycle"):
            item["Lifecycle"] = {"DeleteAfterDays": _int(rule["lifecycle"].get("deleteAfter"))}
        item["CopyActions"] = [{"DestinationBackupVaultArn": copy["destinationVaultArn"],
                                "Lifecycle": {"DeleteAfterDays": _int((copy.get("lifecycle") or {}).get("deleteAfter"))}}
                               for copy in rule.get("copyActions") or []]
        rules.append(item)
    plan = c("backup").create_backup_plan(BackupPlan={"BackupPlanName": r.physical_name(view, p), "Rules": rules},
                                          **_tagged(p, "BackupPlanTags", as_mapping=True))
    r.register(view, plan["BackupPlanId"], plan["BackupPlanArn"])




# --- edge ---------------------------------------------------------------------------------------


_LB_ATTRIBUTES = {"dropInvalidHeaderFields": "routing.http.drop_invalid_header_fields.enabled",
                  "desyncMitigationMode": "routing.http.desync_mitigation_mode",
                  "enableDeletionProtection": "deletion_protection.enabled", "enableHttp2": "routing.http2.enabled",
                  "enableWafFailOpen": "waf.fail_open.enabled", "idleTimeout": "idle_timeout.timeout_seconds"}


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(_int(value)) if isinstance(value, float) else str(value)




def _load_balancer(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    elb = c("elbv2")
    lb = elb.create_load_balancer(
        Name=r.physical_name(view, p)[:32], Subnets=p["subnets"], SecurityGroups=p.get("securityGroups") or [],
        Scheme="internal" if p.get("internal") else "internet-facing", Type=p.get("loadBalancerType", "application"),
        IpAddressType=p.get("ipAddressType", "ipv4"), Tags=_tags(p))["LoadBalancers"][0]
    attributes = [{"Key": api, "Value": _attribute(p[key])} for key, api in _LB_ATTRIBUTES.items() if key in p]
    logs = p.get("accessLogs") or {}
    if logs:
        attributes += [{"Key": "access_logs.s3.enabled", "Value": _attribute(bool(logs.get("enabled")))},
                       {"Key": "access_logs.s3.bucket", "Value": logs.get("bucket") or ""}]
    elb.modify_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"], Attributes=attributes)
    r.register(view, lb["LoadBalancerArn"], lb["LoadBalancerArn"])


def _certificate(r: Replay, arn: str, region: str) -> str:
    if arn not in r.refs:
        issued = r.client("acm", region).request_certificate(DomainName="example.com")["CertificateArn"]
        r.refs[arn] = issued
        r._pattern = None
    return r.refs[arn]


def _listener(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    elb = c("elbv2")
    actions = []
    for action in p.get("defaultActions") or []:
        converted: dict[str, Any] = {"Type": action["type"]}
        if action.get("targetGroupArn"):
            converted["TargetGroupArn"] = action["targetGroupArn"]
        for key, api in (("redirect", "RedirectConfig"), ("fixedResponse", "FixedResponseConfig")):
            if action.get(key):
                converted[api] = pascal(action[key])
        actions.append(converted)
    params: dict[str, Any] = {"LoadBalancerArn": p["loadBalancerArn"], "Protocol": p["protocol"],
                              "Port": _int(p["port"]), "DefaultActions": actions, **_tagged(p, "Tags")}
    if p.get("sslPolicy"):
        params["SslPolicy"] = p["sslPolicy"]
    if p.get("certificateArn"):
        params["Certificates"] = [{"CertificateArn": _certificate(r, p["certificateArn"], view.region or r.region)}]
    listener = elb.create_listener(**params)["Listeners"][0]
    attributes = [{"Key": _LISTENER_ATTRIBUTES[key], "Value": _attribute(value)}
                  for key, value in p.items() if key in _LISTENER_ATTRIBUTES]
    if attributes:
        elb.modify_listener_attributes(ListenerArn=listener["ListenerArn"], Attributes=attributes)
    r.register(view, listener["ListenerArn"], listener["ListenerArn"])


_LISTENER_ATTRIBUTES = {
    "routingHttpResponseStrictTransportSecurityHeaderValue": "routing.http.response.strict_transport_security.header_value",
    "routingHttpResponseServerEnabled": "routing.http.response.server.enabled",
    "routingHttpResponseXContentTypeOptionsHeaderValue": "routing.http.response.x_content_type_options.header_value",
    "routingHttpResponseXFrameOptionsHeaderValue": "routing.http.response.x_frame_options.header_value",
    "routingHttpResponseContentSecurityPolicyHeaderValue": "routing.http.response.content_security_policy.header_value",
}










# --- monitoring ---------------------------------------------------------------------------------


def _trail(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    cloudtrail = c("cloudtrail")
    name = r.physical_name(view, p)
    options = {"IsMultiRegionTrail": "isMultiRegionTrail", "IncludeGlobalServiceEvents": "includeGlobalServiceEvents",
               "EnableLogFileValidation": "enableLogFileValidation", "KmsKeyId": "kmsKeyId",
               "CloudWatchLogsLogGroupArn": "cloudWatchLogsGroupArn", "CloudWatchLogsRoleArn": "cloudWatchLogsRoleArn",
               "IsOrganizationTrail": "isOrganizationTrail", "S3KeyPrefix": "s3KeyPrefix"}
    params = {api: p[key] for api, key in options.items() if p.get(key) is not None}
    trail = cloudtrail.create_trail(Name=name, S3BucketName=p["s3BucketName"], **params, **_tagged(p, "TagsList"))
    if p.get("advancedEventSelectors"):
        cloudtrail.put_event_selectors(TrailName=name, AdvancedEventSelectors=pascal(p["advancedEventSelectors"]))
    if p.get("enableLogging", True):
        cloudtrail.start_logging(Name=name)
    r.register(view, trail["TrailARN"], trail["TrailARN"])








def _detector_feature(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    guardduty = c("guardduty")
    current = guardduty.get_detector(DetectorId=p["detectorId"])
    features = {f["Name"]: f for f in current.get("Features") or []}
    feature: dict[str, Any] = {"Name": p["name"], "Status": p["status"]}
    if p.get("additionalConfigurations"):
        feature["AdditionalConfiguration"] = pascal(p["additionalConfigurations"])
    features[p["name"]] = feature
    guardduty.update_detector(DetectorId=p["detectorId"], Features=list(features.values()))
    r.register(view, f"{p['detectorId']}/{p['name']}")










def _recorder_status(r: Replay, view: ResourceView, p: dict[str, Any], c: Callable[[str], Any]) -> None:
    if p.get("isEnabled"):
        c("config").start_configuration_recorder(ConfigurationRecorderName=p["name"])
    r.register(view, p["name"])




def _arg(name: str) -> Callable[[Replay, dict[str, Any], dict[str, Any]], str]:
    """The physical id is one of the call's own arguments (a bucket name, a role/policy pair...)."""
    return lambda r, args, answer: args[name]


def _dig(answer: Any, path: str) -> Any:
    """``"TargetGroups.0.TargetGroupArn"`` in a boto3 answer (None where a step is missing)."""
    for step in path.split("."):
        if isinstance(answer, list):
            answer = answer[int(step)] if len(answer) > int(step) else None
        elif isinstance(answer, dict):
            answer = answer.get(step)
    return answer


def _ints(**values: Any) -> dict[str, int]:
    """Optional whole-number arguments: the ones the plan sets, as ints."""
    return {api: _int(value) for api, value in values.items() if value is not None}


@dataclass(frozen=True)
class Call:
    """One resource type the replay creates with a single boto3 call: its arguments come from the
    planned (already rewritten) properties, its physical id and ARN from moto's answer."""

    service: str
    method: str
    args: Callable[[Replay, ResourceView, dict[str, Any]], dict[str, Any]]
    id: str | Callable[[Replay, dict[str, Any], dict[str, Any]], str]
    """A dotted path into the answer, or a function of (replay, arguments, answer)."""
    arn: str | None = None
    by_name: bool = False
    """Other resources name it by its logical name (a vault, a subnet group): rewrite that too."""

    def create(self, r: Replay, view: ResourceView, p: dict[str, Any], client: Callable[[str], Any]) -> None:
        args = self.args(r, view, p)
        answer = getattr(client(self.service), self.method)(**args)
        physical = _dig(answer, self.id) if isinstance(self.id, str) else self.id(r, args, answer)
        r.register(view, physical, _dig(answer, self.arn) if self.arn else None,
                   **({view.name: physical} if self.by_name else {}))


REPLAYED: dict[str, Call | Handler] = {
    # One entry per type, in creation order: a resource comes after everything it refers to. A Call
    # covers a type created by one boto3 call; a function the few that take several dependent calls.
    tok.KMS_KEY: _key,
    tok.KMS_ALIAS: Call("kms", "create_alias", lambda r, v, p: {
        "AliasName": r.physical_name(v, p), "TargetKeyId": p["targetKeyId"]}, _arg("AliasName")),
    tok.IAM_ROLE: _role,
    ROLE_POLICY: Call("iam", "put_role_policy", lambda r, v, p: {
        "RoleName": p["role"], "PolicyName": p.get("name") or v.name, "PolicyDocument": p["policy"]},
        lambda r, a, _: f"{a['RoleName']}:{a['PolicyName']}"),
    ROLE_POLICY_ATTACHMENT: Call("iam", "attach_role_policy", lambda r, v, p: {
        "RoleName": p["role"], "PolicyArn": p["policyArn"]}, lambda r, a, _: f"{a['RoleName']}/{a['PolicyArn']}"),
    tok.VPC: _vpc,
    tok.SUBNET: _subnet,
    tok.INTERNET_GATEWAY: _internet_gateway,
    tok.EIP: Call("ec2", "allocate_address", lambda r, v, p: {"Domain": "vpc", "TagSpecifications": _spec("elastic-ip", p)},
                  "AllocationId"),
    NAT_GATEWAY: Call("ec2", "create_nat_gateway", lambda r, v, p: {
        "SubnetId": p["subnetId"], "AllocationId": p["allocationId"], "TagSpecifications": _spec("natgateway", p)},
        "NatGateway.NatGatewayId"),
    tok.ROUTE_TABLE: _route_table,
    tok.ROUTE_TABLE_ASSOCIATION: Call("ec2", "associate_route_table", lambda r, v, p: {
        "RouteTableId": p["routeTableId"], "SubnetId": p["subnetId"]}, "AssociationId"),
    tok.NETWORK_ACL: _network_acl,
    tok.DEFAULT_NETWORK_ACL: _default_network_acl,
    tok.ACCOUNT_PUBLIC_ACCESS_BLOCK: Call("s3control", "put_public_access_block", lambda r, v, p: {
        "AccountId": r.account,
        "PublicAccessBlockConfiguration": {k[0].upper() + k[1:]: bool(p.get(k)) for k in PUBLIC_ACCESS_FLAGS}},
        _arg("AccountId")),
    tok.MANAGED_PREFIX_LIST: Call("ec2", "create_managed_prefix_list", lambda r, v, p: {
        "PrefixListName": r.physical_name(v, p), "MaxEntries": _int(p["maxEntries"]),
        "AddressFamily": p["addressFamily"], "TagSpecifications": _spec("prefix-list", p),
        "Entries": [{"Cidr": e["cidr"], "Description": e.get("description", "")} for e in p.get("entries") or []]},
        "PrefixList.PrefixListId", "PrefixList.PrefixListArn"),
    tok.SECURITY_GROUP: _security_group,
    tok.DEFAULT_SECURITY_GROUP: _default_security_group,
    tok.SECURITY_GROUP_INGRESS_RULE: Call("ec2", "authorize_security_group_ingress", lambda r, v, p: {
        "GroupId": p["securityGroupId"], "IpPermissions": [_permission(p)],
        "TagSpecifications": _spec("security-group-rule", p)}, "SecurityGroupRules.0.SecurityGroupRuleId"),
    tok.SECURITY_GROUP_EGRESS_RULE: Call("ec2", "authorize_security_group_egress", lambda r, v, p: {
        "GroupId": p["securityGroupId"], "IpPermissions": [_permission(p)],
        "TagSpecifications": _spec("security-group-rule", p)}, "SecurityGroupRules.0.SecurityGroupRuleId"),
    tok.LOG_GROUP: _log_group,
    tok.FLOW_LOG: Call("ec2", "create_flow_logs", lambda r, v, p: {
        "ResourceIds": [p["vpcId"]], "ResourceType": "VPC", "TrafficType": p["trafficType"],
        "LogDestinationType": p.get("logDestinationType", "cloud-watch-logs"), "LogDestination": p["logDestination"],
        **({"DeliverLogsPermissionArn": p["iamRoleArn"]} if p.get("iamRoleArn") else {}),
        **_ints(MaxAggregationInterval=p.get("maxAggregationInterval")), "TagSpecifications": _spec("vpc-flow-log", p)},
        "FlowLogIds.0"),
    tok.VPC_ENDPOINT: Call("ec2", "create_vpc_endpoint", lambda r, v, p: {
        "VpcId": p["vpcId"], "ServiceName": p["serviceName"], "VpcEndpointType": p.get("vpcEndpointType", "Gateway"),
        **{api: p[key] for key, api in (("subnetIds", "SubnetIds"), ("securityGroupIds", "SecurityGroupIds"),
                                        ("routeTableIds", "RouteTableIds"), ("policy", "PolicyDocument")) if p.get(key)},
        **({"PrivateDnsEnabled": p["privateDnsEnabled"]} if p.get("privateDnsEnabled") is not None else {}),
        **({"TagSpecifications": _spec("vpc-endpoint", p)} if _tags(p) else {})}, "VpcEndpoint.VpcEndpointId"),
    tok.BUCKETS[0]: _bucket,
    tok.BUCKET_PUBLIC_ACCESS_BLOCK: Call("s3", "put_public_access_block", lambda r, v, p: {
        "Bucket": p["bucket"], "PublicAccessBlockConfiguration": {
            f[0].upper() + f[1:]: bool(p.get(f)) for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                            "restrictPublicBuckets")}}, _arg("Bucket")),
    tok.BUCKET_ENCRYPTION[0]: Call("s3", "put_bucket_encryption", lambda r, v, p: {
        "Bucket": p["bucket"], "ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": _default_encryption(rule.get("applyServerSideEncryptionByDefault")),
             "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled"))} for rule in p.get("rules") or []]}},
        _arg("Bucket")),
    tok.BUCKET_VERSIONING[0]: Call("s3", "put_bucket_versioning", lambda r, v, p: {
        "Bucket": p["bucket"], "VersioningConfiguration": {"Status": p["versioningConfiguration"]["status"]}},
        _arg("Bucket")),
    tok.BUCKET_POLICY: Call("s3", "put_bucket_policy", lambda r, v, p: {"Bucket": p["bucket"], "Policy": p["policy"]},
                            _arg("Bucket")),
    BUCKET_OWNERSHIP_CONTROLS: Call("s3", "put_bucket_ownership_controls", lambda r, v, p: {
        "Bucket": p["bucket"], "OwnershipControls": {"Rules": [pascal(p["rule"])]}}, _arg("Bucket")),
    BUCKET_LIFECYCLE: Call("s3", "put_bucket_lifecycle_configuration", lambda r, v, p: {
        "Bucket": p["bucket"], "LifecycleConfiguration": {"Rules": [
            {("ID" if k == "Id" else k): value for k, value in rule.items()} for rule in pascal(p["rules"])]}},
        _arg("Bucket")),
    BUCKET_LOGGING: _bucket_logging,
    BUCKET_OBJECT_LOCK: Call("s3", "put_object_lock_configuration", lambda r, v, p: {
        "Bucket": p["bucket"], "ObjectLockConfiguration": {
            "ObjectLockEnabled": "Enabled", **({"Rule": pascal(p["rule"])} if p.get("rule") else {})}}, _arg("Bucket")),
    tok.SNS_TOPIC: Call("sns", "create_topic", lambda r, v, p: {
        "Name": r.physical_name(v, p),
        "Attributes": {"KmsMasterKeyId": p["kmsMasterKeyId"]} if p.get("kmsMasterKeyId") else {}, **_tagged(p, "Tags")},
        "TopicArn", "TopicArn"),
    TOPIC_POLICY: Call("sns", "set_topic_attributes", lambda r, v, p: {
        "TopicArn": p["arn"], "AttributeName": "Policy", "AttributeValue": p["policy"]}, _arg("TopicArn")),
    tok.SNS_TOPIC_SUBSCRIPTION: Call("sns", "subscribe", lambda r, v, p: {
        "TopicArn": p["topic"], "Protocol": p["protocol"], "Endpoint": p["endpoint"], "ReturnSubscriptionArn": True},
        "SubscriptionArn", "SubscriptionArn"),
    tok.RDS_PARAMETER_GROUP: _parameter_group,
    tok.RDS_SUBNET_GROUP: Call("rds", "create_db_subnet_group", lambda r, v, p: {
        "DBSubnetGroupName": r.physical_name(v, p),
        "DBSubnetGroupDescription": p.get("description") or r.physical_name(v, p), "SubnetIds": p["subnetIds"],
        **_tagged(p, "Tags")},
        _arg("DBSubnetGroupName"), by_name=True),
    tok.RDS_INSTANCE: _db_instance,
    tok.DYNAMODB_TABLE: _table,
    tok.DYNAMODB_RESOURCE_POLICY: Call("dynamodb", "put_resource_policy", lambda r, v, p: {
        "ResourceArn": p["resourceArn"], "Policy": p["policy"]}, _arg("ResourceArn")),
    tok.LOG_RESOURCE_POLICY: Call("logs", "put_resource_policy", lambda r, v, p: {
        "policyName": r.physical_name(v, p, "policyName"), "policyDocument": p["policyDocument"]},
        _arg("policyName")),
    tok.SECRET: Call("secretsmanager", "create_secret", lambda r, v, p: {
        "Name": r.physical_name(v, p), "Description": p.get("description", ""), "Tags": _tags(p),
        **({"KmsKeyId": p["kmsKeyId"]} if p.get("kmsKeyId") else {})}, "ARN", "ARN"),
    SECRET_POLICY: Call("secretsmanager", "put_resource_policy", lambda r, v, p: {
        "SecretId": p["secretArn"], "ResourcePolicy": p["policy"]}, _arg("SecretId")),
    tok.BACKUP_VAULT: Call("backup", "create_backup_vault", lambda r, v, p: {
        "BackupVaultName": r.physical_name(v, p), **({"EncryptionKeyArn": p["kmsKeyArn"]} if p.get("kmsKeyArn") else {}),
        **_tagged(p, "BackupVaultTags", as_mapping=True)},
        _arg("BackupVaultName"), "BackupVaultArn", by_name=True),
    tok.BACKUP_VAULT_LOCK: Call("backup", "put_backup_vault_lock_configuration", lambda r, v, p: {
        "BackupVaultName": p["backupVaultName"], **_ints(
            MinRetentionDays=p.get("minRetentionDays"), MaxRetentionDays=p.get("maxRetentionDays"),
            ChangeableForDays=p.get("changeableForDays"))}, _arg("BackupVaultName")),
    tok.BACKUP_VAULT_POLICY: Call("backup", "put_backup_vault_access_policy", lambda r, v, p: {
        "BackupVaultName": p["backupVaultName"], "Policy": p["policy"]}, _arg("BackupVaultName")),
    VAULT_NOTIFICATIONS: Call("backup", "put_backup_vault_notifications", lambda r, v, p: {
        "BackupVaultName": p["backupVaultName"], "SNSTopicArn": p["snsTopicArn"],
        "BackupVaultEvents": p["backupVaultEvents"]}, _arg("BackupVaultName")),
    tok.BACKUP_PLAN: _plan,
    tok.BACKUP_SELECTION: Call("backup", "create_backup_selection", lambda r, v, p: {
        "BackupPlanId": p["planId"], "BackupSelection": {
            "SelectionName": r.physical_name(v, p), "IamRoleArn": p["iamRoleArn"], "Resources": p.get("resources") or []}},
        "SelectionId"),
    tok.TARGET_GROUPS[0]: Call("elbv2", "create_target_group", lambda r, v, p: {
        "Name": r.physical_name(v, p)[:32], "Protocol": p["protocol"], "Port": _int(p["port"]), "VpcId": p["vpcId"],
        "TargetType": p.get("targetType", "instance"), **_tagged(p, "Tags")},
        "TargetGroups.0.TargetGroupArn", "TargetGroups.0.TargetGroupArn"),
    tok.LOAD_BALANCERS[0]: _load_balancer,
    tok.LISTENERS[0]: _listener,
    tok.IP_SET: Call("wafv2", "create_ip_set", lambda r, v, p: {
        "Name": r.physical_name(v, p), "Scope": p.get("scope", "REGIONAL"), "IPAddressVersion": p["ipAddressVersion"],
        "Addresses": p.get("addresses") or [], "Description": p.get("description", ""), **_tagged(p, "Tags")}, "Summary.Id", "Summary.ARN"),
    tok.WEB_ACL: Call("wafv2", "create_web_acl", lambda r, v, p: {
        "Name": r.physical_name(v, p), "Scope": p.get("scope", "REGIONAL"), "DefaultAction": pascal(p["defaultAction"]),
        "Rules": pascal(p.get("rules") or []), "VisibilityConfig": pascal(p["visibilityConfig"]),
        "Description": p.get("description", ""), **_tagged(p, "Tags")}, "Summary.Id", "Summary.ARN"),
    tok.WEB_ACL_ASSOCIATION: Call("wafv2", "associate_web_acl", lambda r, v, p: {
        "WebACLArn": p["webAclArn"], "ResourceArn": p["resourceArn"]},
        lambda r, a, _: f"{a['WebACLArn']},{a['ResourceArn']}"),
    WAF_LOGGING: Call("wafv2", "put_logging_configuration", lambda r, v, p: {"LoggingConfiguration": {
        "ResourceArn": p["resourceArn"], "LogDestinationConfigs": p["logDestinationConfigs"],
        "RedactedFields": pascal(p.get("redactedFields") or [])}},
        lambda r, a, _: a["LoggingConfiguration"]["ResourceArn"]),
    tok.TRAIL: _trail,
    tok.LOG_METRIC_FILTER: Call("logs", "put_metric_filter", lambda r, v, p: {
        "logGroupName": p["logGroupName"], "filterName": r.physical_name(v, p), "filterPattern": p["pattern"],
        "metricTransformations": [{"metricName": p["metricTransformation"]["name"],
                                   "metricNamespace": p["metricTransformation"]["namespace"],
                                   "metricValue": str(p["metricTransformation"]["value"])}]}, _arg("filterName")),
    tok.METRIC_ALARM: Call("cloudwatch", "put_metric_alarm", lambda r, v, p: {
        "AlarmName": r.physical_name(v, p), "MetricName": p["metricName"], "Namespace": p["namespace"],
        "Statistic": p["statistic"], "Period": _int(p["period"]), "EvaluationPeriods": _int(p["evaluationPeriods"]),
        "Threshold": float(p["threshold"]), "ComparisonOperator": p["comparisonOperator"],
        "AlarmActions": p.get("alarmActions") or [], "TreatMissingData": p.get("treatMissingData", "missing"),
        "AlarmDescription": p.get("alarmDescription", ""), **_tagged(p, "Tags")}, _arg("AlarmName")),
    tok.GUARDDUTY_DETECTOR: Call("guardduty", "create_detector", lambda r, v, p: {
        "Enable": bool(p.get("enable", True)),
        "FindingPublishingFrequency": p.get("findingPublishingFrequency", "SIX_HOURS"),
        **_tagged(p, "Tags", as_mapping=True)}, "DetectorId"),
    tok.GUARDDUTY_DETECTOR_FEATURE: _detector_feature,
    tok.SECURITY_HUB_ACCOUNT: Call("securityhub", "enable_security_hub", lambda r, v, p: {
        "EnableDefaultStandards": bool(p.get("enableDefaultStandards", True)),
        **({"ControlFindingGenerator": p["controlFindingGenerator"]} if p.get("controlFindingGenerator") else {})},
        lambda r, a, _: r.account),
    tok.SECURITY_HUB_STANDARD: Call("securityhub", "batch_enable_standards", lambda r, v, p: {
        "StandardsSubscriptionRequests": [{"StandardsArn": p["standardsArn"]}]},
        lambda r, a, _: a["StandardsSubscriptionRequests"][0]["StandardsArn"]),
    EVENT_RULE: Call("events", "put_rule", lambda r, v, p: {
        "Name": r.physical_name(v, p), "Description": p.get("description", ""),
        **{api: p[key] for key, api in (("eventPattern", "EventPattern"), ("scheduleExpression", "ScheduleExpression"))
           if p.get(key)}},
        _arg("Name"), "RuleArn", by_name=True),
    EVENT_TARGET: Call("events", "put_targets", lambda r, v, p: {
        "Rule": p["rule"], "Targets": [{"Id": p.get("targetId") or v.name, "Arn": p["arn"]}]},
        lambda r, a, _: f"{a['Rule']}-{a['Targets'][0]['Id']}"),
    tok.CONFIG_RECORDER: Call("config", "put_configuration_recorder", lambda r, v, p: {"ConfigurationRecorder": {
        "name": p["name"], "roleARN": p["roleArn"], "recordingGroup": p.get("recordingGroup") or {}}},
        lambda r, a, _: a["ConfigurationRecorder"]["name"]),
    tok.CONFIG_DELIVERY_CHANNEL: Call("config", "put_delivery_channel", lambda r, v, p: {"DeliveryChannel": {
        "name": p["name"], "s3BucketName": p["s3BucketName"],
        **({"s3KmsKeyArn": p["s3KmsKeyArn"]} if p.get("s3KmsKeyArn") else {})}},
        lambda r, a, _: a["DeliveryChannel"]["name"]),
    tok.CONFIG_RECORDER_STATUS: _recorder_status,
    tok.INSPECTOR_ENABLER: Call("inspector2", "enable", lambda r, v, p: {
        "accountIds": [r.account], "resourceTypes": p["resourceTypes"]}, lambda r, a, _: r.account),
}


def remove_default_vpcs(session: Any, regions: Iterable[str], endpoint_url: str | None = None) -> None:
    """Delete the default VPC moto (like AWS) creates in every region: a hardened account has none,
    and the baseline does not manage it."""
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    for region in regions:
        ec2 = session.client("ec2", region_name=region, **kwargs)
        for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
            vpc_id = vpc["VpcId"]
            for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
                ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            for igw in ec2.describe_internet_gateways(
                    Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]:
                ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
                ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
            delete_vpc(ec2, vpc_id)


def delete_vpc(ec2: Any, vpc_id: str) -> None:
    """Delete an empty VPC. AWS deletes its default network ACL with it; moto 5.2.5 keeps it (and refuses
    to delete it), allow-all entries and all, so they are removed here."""
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    ec2.delete_vpc(VpcId=vpc_id)
    for acl in acls:
        for entry in acl.get("Entries") or []:
            if entry["RuleNumber"] != 32767:
                ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=entry["RuleNumber"],
                                             Egress=entry["Egress"])


def replay_stack(session: Any, resources: Iterable[ResourceView], default_region: str, *, suffix: str = "",
                 singletons: bool = True, endpoint_url: str | None = None) -> Replayed:
    """Create ``resources`` (a stack's offline graph) in the moto account behind ``session``."""
    return Replay(session, default_region, suffix=suffix, singletons=singletons, endpoint_url=endpoint_url).run(resources)
