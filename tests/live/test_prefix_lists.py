"""Prefix lists live: the collector reports AWS's own service lists with their owner, and the
allowlist rule, not the collector, decides that those are no allowlist of this account."""

from __future__ import annotations

from posture.findings import Verdict
from posture.live import COLLECTORS
from posture.resources import ResourceView
from posture.rules import tokens as tok
from posture.rules.network import AWS_OWNER, managedprefixlist_disallow_anywhere
from tests.live.conftest import REGION, verdict_of

CONTROL = "aws-ec2-managedprefixlist-disallow-anywhere"


def _list(**props) -> ResourceView:
    return ResourceView(urn="arn:aws:ec2:eu-west-1:111122223333:prefix-list/pl-1", type=tok.MANAGED_PREFIX_LIST,
                        name="pl-1", props={"entries": [{"cidr": "0.0.0.0/0"}], **props})


def test_the_rule_not_the_collector_sets_aws_lists_aside():
    assert managedprefixlist_disallow_anywhere(_list(ownerId=AWS_OWNER)).verdict is Verdict.NOT_APPLICABLE
    assert managedprefixlist_disallow_anywhere(_list(ownerId="111122223333")).verdict is Verdict.FAIL


def test_aws_service_lists_are_collected_with_their_owner_and_judged_not_applicable(moto_account):
    ec2 = moto_account.client("ec2")
    ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=2, AddressFamily="IPv4",
                                   Entries=[{"Cidr": "0.0.0.0/0"}])
    aws_lists = [p for p in ec2.describe_managed_prefix_lists()["PrefixLists"] if p.get("OwnerId") == AWS_OWNER]
    assert aws_lists, "moto no longer holds AWS's service prefix lists: this test needs another source"
    result = moto_account.audit([REGION], collectors=tuple(c for c in COLLECTORS if c.name == "network"))
    assert verdict_of(result, CONTROL, "office") is Verdict.FAIL
    assert verdict_of(result, CONTROL, aws_lists[0]["PrefixListName"]) is Verdict.NOT_APPLICABLE
