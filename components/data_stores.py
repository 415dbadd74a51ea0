"""The application's data stores and the bank channel (APP-1, SOC-1, BANK-1, BANK-2, BANK-3).

Three DynamoDB tables, each under its own customer-managed key so that a key-policy mistake in
one domain exposes only that domain: sessions, OAuth tokens and bank transactions. All three keep
point-in-time recovery and deletion protection, and their ARNs feed the AWS Backup selection.

Sessions and OAuth tokens expire through DynamoDB TTL. TTL deletes expired items in the
background, usually within a few days of expiry, so the application must still treat an item
whose ``expires_at`` is in the past as absent; logout and "disconnect" delete the item at once.

OAuth revocation is deleting the item (no soft-delete flag that a bug could ignore): the user's
"disconnect" button calls ``DeleteItem`` on ``(user_id, provider)``, and an operator does the
same with the AWS CLI (docs/runbooks/revoke-oauth-token.md). Point-in-time recovery keeps
deleted items restorable for 35 days, which is why a revoked token must also be revoked at the
provider: the runbook does both.

The bank channel is built in two steps because of a dependency cycle in its key. The bank-data
key's policy admits only the bank-sync role, so the role must exist before the key, and the
role's permissions name the key, the secret and the transaction table, which need the key. So:
``BankSyncRole`` first (trust only, no permissions), then the bank-data ``DomainKey`` with
``user_role_arns=[role.arn]``, then ``DataStores``, which attaches the role's one inline policy.

Transaction data is walled off three times: its own key, a table resource policy that denies
every data-plane action to any principal but the bank-sync role, and (when the VPC endpoint id
is given) a second deny for any request that does not arrive through the VPC's DynamoDB gateway
endpoint. DynamoDB is a regional service, not a subnet resident: "in the isolated tier" means
reachable only through the gateway endpoint routed from the private route tables.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import arns
from components.iam import service_trust_policy
from components.validation import (
    SECRET_NAME,
    parse_cidr,
    refuse_anywhere,
    refuse_duplicates,
    require,
    require_account_and_region,
    require_key_arn,
)
from posture.facts import TABLE_DATA_ACTIONS  # the policy checks the list the component writes

TLS_PORT = 443
SECRET_RECOVERY_WINDOW_DAYS = 30
MAX_AGGREGATOR_CIDRS = 50
"""A security group holds 60 rules per direction and address family by default; keep room
for the endpoint and prefix-list rules."""
MIN_IPV4_PREFIX = 16
MIN_IPV6_PREFIX = 32
"""Anything broader is a network, not an allowlist of aggregator endpoints."""

BANK_SYNC_SECRET_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
BANK_SYNC_TABLE_ACTIONS = [
    "dynamodb:PutItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
]

_SESSION_KEYS = {"hash": "session_id"}
_OAUTH_KEYS = {"hash": "user_id", "range": "provider"}
_TRANSACTION_KEYS = {"hash": "account_id", "range": "transaction_id"}
_KEY_ATTRIBUTES = {*_SESSION_KEYS.values(), *_OAUTH_KEYS.values(), *_TRANSACTION_KEYS.values()}
_NON_PUBLIC = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "fc00::/7", "fe80::/10", "::1/128")]
"""Ranges that would let bank sync reach internal hosts instead of the aggregator."""
_LAMBDA_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")
_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]+$")
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$")
_ATTRIBUTE = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
_TABLE_PREFIX = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


def _require_arn(value: object, pattern: re.Pattern[str], field_name: str, kind: str, example: str) -> None:
    """Check an ARN given as text; an Output is only known at deploy time and is left to AWS."""
    if isinstance(value, str):
        require(bool(pattern.match(value)), field_name, f"{value!r} is not {kind}", f"pass one like {example}")


@dataclass
class BankSyncRoleArgs:
    account_id: str
    region: str
    service_principal: str = "ecs-tasks.amazonaws.com"
    """The AWS service that runs the bank-sync job and assumes the role on its behalf."""
    role_name: str = "security-baseline-bank-sync"
    """Named, so the key, secret and table policies that admit the role are known at preview."""

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        require(bool(_SERVICE_PRINCIPAL.match(self.service_principal)), "service_principal",
                f"{self.service_principal!r} is not an AWS service principal",
                "name the service that runs the job, e.g. 'ecs-tasks.amazonaws.com'")
        require(bool(_ROLE_NAME.match(self.role_name)), "role_name", f"{self.role_name!r} is not an IAM role name",
                "use up to 64 letters, digits and +=,.@_- characters")


class BankSyncRole(pulumi.ComponentResource):
    """The bank-sync identity, created before the bank-data key so the key policy can name it.

    It starts with no permissions at all; ``DataStores`` attaches its one inline policy and pins
    the role's policy set so nothing added out of band survives the next deployment.
    """

    role: aws.iam.Role
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: BankSyncRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:data:BankSyncRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description="Bank sync: reads the aggregator token and writes the transaction store, nothing else",
            assume_role_policy=service_trust_policy(args.service_principal, args.account_id),
            max_session_duration=3600,
            tags={"domain": "bank-data"},
            opts=child,
        )
        # Managed policies would widen the role past its inline policy; an empty exclusive set
        # removes any that are attached by hand.
        aws.iam.RolePolicyAttachmentsExclusive(f"{name}-no-managed-policies", role_name=self.role.name,
                                               policy_arns=[], opts=child)
        self.arn = arns.known_after(arns.role(args.account_id, args.role_name), self.role)
        self.name = self.role.name
        self.register_outputs({"arn": self.arn, "name": self.name})


@dataclass
class DataStoresArgs:
    account_id: str
    region: str
    vpc_id: pulumi.Input[str]
    session_key_arn: pulumi.Input[str]
    oauth_key_arn: pulumi.Input[str]
    bank_key_arn: pulumi.Input[str]
    """The bank-data key, whose key policy admits only ``bank_sync_role`` (BANK-3)."""
    bank_sync_role: BankSyncRole
    aggregator_cidrs: list[str]
    """The aggregator's published API endpoints: the bank-sync job's only way out (BANK-2)."""
    dynamodb_endpoint_id: pulumi.Input[str] | None = None
    """The VPC's DynamoDB gateway endpoint; when given, every table refuses requests that do not
    arrive through it."""
    dynamodb_prefix_list_id: pulumi.Input[str] | None = None
    """The gateway endpoint's prefix list; when given, bank sync may reach DynamoDB on 443.
    Without it bank sync's egress (aggregators only) cannot reach the transaction table."""
    endpoints_security_group_id: pulumi.Input[str] | None = None
    """The interface endpoints' security group; when given, bank sync may reach Secrets Manager
    through the endpoints (and the endpoints admit bank sync). Without it bank sync cannot fetch
    its token."""
    session_ttl_attribute: str = "expires_at"
    oauth_ttl_attribute: str = "expires_at"
    bank_token_secret_name: str = "security-baseline/bank/aggregator-token"
    rotation_lambda_arn: pulumi.Input[str] | None = None
    """Secrets Manager rotation for the aggregator token. Left unset by default: the aggregator
    issues and rotates its own access tokens through its link flow, and a Secrets Manager rotation
    Lambda would need network access to the aggregator and its client secret, a second copy of the
    credential for no gain. Give a Lambda only if the aggregator supports API-driven rotation."""
    rotation_lambda_role_arn: pulumi.Input[str] | None = None
    """The rotation Lambda's execution role; it must read the token, so the secret admits it."""
    rotation_days: int = 30
    table_name_prefix: str = "security-baseline"
    """Tables are named ``<prefix>-<store>`` so their policies (and bank sync's) are known at preview."""
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        require(bool(_TABLE_PREFIX.match(self.table_name_prefix)), "table_name_prefix",
                f"{self.table_name_prefix!r} cannot start a DynamoDB table name",
                "use up to 200 letters, digits and _.- characters")
        for key_field in ("session_key_arn", "oauth_key_arn", "bank_key_arn"):
            require_key_arn(getattr(self, key_field), key_field, self.region)
        for other in ("session_key_arn", "oauth_key_arn"):
            require(not isinstance(self.bank_key_arn, str) or self.bank_key_arn != getattr(self, other),
                    "bank_key_arn", f"the bank-data key is also {other}",
                    "give transaction data and the bank token their own key")
        for ttl_field in ("session_ttl_attribute", "oauth_ttl_attribute"):
            value = getattr(self, ttl_field)
            require(bool(_ATTRIBUTE.match(value or "")), ttl_field,
                    f"{value!r} is not a DynamoDB attribute name", "name the expiry attribute, e.g. 'expires_at'")
            require(value not in _KEY_ATTRIBUTES, ttl_field, f"{value!r} is a key attribute",
                    "use a separate numeric attribute holding the expiry epoch seconds")
        require(bool(SECRET_NAME.match(self.bank_token_secret_name)), "bank_token_secret_name",
                f"{self.bank_token_secret_name!r} is not a valid secret name",
                "use letters, digits and /_+=.@- only")
        self._validate_aggregator_cidrs()
        require((self.rotation_lambda_arn is None) == (self.rotation_lambda_role_arn is None),
                "rotation_lambda_role_arn", "rotation_lambda_arn and rotation_lambda_role_arn must be given together",
                "give both (the secret must admit the Lambda's role) or neither")
        _require_arn(self.rotation_lambda_arn, _LAMBDA_ARN, "rotation_lambda_arn", "a Lambda function ARN",
                     "arn:aws:lambda:eu-west-1:111122223333:function:rotate-bank-token")
        _require_arn(self.rotation_lambda_role_arn, _ROLE_ARN, "rotation_lambda_role_arn", "an IAM role ARN",
                     "arn:aws:iam::111122223333:role/rotate-bank-token")
        require(1 <= self.rotation_days <= 365, "rotation_days", f"{self.rotation_days} is outside 1..365 days",
                "rotate at least yearly, e.g. every 30 days")

    def _validate_aggregator_cidrs(self) -> None:
        require(len(self.aggregator_cidrs) > 0, "aggregator_cidrs", "no aggregator endpoints given",
                "list the aggregator's published API CIDRs; bank sync may reach nothing else")
        require(len(self.aggregator_cidrs) <= MAX_AGGREGATOR_CIDRS, "aggregator_cidrs",
                f"{len(self.aggregator_cidrs)} entries exceed the {MAX_AGGREGATOR_CIDRS} security-group rules reserved",
                "summarise adjacent ranges")
        refuse_duplicates(self.aggregator_cidrs, "aggregator_cidrs")
        for i, text in enumerate(self.aggregator_cidrs):
            where = f"aggregator_cidrs[{i}]"
            network = parse_cidr(text, where)
            refuse_anywhere(network, where)
            minimum = MIN_IPV4_PREFIX if network.version == 4 else MIN_IPV6_PREFIX
            require(network.prefixlen >= minimum, where, f"{network} is broader than /{minimum}",
                    "list the aggregator's endpoint ranges, not a whole network")
            require(not any(network.overlaps(n) for n in _NON_PUBLIC if n.version == network.version), where,
                    f"{network} overlaps a private or link-local range",
                    "aggregator endpoints are public addresses; AWS APIs are reached through the VPC endpoints")


