"""Public addresses: Elastic IPs (``aws:ec2/eip``) with what they are attached to, the NAT gateways
that hold some of them (by allocation id, as ``aws.ec2.NatGateway`` declares it), and EC2
instances with whether they have a public address of their own.

``associatePublicIpAddress`` is the launch setting in Pulumi; AWS shows its effect, a
``PublicIpAddress`` on the instance, which is what is translated here.
"""

from __future__ import annotations

from posture.live.base import Context, display_name, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.EIP, tok.NAT_GATEWAY, tok.INSTANCE)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    response = ctx.call("ec2", "describe_addresses", types=(tok.EIP,))
    for address in (response or {}).get("Addresses") or []:
        allocation = address.get("AllocationId") or address["PublicIp"]
        tags = tags_of(address.get("Tags"))
        views.append(ctx.view(tok.EIP, ctx.arn("ec2", f"elastic-ip/{allocation}"),
                              display_name(tags, address.get("PublicIp")), {
            "id": allocation, "allocationId": address.get("AllocationId"), "publicIp": address.get("PublicIp"),
            "domain": address.get("Domain"), "instance": address.get("InstanceId"),
            "networkInterface": address.get("NetworkInterfaceId"), "associationId": address.get("AssociationId"),
            "tags": tags}))
    for nat in ctx.items("ec2", "describe_nat_gateways", "NatGateways", types=(tok.NAT_GATEWAY,)):
        nat_id = nat["NatGatewayId"]
        tags = tags_of(nat.get("Tags"))
        addresses = nat.get("NatGatewayAddresses") or []
        views.append(ctx.view(tok.NAT_GATEWAY, ctx.arn("ec2", f"natgateway/{nat_id}"), display_name(tags, nat_id), {
            "id": nat_id, "subnetId": nat.get("SubnetId"), "vpcId": nat.get("VpcId"),
            "connectivityType": nat.get("ConnectivityType"), "state": nat.get("State"),
            "allocationId": next((a.get("AllocationId") for a in addresses if a.get("IsPrimary", True)), None),
            "secondaryAllocationIds": [a["AllocationId"] for a in addresses
                                       if a.get("AllocationId") and not a.get("IsPrimary", True)],
            "tags": tags}))
    for reservation in ctx.items("ec2", "describe_instances", "Reservations", types=(tok.INSTANCE,)):
        for instance in reservation.get("Instances") or []:
            instance_id = instance["InstanceId"]
            tags = tags_of(instance.get("Tags"))
            views.append(ctx.view(tok.INSTANCE, ctx.arn("ec2", f"instance/{instance_id}"),
                                  display_name(tags, instance_id), {
                "id": instance_id, "instanceType": instance.get("InstanceType"), "subnetId": instance.get("SubnetId"),
                "associatePublicIpAddress": bool(instance.get("PublicIpAddress")),
                "publicIp": instance.get("PublicIpAddress"),
                "vpcSecurityGroupIds": [g["GroupId"] for g in instance.get("SecurityGroups") or []],
                "tags": tags}))
    return views
