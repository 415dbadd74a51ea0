"""Wall time of an organization audit in moto: 1, 10 and 100 member accounts, two regions each.

moto answers in-process; each account is reached the way a real one is, with ``sts:AssumeRole``
on a role in it (moto answers a session on those credentials as the role's account), and holds
what moto creates in a new account (the default VPC in each region). The figures measure the
audit's own work and its parallelism on this machine, not AWS latency.
Usage: ``python benchmarks/org_audit.py [--accounts 1,10,100] [--max-parallel 8]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1")
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402 - after the fake credentials, so nothing can reach a real account
from moto import mock_aws  # noqa: E402

from posture.org import RoleOptions, audit_organization  # noqa: E402

REGIONS = ["eu-west-1", "eu-central-1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="1,10,100", help="comma-separated organization sizes")
    parser.add_argument("--max-parallel", type=int, default=8)
    args = parser.parse_args()
    print(f"{'accounts':>8} {'seconds':>8} {'cpu s':>7} {'s/account':>10} {'findings':>9} {'unknown accounts':>17}")
    for size in (int(n) for n in args.accounts.split(",")):
        with mock_aws():
            org = boto3.client("organizations", region_name=REGIONS[0])
            org.create_organization(FeatureSet="ALL")
            for i in range(size - 1):
                org.create_account(Email=f"a{i}@example.com", AccountName=f"a{i}")
            accounts = sorted(a["Id"] for a in org.list_accounts()["Accounts"])
            start, cpu = time.perf_counter(), time.process_time()
            report = audit_organization(lambda: boto3.Session(region_name=REGIONS[0]), accounts, REGIONS,
                                        RoleOptions("PostureAudit"), max_parallel=args.max_parallel)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        unknown = sum(s.status.startswith("unknown") for s in report.sections)
        print(f"{size:>8} {elapsed:>8.1f} {cpu:>7.1f} {elapsed / size:>10.2f} {len(report.findings):>9} {unknown:>17}")


if __name__ == "__main__":
    main()
