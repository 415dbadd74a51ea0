"""Reachability and the edge path checked live: one moto account with a passing and a failing case
for each collector these controls read (network-ACL entries, security-group egress, RDS proxies,
listener rules, target-group attachments, REST and HTTP APIs, stage web ACLs, Elastic IPs, NAT
gateways, instances, Lambda function URLs, CloudFront distributions), audited by the collectors.

moto 5.2.5 does not return the security groups of ElastiCache member clusters
(``DescribeCacheClusters`` has no ``SecurityGroups``), so that translation is checked on a
response of the shape AWS documents instead.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from posture.findings import Verdict
from posture.live import COLLECTORS, caches
from posture.live.base import UNREADABLE
from tests.live.conftest import REGION, findings_for, verdict_of

ENTRY = "stack-entry-point-require-tls-and-waf"
NACL = "stack-network-acl-require-denies-first"
EGRESS = "stack-walled-off-group-disallow-internet-egress"
PROXY = "aws-rds-proxy-require-tls"
URL = "aws-lambda-functionurl-require-iam-auth"
SECRET = f"arn:aws:secretsmanager:{REGION}:111122223333:secret:db"
ROLE = "arn:aws:iam::111122223333:role/proxy"
PASS = {
    NACL: ["pass-nacl"],
    EGRESS: ["pass-data-sg", "proxy-sg"],
    PROXY: ["pass-proxy"],
    ENTRY: ["pass-alb", "pass-nlb", "private-rest", "waf-rest", "closed-http", "nat-eip", "private-host",
            "waf-cdn"],
    URL: ["iam-fn URL"],
}
FAIL = {
    NACL: ["fail-nacl"],
    PROXY: ["fail-proxy"],
    EGRESS: ["fail-data-sg", "open-proxy-sg"],
    ENTRY: ["fail-alb:HTTP:80 rule 1", "fail-nlb:TCP:443", "open-rest", "open-http", "host-eip", "public-host",
            "open-cdn"],
    URL: ["open-fn URL"],
}


def _tag(name: str, kind: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _group(ec2, vpc: str, name: str, tier: str | None = None, egress: list[dict] | None = None) -> str:
    tags = [{"Key": "Name", "Value": name}] + ([{"Key": "tier", "Value": tier}] if tier else [])
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])["GroupId"]
    if egress is not None:  # replace the default allow-all egress
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[{"IpProtocol": "-1",
                                                                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        if egress:
            ec2.authorize_security_group_egress(GroupId=group, IpPermissions=egress)
    return group


def _network(ec2) -> tuple[str, list[str]]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")[
        "Subnet"]["SubnetId"] for i, zone in enumerate("ab")]
    for name, deny in (("pass-nacl", 10), ("fail-nacl", 200)):
        acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=_tag(name, "network-acl"))["NetworkAcl"][
            "NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=deny, Protocol="-1", RuleAction="deny",
                                     Egress=False, CidrBlock="203.0.113.0/24")
    return vpc, subnets


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _load_balancers(c, vpc: str, subnets: list[str], web_sg: str, instance: str) -> None:
    elb = c("elbv2")
    albs = {}
    for name in ("pass-alb", "fail-alb"):
        alb = elb.create_load_balancer(Name=name, Subnets=subnets, SecurityGroups=[web_sg], Scheme="internet-facing",
                                       Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        albs[name] = alb
        listener = elb.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{
            "Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])[
            "Listeners"][0]["ListenerArn"]
        if name == "fail-alb":  # a rule on the redirect-only listener that serves the app over plain HTTP
            app = elb.create_target_group(Name="fail-alb-app", Protocol="HTTP", Port=8080, VpcId=vpc,
                                          TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
            elb.create_rule(ListenerArn=listener, Priority=1, Actions=[{"Type": "forward", "TargetGroupArn": app}],
                            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}])
    waf = c("wafv2")
    acl = waf.create_web_acl(Name="web-waf", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=[],
                             VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                               "MetricName": "web-waf"})["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=albs["pass-alb"])
    for name, target_type, target in (("pass-nlb", "alb", albs["pass-alb"]), ("fail-nlb", "instance", instance)):
        nlb = elb.create_load_balancer(Name=name, Subnets=subnets, Scheme="internet-facing", Type="network")[
            "LoadBalancers"][0]["LoadBalancerArn"]
        group = elb.create_target_group(Name=f"{name}-tg", Protocol="TCP", Port=443, VpcId=vpc,
                                        TargetType=target_type)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=group, Targets=[{"Id": target, "Port": 443}])
        elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=443,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    return acl


def _apis(c, acl: str) -> None:
    rest = c("apigateway")
    for name, kind in (("private-rest", "PRIVATE"), ("open-rest", "REGIONAL"), ("waf-rest", "REGIONAL")):
        api = rest.create_rest_api(name=name, endpointConfiguration={"types": [kind]})["id"]
        root = rest.get_resources(restApiId=api)["items"][0]["id"]
        rest.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        rest.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        deployment = rest.create_deployment(restApiId=api)["id"]
        rest.create_stage(restApiId=api, stageName="prod", deploymentId=deployment)
        if name == "waf-rest":
            c("wafv2").associate_web_acl(
                WebACLArn=acl, ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/prod")
    http = c("apigatewayv2")
    http.create_api(Name="open-http", ProtocolType="HTTP")
    http.create_api(Name="closed-http", ProtocolType="HTTP", DisableExecuteApiEndpoint=True)


def _distributions(c) -> None:
    waf = c("wafv2", region="us-east-1")
    acl = waf.create_web_acl(Name="cdn-waf", Scope="CLOUDFRONT", DefaultAction={"Allow": {}}, Rules=[],
                             VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                               "MetricName": "cdn-waf"})["Summary"]["ARN"]
    for name, web_acl in (("waf-cdn", acl), ("open-cdn", "")):
        c("cloudfront", region="us-east-1").create_distribution(DistributionConfig={
            "CallerReference": name, "Comment": name, "Enabled": True, "WebACLId": web_acl,
            "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "app.example.com",
                                                  "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                         "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})


@pytest.fixture(scope="module")
def audited(moto_account):
    c = moto_account.client
    ec2 = c("ec2")
    vpc, subnets = _network(ec2)
    to_vpc = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
    _group(ec2, vpc, "pass-data-sg", tier="data", egress=to_vpc)
    _group(ec2, vpc, "fail-data-sg", tier="data")  # keeps AWS's default: all traffic to 0.0.0.0/0
    proxy_sg = _group(ec2, vpc, "proxy-sg", egress=to_vpc)
    open_proxy_sg = _group(ec2, vpc, "open-proxy-sg")
    rds = c("rds")
    for name, tls, group in (("pass-proxy", True, proxy_sg), ("fail-proxy", False, open_proxy_sg)):
        rds.create_db_proxy(DBProxyName=name, EngineFamily="POSTGRESQL", RoleArn=ROLE, VpcSubnetIds=subnets,
                            VpcSecurityGroupIds=[group], RequireTLS=tls,
                            Auth=[{"AuthScheme": "SECRETS", "SecretArn": SECRET, "IAMAuth": "REQUIRED"}])
    web_sg = _group(ec2, vpc, "web-sg")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    hosts = {}
    for name, public in (("public-host", True), ("private-host", False)):
        hosts[name] = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                        TagSpecifications=_tag(name, "instance"), NetworkInterfaces=[{
                                            "DeviceIndex": 0, "SubnetId": subnets[0],
                                            "AssociatePublicIpAddress": public}])["Instances"][0]["InstanceId"]
    host_eip = ec2.allocate_address(Domain="vpc", TagSpecifications=_tag("host-eip", "elastic-ip"))["AllocationId"]
    ec2.associate_address(AllocationId=host_eip, InstanceId=hosts["public-host"])
    nat_eip = ec2.allocate_address(Domain="vpc", TagSpecifications=_tag("nat-eip", "elastic-ip"))["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=nat_eip)
    acl = _load_balancers(c, vpc, subnets, web_sg, hosts["public-host"])
    _apis(c, acl)
    role = c("iam").create_role(RoleName="url-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for name, auth in (("iam-fn", "AWS_IAM"), ("open-fn", "NONE")):
        c("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                    Code={"ZipFile": _zip()})
        c("lambda").create_function_url_config(FunctionName=name, AuthType=auth)
    _distributions(c)
    names = ("network", "database", "load-balancers", "waf", "apis", "addresses", "functions", "distributions")
    return moto_account.audit(collectors=[c for c in COLLECTORS if c.name in names])


def test_the_collectors_read_everything_without_errors(audited):
    assert audited.collector_errors == []


@pytest.mark.parametrize(("control", "name"), [(c, n) for c, names in PASS.items() for n in names])
def test_passing_case(audited, control, name):
    assert verdict_of(audited, control, name) is Verdict.PASS, [f.message for f in findings_for(audited, control, name)]


@pytest.mark.parametrize(("control", "name"), [(c, n) for c, names in FAIL.items() for n in names if c != EGRESS])
def test_failing_case(audited, control, name):
    assert verdict_of(audited, control, name) is Verdict.FAIL, [f.message for f in findings_for(audited, control, name)]


@pytest.mark.parametrize("group", FAIL[EGRESS])
def test_failing_egress_is_found_on_the_rule_and_names_its_group(audited, group):
    """Live, egress rules are their own resources: the finding is on the rule, its path names the group."""
    found = [f for f in audited.findings if f.control_id == EGRESS and f.verdict is Verdict.FAIL
             and f.evidence[0].startswith(f"security group {group} ")]
    [finding] = found
    assert finding.evidence[2] == "the internet" and finding.evidence[1].startswith("egress all traffic to 0.0.0.0/0 (")


def test_a_live_failure_carries_its_path(audited):
    [finding] = [f for f in findings_for(audited, ENTRY, "fail-alb:HTTP:80 rule 1") if f.verdict is Verdict.FAIL]
    assert finding.evidence[0] == "internet" and "serves the request over plain HTTP" in finding.evidence[-1]
    assert any(hop.startswith("rule ") for hop in finding.evidence)
    [nacl] = findings_for(audited, NACL, "fail-nacl")
    assert nacl.evidence == ("packet from 203.0.113.0/24", "network ACL fail-nacl",
                             "matches #100 allow tcp 443-443 from 0.0.0.0/0 (fail-nacl.ingress[0]): ALLOW",
                             "never reaches #200 deny all traffic from 203.0.113.0/24 (fail-nacl.ingress[1])")


def test_cache_security_groups_come_from_the_member_clusters():
    """moto does not return them; this is the shape DescribeCacheClusters has in AWS."""

    class Answers:
        def items(self, service, operation, key, **_):
            return {"describe_replication_groups": [
                {"ARN": "arn:rg:a", "ReplicationGroupId": "a", "MemberClusters": ["a-001", "a-002"]},
                {"ARN": "arn:rg:b", "ReplicationGroupId": "b", "MemberClusters": ["b-001"]}],
                "describe_cache_clusters": [
                {"CacheClusterId": "a-001", "SecurityGroups": [{"SecurityGroupId": "sg-1", "Status": "active"}]},
                {"CacheClusterId": "a-002", "SecurityGroups": [{"SecurityGroupId": "sg-2", "Status": "active"}]}],
            }[operation]

        def view(self, type_, urn, name, props):
            return props

    a, b = caches.collect(Answers())
    assert a["securityGroupIds"] == ["sg-1", "sg-2"]
    assert b["securityGroupIds"] is UNREADABLE  # a member not listed: who it admits is not known, never "none"

