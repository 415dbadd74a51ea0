"""One pack for the whole organization: an application stack (tests/data/app_project: a queue, a
bucket, a table, a function and an HTTP API) gets findings about its own resources only, while the
baseline stacks keep every control; thresholds and the baseline stacks come from the pack config,
the same file for the Pulumi CLI (configSchema, args.get_config()) and ``posture check``."""

from __future__ import annotations

import dataclasses
import json
import runpy
from pathlib import Path

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.pack import POLICIES
from posture.catalog import CONTROLS, CONTROLS_BY_ID, PACK_NAME
from posture.cli import main
from posture.evaluate import PolicyConfigError, evaluate, load_policy_config, load_policy_properties
from posture.findings import Verdict
from posture.program import DEPLOYED, read_stack_files, run_program, run_project
from posture.resources import ResourceView
from posture.scope import BASELINE_MARKERS, is_baseline_stack, stack_name
from tests.policies.helpers import add, failing, find

APP_DIR = Path(__file__).resolve().parents[1] / "data" / "app_project"
BASELINE_ONLY = {c.id for c in CONTROLS if c.scope == "baseline"}


@pytest.fixture(scope="module")
def app_stack() -> list[ResourceView]:
    """Deployed: on a first preview the policy documents built from ARNs are not known yet (advisory)."""
    return run_project(APP_DIR, "dev", DEPLOYED)


@pytest.fixture(scope="module")
def unencrypted_queue_stack() -> list[ResourceView]:
    files = read_stack_files(APP_DIR, "dev")
    files = dataclasses.replace(files, config={**files.config, "orders-app:unencryptedQueue": "true"})
    return run_program(lambda: runpy.run_path(str(APP_DIR / "__main__.py"), run_name="__main__"), files, DEPLOYED)


def _servicer(config: dict[str, dict] | None = None) -> _PolicyAnalyzerServicer:
    """The analyzer the Pulumi CLI starts, configured as the CLI configures it from a policy config file."""
    servicer = _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", POLICIES, EnforcementLevel.MANDATORY, None, None, None,
                                       None, None, None, None)
    if config:
        policy_config = {}
        for name, properties in config.items():
            struct = struct_pb2.Struct()
            struct.update(properties)
            policy_config[name] = proto.PolicyConfig(enforcementLevel=proto.MANDATORY, properties=struct)
        servicer.Configure(proto.ConfigureAnalyzerRequest(policyConfig=policy_config), None)
    return servicer


def _struct(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(props, default=str)))
    return struct


def _analyze_all(views: list[ResourceView], config: dict[str, dict] | None = None) -> list:
    """Every resource through Analyze and the whole stack through AnalyzeStack, as a preview does."""
    servicer = _servicer(config)
    diagnostics = []
    for v in views:
        request = proto.AnalyzeRequest(type=v.type, properties=_struct(v.props), urn=v.urn, name=v.name)
        diagnostics.extend(servicer.Analyze(request, None).diagnostics)
    request = proto.AnalyzeStackRequest(resources=[
        proto.AnalyzerResource(type=v.type, properties=_struct(v.props), urn=v.urn, name=v.name) for v in views])
    diagnostics.extend(servicer.AnalyzeStack(request, None).diagnostics)
    return diagnostics


# --- the application stack ---------------------------------------------------------------------


def test_the_app_stack_declares_what_the_issue_names(app_stack) -> None:
    types = {v.type for v in app_stack}
    assert {"aws:sqs/queue:Queue", "aws:s3/bucket:Bucket", "aws:dynamodb/table:Table", "aws:lambda/function:Function",
            "aws:apigatewayv2/api:Api", "aws:apigatewayv2/route:Route", "aws:apigatewayv2/stage:Stage"} <= types
    assert stack_name(app_stack) == "orders-app/dev"
    assert not is_baseline_stack(app_stack)


