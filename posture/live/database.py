"""RDS: DB instances (and Aurora cluster members), DB clusters, DB proxies, DB subnet groups, the
parameter groups the databases use, with their effective parameter values, and the manual DB and
cluster snapshots with the accounts they are shared with.

Inputs that exist only in the Pulumi program (``skipFinalSnapshot``, ``finalSnapshotIdentifier``,
``deleteAutomatedBackups``, a plaintext ``password``) are not properties of a running database;
the controls that read them are offline-only (see ``posture.live.coverage``). A managed master
password shows as ``MasterUserSecret`` and becomes ``manageMasterUserPassword``. A storage key is
only reported for encrypted storage (it protects nothing otherwise).
"""

from __future__ import annotations

from typing import Any

from posture.live.base import UNREADABLE, Context, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

SNAPSHOT, _, CLUSTER_SNAPSHOT, _ = tok.RDS_SNAPSHOTS
TYPES = (tok.RDS_INSTANCE, tok.RDS_CLUSTER_INSTANCE, tok.RDS_CLUSTER, tok.RDS_SUBNET_GROUP, tok.RDS_PARAMETER_GROUP,
         tok.RDS_CLUSTER_PARAMETER_GROUP, tok.RDS_PROXY, SNAPSHOT, CLUSTER_SNAPSHOT)


def collect(ctx: Context) -> list[ResourceView]:
    instances = ctx.items("rds", "describe_db_instances", "DBInstances", types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER_INSTANCE))
    clusters = ctx.items("rds", "describe_db_clusters", "DBClusters", types=(tok.RDS_CLUSTER,))
    views = [_instance(ctx, db) for db in instances] + [_cluster(ctx, c) for c in clusters]
    views += _subnet_groups(ctx)
    views += _proxies(ctx)
    views += _snapshots(ctx, cluster=False) + _snapshots(ctx, cluster=True)
    used = {g["DBParameterGroupName"] for db in instances for g in db.get("DBParameterGroups") or []}
    views += _parameter_groups(ctx, used, cluster=False)
    used_cluster = {c["DBClusterParameterGroup"] for c in clusters if c.get("DBClusterParameterGroup")}
    views += _parameter_groups(ctx, used_cluster, cluster=True)
    return views


def _master_secret(db: dict[str, Any]) -> dict[str, Any]:
    secret = db.get("MasterUserSecret")
    return {"manageMasterUserPassword": secret is not None,
            "masterUserSecretKmsKeyId": (secret or {}).get("KmsKeyId")}


def _instance(ctx: Context, db: dict[str, Any]) -> ResourceView:
    identifier = db["DBInstanceIdentifier"]
    arn = db.get("DBInstanceArn") or ctx.arn("rds", f"db:{identifier}")
    endpoint = db.get("Endpoint") or {}
    props: dict[str, Any] = {
        "id": db.get("DbiResourceId") or identifier, "arn": arn, "identifier": identifier,
        "engine": db.get("Engine"), "engineVersion": db.get("EngineVersion"), "instanceClass": db.get("DBInstanceClass"),
        "port": endpoint.get("Port") or db.get("DbInstancePort") or None,
        "publiclyAccessible": db.get("PubliclyAccessible"), "storageEncrypted": db.get("StorageEncrypted"),
        "kmsKeyId": db.get("KmsKeyId") if db.get("StorageEncrypted") else None,
        "iamDatabaseAuthenticationEnabled": db.get("IAMDatabaseAuthenticationEnabled"),
        "deletionProtection": db.get("DeletionProtection"), "backupRetentionPeriod": db.get("BackupRetentionPeriod"),
        "autoMinorVersionUpgrade": db.get("AutoMinorVersionUpgrade"),
        "caCertIdentifier": db.get("CACertificateIdentifier"), "multiAz": db.get("MultiAZ"),
        "parameterGroupName": next((g["DBParameterGroupName"] for g in db.get("DBParameterGroups") or []), None),
        "vpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups") or []],
        "dbSubnetGroupName": (db.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "replicateSourceDb": db.get("ReadReplicaSourceDBInstanceIdentifier"),
        "performanceInsightsEnabled": db.get("PerformanceInsightsEnabled"),
        "enabledCloudwatchLogsExports": db.get("EnabledCloudwatchLogsExports"),
        "tags": tags_of(db.get("TagList")),
        **_master_secret(db),
    }
    if db.get("DBClusterIdentifier"):
        props["clusterIdentifier"] = db["DBClusterIdentifier"]
        return ctx.view(tok.RDS_CLUSTER_INSTANCE, arn, identifier, props)
    return ctx.view(tok.RDS_INSTANCE, arn, identifier, props)


