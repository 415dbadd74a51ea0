"""A throwaway application project, as a team outside this repository would have: a queue and a bucket."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PROGRAM = '''"""An application stack: a queue and a bucket, nothing of the baseline."""
import pulumi_aws as aws

aws.sqs.Queue("orders")
aws.s3.Bucket("receipts")
'''


def write_app_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: orders-app\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (directory / "__main__.py").write_text(APP_PROGRAM)
    return directory


@pytest.fixture(scope="module")
def app_project(tmp_path_factory) -> Path:
    return write_app_project(tmp_path_factory.mktemp("orders-app"))