def test_the_app_stack_gets_no_finding_offline_and_no_baseline_control(app_stack) -> None:
    findings = evaluate(app_stack)
    assert [f.message for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)] == []
    baseline_only = [f for f in findings if f.control_id in BASELINE_ONLY]
    assert {f.control_id for f in baseline_only} == BASELINE_ONLY
    assert {f.verdict for f in baseline_only} == {Verdict.NOT_APPLICABLE}
    assert all("orders-app/dev is an application stack" in f.message for f in baseline_only)
    passed = {f.control_id for f in findings if f.verdict is Verdict.PASS}
    assert {"aws-sqs-queue-require-encryption", "aws-lambda-function-require-supported-runtime",
            "aws-apigatewayv2-route-require-authorization", "aws-apigatewayv2-stage-enable-access-logs",
            "aws-dynamodb-table-require-cmk-encryption", "stack-s3-bucket-require-protective-settings"} <= passed


def test_the_app_stack_passes_the_pack_as_a_preview_runs_it(app_stack) -> None:
    assert [(d.policyName, d.message) for d in _analyze_all(app_stack)] == []


def test_an_unencrypted_queue_fails_with_a_clear_message_and_fix(unencrypted_queue_stack) -> None:
    findings = evaluate(unencrypted_queue_stack)
    assert failing(findings) == {"aws-sqs-queue-require-encryption"}
    [finding] = [f for f in findings if f.verdict is Verdict.FAIL]
    assert finding.resource_urn.endswith("aws:sqs/queue:Queue::orders")
    assert finding.message == ("orders: sqsManagedSseEnabled (sqs_managed_sse_enabled) is false: messages are "
                               "stored unencrypted")
    assert finding.expected == "true, or a customer-managed key in kmsMasterKeyId"
    diagnostics = _analyze_all(unencrypted_queue_stack)
    assert [(d.policyName, d.enforcementLevel, d.urn) for d in diagnostics] == [
        ("aws-sqs-queue-require-encryption", proto.MANDATORY, finding.resource_urn)]
    assert diagnostics[0].message.endswith(finding.message)


def test_a_stack_named_in_baseline_stacks_is_held_to_the_baseline_controls(app_stack, tmp_path) -> None:
    config = {"stack-account-require-cloudtrail": {"baselineStacks": ["orders-app/*"]}}
    diagnostics = _analyze_all(app_stack, config)
    assert {d.policyName for d in diagnostics} == {"stack-account-require-cloudtrail"}
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    findings = evaluate(app_stack, properties=load_policy_properties(path))
    assert failing(findings) == {"stack-account-require-cloudtrail"}


# --- the baseline stacks --------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod_stack", "staging_stack"])
def test_the_baseline_stacks_keep_every_control_and_pass(stack, request) -> None:
    views = list(request.getfixturevalue(stack))
    assert is_baseline_stack(views)
    findings = evaluate(views)
    assert failing(findings) == set()
    assert {f.control_id for f in findings if f.verdict is Verdict.PASS} >= BASELINE_ONLY


def test_the_monitoring_component_marks_a_baseline_whatever_the_project_is_called(prod_stack) -> None:
    renamed = [dataclasses.replace(v, urn=v.urn.replace("::security-baseline::", "::acme-foundation::"))
               for v in prod_stack]
    assert stack_name(renamed) == "acme-foundation/prod"
    assert is_baseline_stack(renamed)
    assert not is_baseline_stack([v for v in renamed if v.type not in BASELINE_MARKERS])
    assert is_baseline_stack([v for v in renamed if v.type not in BASELINE_MARKERS],
                             {"baselineStacks": ["acme-foundation/*"]})


# --- thresholds from the pack config --------------------------------------------------------------


def test_policies_declare_their_config_schema_with_defaults() -> None:
    info = _servicer().GetAnalyzerInfo(None, None)
    schemas = {p.name: json_format.MessageToDict(p.configSchema.properties) for p in info.policies
               if p.configSchema.properties}
    assert schemas["aws-rds-instance-require-backup-retention"]["minimumRetentionDays"]["default"] == 7
    assert "ELBSecurityPolicy-TLS13-1-2-2021-06" in schemas["aws-lb-listener-require-tls"]["allowedSslPolicies"][
        "default"]
    assert schemas["stack-account-require-cloudtrail"]["baselineStacks"]["default"] == ["security-baseline/*"]
    assert set(schemas) == {c.id for c in CONTROLS if c.config_schema}