def _cluster(ctx: Context, cluster: dict[str, Any]) -> ResourceView:
    identifier = cluster["DBClusterIdentifier"]
    arn = cluster.get("DBClusterArn") or ctx.arn("rds", f"cluster:{identifier}")
    return ctx.view(tok.RDS_CLUSTER, arn, identifier, {
        "id": identifier, "arn": arn, "clusterIdentifier": identifier, "engine": cluster.get("Engine"),
        "engineVersion": cluster.get("EngineVersion"), "port": cluster.get("Port"),
        "publiclyAccessible": cluster.get("PubliclyAccessible"), "storageEncrypted": cluster.get("StorageEncrypted"),
        "kmsKeyId": cluster.get("KmsKeyId") if cluster.get("StorageEncrypted") else None,
        "iamDatabaseAuthenticationEnabled": cluster.get("IAMDatabaseAuthenticationEnabled"),
        "deletionProtection": cluster.get("DeletionProtection"),
        "backupRetentionPeriod": cluster.get("BackupRetentionPeriod"),
        "autoMinorVersionUpgrade": cluster.get("AutoMinorVersionUpgrade"),
        "dbClusterParameterGroupName": cluster.get("DBClusterParameterGroup"),
        "vpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups") or []],
        "dbSubnetGroupName": cluster.get("DBSubnetGroup"),
        "replicationSourceIdentifier": cluster.get("ReplicationSourceIdentifier"),
        "enabledCloudwatchLogsExports": cluster.get("EnabledCloudwatchLogsExports"),
        "tags": tags_of(cluster.get("TagList")),
        **_master_secret(cluster),
    })


def _proxies(ctx: Context) -> list[ResourceView]:
    """DB proxies: a second door to the databases, with its own TLS setting and security groups."""
    return [ctx.view(tok.RDS_PROXY, proxy["DBProxyArn"], proxy["DBProxyName"], {
        "id": proxy["DBProxyName"], "arn": proxy["DBProxyArn"], "name": proxy["DBProxyName"],
        "engineFamily": proxy.get("EngineFamily"), "requireTls": proxy.get("RequireTLS"),
        "vpcSecurityGroupIds": proxy.get("VpcSecurityGroupIds") or [], "vpcSubnetIds": proxy.get("VpcSubnetIds") or [],
        "roleArn": proxy.get("RoleArn"), "debugLogging": proxy.get("DebugLogging"),
        "idleClientTimeout": proxy.get("IdleClientTimeout"),
    }) for proxy in ctx.items("rds", "describe_db_proxies", "DBProxies", types=(tok.RDS_PROXY,))]


