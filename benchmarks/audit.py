"""Wall time of the live audit against a moto account holding the prod stack, and one holding ten copies.

The prod stack's planned resources are replayed into an in-process moto account (as the
posture-in-moto tests do; account-wide singletons such as the Config recorder once), then
``posture.audit.audit_account`` runs over both regions the stack uses. moto answers in-process,
so the figures measure the audit's own work (collection, evaluation, bookkeeping) rather than
network latency; against AWS, latency dominates and the parallel collectors matter more.
Usage: ``python benchmarks/audit.py [--copies 10] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1",
                  MOTO_ACCOUNT_ID="111122223333")
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402 - after the fake credentials, so nothing can reach a real account
from moto import mock_aws  # noqa: E402

from posture.audit import audit_account  # noqa: E402
from posture.program import run_project  # noqa: E402
from tests.live.conftest import COPY_REGION, MOTO_CONFIG, REGION  # noqa: E402
from tests.live.replay import remove_default_vpcs, replay_stack  # noqa: E402


def counting_session(calls: list[int]) -> boto3.Session:
    """A session that counts the API calls made through it: unlike wall time, the count does not
    depend on how busy the machine is."""
    session = boto3.Session(region_name=REGION)
    session.events.register("before-call", lambda **_: calls.append(1))
    return session


def measure(label: str, repeat: int, workers: int | None) -> tuple[str, float, float, int, int, int]:
    times, result, calls = [], None, []
    for _ in range(repeat):
        calls.clear()
        start = time.perf_counter()
        result = audit_account(lambda: counting_session(calls), [REGION, COPY_REGION], max_workers=workers)
        times.append(time.perf_counter() - start)
    assert result is not None
    return label, statistics.median(times), min(times), len(result.resources), len(result.findings), len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of the stack in the large account")
    parser.add_argument("--repeat", type=int, default=3, help="audits per measurement (the median is shown)")
    args = parser.parse_args()
    planned = run_project(ROOT, "prod", "deployed")  # the replay needs ids; a first preview has none yet
    rows = []
    with mock_aws(config=MOTO_CONFIG):
        session = boto3.Session(region_name=REGION)
        remove_default_vpcs(session, [REGION, COPY_REGION])
        start = time.perf_counter()
        replayed = replay_stack(session, planned, REGION)
        print(f"(replayed the prod stack in {time.perf_counter() - start:.1f}s: {sum(replayed.created.values())} "
              f"resources created, {len(replayed.skipped)} not, with the reason)", file=sys.stderr)
        rows.append(measure("prod stack, parallel", args.repeat, None))
        rows.append(measure("prod stack, one worker", args.repeat, 1))
        start = time.perf_counter()
        for copy in range(1, args.copies):
            replay_stack(session, planned, REGION, suffix=f"-c{copy}", singletons=False)
        print(f"(replayed {args.copies - 1} more copies in {time.perf_counter() - start:.1f}s)", file=sys.stderr)
        rows.append(measure(f"{args.copies}x prod stack, parallel", args.repeat, None))
        rows.append(measure(f"{args.copies}x prod stack, one worker", args.repeat, 1))
    print(f"{'account':<32} {'median s':>9} {'best s':>8} {'resources':>10} {'findings':>9} {'API calls':>10}")
    for label, median, best, resources, findings, calls in rows:
        print(f"{label:<32} {median:>9.2f} {best:>8.2f} {resources:>10} {findings:>9} {calls:>10}")


if __name__ == "__main__":
    main()
