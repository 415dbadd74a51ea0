"""The application-resource controls checked live: one moto account with a compliant and a
non-compliant queue, function, repository, file system and stream, audited by their collectors."""

from __future__ import annotations

import io
import zipfile

import pytest

from posture.findings import Verdict
from posture.live import COLLECTORS
from tests.live.conftest import REGION, failing_controls, verdict_of

APP_PASS: dict[str, str] = {
    "aws-sqs-queue-require-encryption": "pass-queue",
    "aws-lambda-function-require-supported-runtime": "pass-fn",
    "aws-ecr-repository-enable-scan-on-push": "pass-repo",
    "aws-ecr-repository-require-immutable-tags": "pass-repo",
    "aws-efs-filesystem-require-encryption": "pass-files",
    "aws-kinesis-stream-require-encryption": "pass-stream",
}
APP_FAIL: dict[str, set[str]] = {
    "fail-plain-queue": {"aws-sqs-queue-require-encryption"},
    "fail-old-runtime-fn": {"aws-lambda-function-require-supported-runtime"},
    "fail-unscanned-repo": {"aws-ecr-repository-enable-scan-on-push"},
    "fail-mutable-repo": {"aws-ecr-repository-require-immutable-tags"},
    "fail-plain-files": {"aws-efs-filesystem-require-encryption"},
    "fail-plain-stream": {"aws-kinesis-stream-require-encryption"},
}
COLLECTOR_NAMES = ("queues", "functions", "containers", "file-systems", "streams")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def audited(moto_account):
    c = moto_account.client
    c("sqs").create_queue(QueueName="pass-queue", Attributes={"SqsManagedSseEnabled": "true"})
    c("sqs").create_queue(QueueName="fail-plain-queue", Attributes={"SqsManagedSseEnabled": "false"})
    role = c("iam").create_role(RoleName="app-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for name, runtime in (("pass-fn", "python3.12"), ("fail-old-runtime-fn", "python3.8")):
        c("lambda").create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler",
                                    Code={"ZipFile": _zip()})
    for name, scan, mutability in (("pass-repo", True, "IMMUTABLE"), ("fail-unscanned-repo", False, "IMMUTABLE"),
                                   ("fail-mutable-repo", True, "MUTABLE")):
        c("ecr").create_repository(repositoryName=name, imageTagMutability=mutability,
                                   imageScanningConfiguration={"scanOnPush": scan})
    for name, encrypted in (("pass-files", True), ("fail-plain-files", False)):
        c("efs").create_file_system(CreationToken=name, Encrypted=encrypted, Tags=[{"Key": "Name", "Value": name}])
    for name, encrypted in (("pass-stream", True), ("fail-plain-stream", False)):
        c("kinesis").create_stream(StreamName=name, ShardCount=1)
        if encrypted:
            c("kinesis").start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    collectors = tuple(col for col in COLLECTORS if col.name in COLLECTOR_NAMES)
    return moto_account.audit([REGION], collectors=collectors)


@pytest.mark.parametrize("control_id", sorted(APP_PASS))
def test_compliant_application_resource_passes(audited, control_id):
    assert verdict_of(audited, control_id, APP_PASS[control_id]) is Verdict.PASS


@pytest.mark.parametrize("name", sorted(APP_FAIL))
def test_non_compliant_application_resource_fails_exactly_its_control(audited, name):
    assert failing_controls(audited, name) == APP_FAIL[name]


def test_the_collectors_read_everything_without_errors(audited):
    assert audited.collector_errors == []
    assert {f.verdict for f in audited.findings if f.control_id in APP_PASS} <= {Verdict.PASS, Verdict.FAIL}