def _snapshots(ctx: Context, cluster: bool) -> list[ResourceView]:
    """The account's manual snapshots (copies are manual snapshots too) with the accounts that may
    restore them: AWS's ``restore`` attribute is the provider's ``sharedAccounts``."""
    if cluster:
        type_, kind, api, identifiers = CLUSTER_SNAPSHOT, "DBClusterSnapshot", "db_cluster_snapshot", (
            "dbClusterSnapshotIdentifier", "dbClusterIdentifier", "DBClusterIdentifier")
    else:
        type_, kind, api, identifiers = SNAPSHOT, "DBSnapshot", "db_snapshot", (
            "dbSnapshotIdentifier", "dbInstanceIdentifier", "DBInstanceIdentifier")
    own, source, source_key = identifiers
    views = []
    for snapshot in ctx.items("rds", f"describe_{api}s", f"{kind}s", types=(type_,), SnapshotType="manual"):
        name, arn = snapshot[f"{kind}Identifier"], snapshot[f"{kind}Arn"]
        answer = ctx.call("rds", f"describe_{api}_attributes", types=(type_,), resource=arn,
                          **{f"{kind}Identifier": name})
        if not answer:
            shared: Any = UNREADABLE
        else:
            attributes = answer.get(f"{kind}AttributesResult", {}).get(f"{kind}Attributes") or []
            shared = [value for a in attributes if a.get("AttributeName") == "restore"
                      for value in a.get("AttributeValues") or []]
        views.append(ctx.view(type_, arn, name, {
            "id": name, "arn": arn, own: name, source: snapshot.get(source_key), "sharedAccounts": shared,
            "tags": tags_of(snapshot.get("TagList")),
        }))
    return views


def _subnet_groups(ctx: Context) -> list[ResourceView]:
    views = []
    for group in ctx.items("rds", "describe_db_subnet_groups", "DBSubnetGroups", types=(tok.RDS_SUBNET_GROUP,)):
        name = group["DBSubnetGroupName"]
        arn = group.get("DBSubnetGroupArn") or ctx.arn("rds", f"subgrp:{name}")
        views.append(ctx.view(tok.RDS_SUBNET_GROUP, arn, name, {
            "id": name, "arn": arn, "name": name, "description": group.get("DBSubnetGroupDescription"),
            "vpcId": group.get("VpcId"), "subnetIds": [s["SubnetIdentifier"] for s in group.get("Subnets") or []],
        }))
    return views


def _parameter_groups(ctx: Context, names: set[str], cluster: bool) -> list[ResourceView]:
    """The parameter groups the databases use, with every parameter that has a value.

    Only groups in use are read: a default group holds hundreds of parameters and nothing but a
    database's own group decides whether it forces TLS.
    """
    if not names:
        return []
    if cluster:
        kind, listing, key, params_op, type_ = ("cluster", "describe_db_cluster_parameter_groups",
                                                "DBClusterParameterGroups", "describe_db_cluster_parameters",
                                                tok.RDS_CLUSTER_PARAMETER_GROUP)
        name_key, arn_key, family_key, group_param = ("DBClusterParameterGroupName", "DBClusterParameterGroupArn",
                                                      "DBParameterGroupFamily", "DBClusterParameterGroupName")
    else:
        kind, listing, key, params_op, type_ = ("db", "describe_db_parameter_groups", "DBParameterGroups",
                                                "describe_db_parameters", tok.RDS_PARAMETER_GROUP)
        name_key, arn_key, family_key, group_param = ("DBParameterGroupName", "DBParameterGroupArn",
                                                      "DBParameterGroupFamily", "DBParameterGroupName")
    views = []
    for group in ctx.items("rds", listing, key, types=(type_,)):
        name = group[name_key]
        if name not in names:
            continue
        arn = group.get(arn_key) or ctx.arn("rds", f"{'cluster-pg' if kind == 'cluster' else 'pg'}:{name}")
        response = ctx.call("rds", params_op, types=(type_,), resource=arn, **{group_param: name})
        parameters: Any = UNREADABLE
        if response:
            parameters = [{"name": p["ParameterName"], "value": p["ParameterValue"],
                           "applyMethod": str(p.get("ApplyMethod") or "immediate")}
                          for p in response.get("Parameters") or [] if p.get("ParameterValue") is not None]
        views.append(ctx.view(type_, arn, name, {
            "id": name, "arn": arn, "name": name, "family": group.get(family_key),
            "description": group.get("Description"), "parameters": parameters,
        }))
    return views