class DataStores(pulumi.ComponentResource):
    """Session, OAuth-token and transaction tables, the aggregator token secret and bank sync's
    permissions and firewall."""

    session_table_arn: pulumi.Output[str]
    session_table_name: pulumi.Output[str]
    oauth_token_table_arn: pulumi.Output[str]
    oauth_token_table_name: pulumi.Output[str]
    transaction_table_arn: pulumi.Output[str]
    transaction_table_name: pulumi.Output[str]
    bank_token_secret_arn: pulumi.Output[str]
    bank_sync_security_group_id: pulumi.Output[str]
    backup_resource_arns: list[pulumi.Output[str]]
    """Every store AWS Backup can protect; the lead adds them to the backup selection. (Secrets
    Manager is not an AWS Backup resource type; the secret's 30-day recovery window protects it.)"""

    def __init__(self, name: str, args: DataStoresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:data:DataStores", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        role_arn = args.bank_sync_role.arn

        sessions = self._table("sessions", args.session_key_arn, _SESSION_KEYS, args.session_ttl_attribute)
        oauth = self._table("oauth-tokens", args.oauth_key_arn, _OAUTH_KEYS, args.oauth_ttl_attribute)
        transactions = self._table("transactions", args.bank_key_arn, _TRANSACTION_KEYS, None)
        if args.dynamodb_endpoint_id is not None:
            self._table_policy("sessions", sessions, None)
            self._table_policy("oauth-tokens", oauth, None)
        self._table_policy("transactions", transactions, role_arn)

        secret = self._bank_token_secret(role_arn)
        self._bank_sync_policy()
        security_group = self._bank_sync_security_group()

        self.session_table_arn, self.session_table_name = sessions.arn, sessions.name
        self.oauth_token_table_arn, self.oauth_token_table_name = oauth.arn, oauth.name
        self.transaction_table_arn, self.transaction_table_name = transactions.arn, transactions.name
        self.bank_token_secret_arn = secret.arn
        self.bank_sync_security_group_id = security_group.id
        self.backup_resource_arns = [sessions.arn, oauth.arn, transactions.arn]
        self.register_outputs({
            "session_table_arn": self.session_table_arn,
            "oauth_token_table_arn": self.oauth_token_table_arn,
            "transaction_table_arn": self.transaction_table_arn,
            "bank_token_secret_arn": self.bank_token_secret_arn,
            "bank_sync_security_group_id": self.bank_sync_security_group_id,
        })

    def _table(self, store: str, key_arn: pulumi.Input[str], keys: dict[str, str],
               ttl_attribute: str | None) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{self._name}-{store}",
            name=f"{self._args.table_name_prefix}-{store}",
            billing_mode="PAY_PER_REQUEST",
            hash_key=keys["hash"],
            range_key=keys.get("range"),
            attributes=[aws.dynamodb.TableAttributeArgs(name=attribute, type="S") for attribute in keys.values()],
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True, kms_key_arn=key_arn),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=ttl_attribute, enabled=True) if ttl_attribute else None,
            tags={**self._args.tags, "store": store, "tier": "data"},
            opts=self._child,
        )

    def _table_policy(self, store: str, table: aws.dynamodb.Table, only_principal: pulumi.Output[str] | None) -> None:
        """Deny item access to everyone but ``only_principal`` (when given) and to any request
        not arriving through the VPC's DynamoDB endpoint (when its id is known)."""
        args = self._args
        table_arn = arns.table(args.region, args.account_id, f"{args.table_name_prefix}-{store}")
        policy = pulumi.Output.all(table_arn, only_principal, args.dynamodb_endpoint_id).apply(
            lambda values: json.dumps(_table_policy(*values)))
        aws.dynamodb.ResourcePolicy(f"{self._name}-{store}-policy", resource_arn=table.arn, policy=policy,
                                    opts=self._child)

    def _bank_token_secret(self, role_arn: pulumi.Output[str]) -> aws.secretsmanager.Secret:
        """The aggregator token's only home (BANK-1). Pulumi creates the container, never a
        value: the operator puts the token with the CLI (docs/runbooks/bank-token.md), so it
        never passes through stack config or state."""
        args = self._args
        rotates = args.rotation_lambda_arn is not None
        secret = aws.secretsmanager.Secret(
            f"{self._name}-bank-token",
            name=args.bank_token_secret_name,
            description="Aggregator access token for bank sync; value set by an operator, never by Pulumi",
            kms_key_id=args.bank_key_arn,
            recovery_window_in_days=SECRET_RECOVERY_WINDOW_DAYS,
            tags={**args.tags, "domain": "bank-data",
                  "rotation": "secrets-manager-lambda" if rotates else "aggregator-managed"},
            opts=self._child,
        )
        readers = pulumi.Output.all(role_arn, args.rotation_lambda_role_arn).apply(
            lambda arns: sorted(a for a in arns if a))
        aws.secretsmanager.SecretPolicy(
            f"{self._name}-bank-token-policy",
            secret_arn=secret.arn,
            block_public_policy=True,
            policy=readers.apply(lambda v: json.dumps(_secret_policy(
                arns.secret(args.region, args.account_id, args.bank_token_secret_name), v))),
            opts=self._child,
        )
        if rotates:
            aws.secretsmanager.SecretRotation(
                f"{self._name}-bank-token-rotation",
                secret_id=secret.id,
                rotation_lambda_arn=args.rotation_lambda_arn,
                rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                    automatically_after_days=args.rotation_days),
                opts=self._child,
            )
        return secret

    def _bank_sync_policy(self) -> None:
        """Bank sync's entire permission set (BANK-2): read one secret, read and write one table.
        No delete, no wildcard, no write to the secret. Decryption is granted by the bank-data key's
        policy, which names the role; a statement here would need the key's random ARN."""
        args = self._args
        role = args.bank_sync_role
        policy = aws.iam.RolePolicy(
            f"{self._name}-bank-sync-policy",
            role=role.name,
            policy=json.dumps(_bank_sync_policy(
                arns.secret(args.region, args.account_id, args.bank_token_secret_name),
                arns.table(args.region, args.account_id, f"{args.table_name_prefix}-transactions"))),
            opts=self._child,
        )
        aws.iam.RolePoliciesExclusive(f"{self._name}-bank-sync-policies-exclusive", role_name=role.name,
                                      policy_names=[policy.name], opts=self._child)

    def _bank_sync_security_group(self) -> aws.ec2.SecurityGroup:
        """No ingress; egress only on 443 to the aggregator allowlist and, when given, to the VPC
        endpoints (Secrets Manager, KMS) and the DynamoDB gateway endpoint's prefix list."""
        name, args, child = self._name, self._args, self._child
        group = aws.ec2.SecurityGroup(
            f"{name}-bank-sync-sg", vpc_id=args.vpc_id,
            description="Bank sync: HTTPS to the aggregator allowlist and AWS endpoints only; no ingress",
            tags={**args.tags, "Name": f"{name}-bank-sync", "tier": "app", "egress": "allowlist"}, opts=child,
        )
        for i, cidr in enumerate(args.aggregator_cidrs):
            family = {"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr}
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-bank-sync-to-aggregator-{i}", security_group_id=group.id, ip_protocol="tcp",
                from_port=TLS_PORT, to_port=TLS_PORT, description="HTTPS to an aggregator endpoint", **family,
                opts=child,
            )
        if args.endpoints_security_group_id is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-bank-sync-to-endpoints", security_group_id=group.id, ip_protocol="tcp",
                from_port=TLS_PORT, to_port=TLS_PORT, referenced_security_group_id=args.endpoints_security_group_id,
                description="HTTPS to the VPC interface endpoints (Secrets Manager, KMS)", opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-endpoints-from-bank-sync", security_group_id=args.endpoints_security_group_id,
                ip_protocol="tcp", from_port=TLS_PORT, to_port=TLS_PORT, referenced_security_group_id=group.id,
                description="Bank sync reaches AWS APIs privately", opts=child,
            )
        if args.dynamodb_prefix_list_id is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-bank-sync-to-dynamodb", security_group_id=group.id, ip_protocol="tcp",
                from_port=TLS_PORT, to_port=TLS_PORT, prefix_list_id=args.dynamodb_prefix_list_id,
                description="HTTPS to DynamoDB through the gateway endpoint", opts=child,
            )
        return group


def _table_policy(table_arn: str, only_principal: str | None, endpoint_id: str | None) -> dict:
    statements = []
    if only_principal:
        statements.append({
            "Sid": "DenyItemAccessExceptBankSync",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": TABLE_DATA_ACTIONS,
            "Resource": table_arn,
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": only_principal}},
        })
    if endpoint_id:
        statements.append({
            "Sid": "DenyItemAccessOutsideVpcEndpoint",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": TABLE_DATA_ACTIONS,
            "Resource": table_arn,
            "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint_id}},
        })
    return {"Version": "2012-10-17", "Statement": statements}


def _secret_policy(secret_arn: str, readers: list[str]) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyReadingExceptBankSync",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": secret_arn,
        "Condition": {"StringNotEquals": {"aws:PrincipalArn": readers}},
    }]}


def _bank_sync_policy(secret_arn: str, table_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadBankToken", "Effect": "Allow", "Action": BANK_SYNC_SECRET_ACTIONS, "Resource": secret_arn},
        {"Sid": "ReadWriteTransactions", "Effect": "Allow", "Action": BANK_SYNC_TABLE_ACTIONS, "Resource": table_arn},
    ]}