def test_a_threshold_reaches_the_rule_in_the_pack_and_offline(prod_stack, tmp_path) -> None:
    db = find(prod_stack, "database-instance")
    config = {"aws-rds-instance-require-backup-retention": {"minimumRetentionDays": 30}}
    servicer = _servicer(config)
    request = proto.AnalyzeRequest(type=db.type, properties=_struct(db.props), urn=db.urn, name=db.name)
    [diagnostic] = servicer.Analyze(request, None).diagnostics
    assert "fewer than 30 days" in diagnostic.message
    assert list(_servicer().Analyze(request, None).diagnostics) == []
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps({"all": "mandatory", **config}))
    findings = evaluate(list(prod_stack), load_policy_config(path), load_policy_properties(path))
    assert failing(findings) == {"aws-rds-instance-require-backup-retention"}


def test_allowed_tls_policies_come_from_the_config(prod_stack) -> None:
    control = CONTROLS_BY_ID["aws-lb-listener-require-tls"]
    strict = {control.id: {"allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-3-2021-06"]}}
    findings = evaluate(list(prod_stack), properties=strict)
    assert failing(findings) == {control.id}


@pytest.mark.parametrize(("document", "expected"), [
    ({"aws-rds-instance-require-backup-retention": {"minimumRetentionDay": 30}},
     "aws-rds-instance-require-backup-retention.minimumRetentionDay is not a property of this policy; it takes "
     "minimumRetentionDays"),
    ({"aws-rds-instance-require-backup-retention": {"minimumRetentionDays": "30"}},
     "aws-rds-instance-require-backup-retention.minimumRetentionDays: '30' is not of type 'integer'"),
    ({"aws-rds-instance-require-backup-retention": {"minimumRetentionDays": 90}},
     "minimumRetentionDays: 90 is greater than the maximum of 35"),
    ({"stack-bank-data-require-walled-off-readers": {"trustedAccounts": ["4444-5555-6666"]}},
     "stack-bank-data-require-walled-off-readers.trustedAccounts: '4444-5555-6666' does not match"),
    ({"aws-rds-snapshot-disallow-sharing": {"allowedAccounts": ["all"]}},
     "aws-rds-snapshot-disallow-sharing.allowedAccounts: 'all' does not match"),
    ({"aws-sqs-queue-require-encryption": {"kmsOnly": True}},
     "aws-sqs-queue-require-encryption.kmsOnly is not a property of this policy; it takes no properties"),
    ({"stack-account-require-guardduty": {"baselineStacks": "prod"}}, "'prod' is not of type 'array'"),
])
def test_a_bad_property_is_one_line_naming_policy_and_property(tmp_path, document, expected) -> None:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(document))
    with pytest.raises(PolicyConfigError) as error:
        load_policy_properties(path)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_posture_check_on_the_app_project(capsys, tmp_path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"aws-lambda-function-require-supported-runtime": {
        "supportedRuntimes": ["python3.13"]}}))
    code = main(["check", "--stack", "dev", "--project", str(APP_DIR), "--format", "json", "--out",
                 str(tmp_path / "app.json")])
    assert code == 0
    code = main(["check", "--stack", "dev", "--project", str(APP_DIR), "--policy-config", str(config),
                 "--format", "json", "--out", str(tmp_path / "strict.json")])
    report = json.loads((tmp_path / "strict.json").read_text())
    blocking = [f for f in report["findings"] if f["blocking"]]
    assert code == 1 and [f["control_id"] for f in blocking] == ["aws-lambda-function-require-supported-runtime"]
    capsys.readouterr()


# --- not applicable, never passed ------------------------------------------------------------------


@pytest.mark.parametrize(("control", "change", "reason"), [
    ("aws-lambda-function-require-supported-runtime",
     add("aws:lambda/function:Function", "app-image-fn", {"packageType": "Image", "imageUri": "repo:1"}),
     "container-image function"),
    ("aws-cloudwatch-eventbus-require-cmk-encryption",
     add("aws:cloudwatch/eventBus:EventBus", "app-partner-bus", {"eventSourceName": "aws.partner/example.com/1/a"}),
     "partner event bus"),
])
def test_what_a_control_cannot_judge_is_not_applicable(baseline, control, change, reason) -> None:
    findings = [f for f in evaluate(change(baseline)) if f.control_id == control]
    assert [f.verdict for f in findings] == [Verdict.NOT_APPLICABLE] and reason in findings[0].message
