"""Wall time of the live audit of the prod stack replayed into a moto *server* (real HTTP), with the
read APIs moto lacks answered as its server answers them (HTTP 500 or 404), so the figure includes
what retries and give-ups cost. Before the retry budget this took 20-35 s, nearly all back-off.
Usage: ``python benchmarks/audit_server.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1",
                  MOTO_ACCOUNT_ID="111122223333", MOTO_IAM_LOAD_MANAGED_POLICIES="true")
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402 - after the fake credentials, so nothing can reach a real account
from moto.server import ThreadedMotoServer  # noqa: E402

from posture.audit import audit_account  # noqa: E402
from posture.program import run_project  # noqa: E402
from tests.live.conftest import COPY_REGION, REGION  # noqa: E402
from tests.live.replay import remove_default_vpcs, replay_stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        session = boto3.Session(region_name=REGION)
        remove_default_vpcs(session, [REGION, COPY_REGION], endpoint_url=url)
        replay_stack(session, run_project(ROOT, "prod", "deployed"), REGION, endpoint_url=url)
        times, result = [], None
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = audit_account(lambda: boto3.Session(region_name=REGION), [REGION, COPY_REGION], endpoint_url=url)
            times.append(time.perf_counter() - start)
    finally:
        server.stop()
    assert result is not None
    print(f"prod replay over a moto server: median {statistics.median(times):.2f}s, best {min(times):.2f}s; "
          f"{len(result.resources)} resources, {len(result.findings)} findings, "
          f"{len(result.collector_errors)} collector errors ({', '.join(sorted({e.api for e in result.collector_errors}))})")


if __name__ == "__main__":
    main()
