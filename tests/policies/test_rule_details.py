"""Rule details the case registry cannot express: thresholds, parsers, the UNKNOWN answers that are
not preview unknowns, and the data a rule shares with the component that writes it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

import components.data_stores
import components.keys
import components.load_balancer
from posture.facts import is_internet
from posture.findings import Verdict
from posture.resources import ResourceView
from posture.rules import backups, data_stores, database, edge, keys
from posture.rules.policy_documents import fnmatch_any, pinned_keys
from posture.rules.schedules import longest_gap_days, next_run
from tests.policies.helpers import add, chain, change, failing, find, run

# --- E. what counts as the internet -------------------------------------------------------------

@pytest.mark.parametrize(("cidr", "internet"), [
    ("0.0.0.0/0", True), ("::/0", True), ("0.0.0.0/1", True), ("128.0.0.0/1", True), ("64.0.0.0/4", True),
    ("2000::/3", True), ("2a00::/12", True), ("11.0.0.0/7", True),
    ("10.0.0.0/7", True),  # 10/8 and the public 11/8
    ("10.0.0.0/8", False), ("172.16.0.0/12", False), ("100.64.0.0/10", False), ("169.254.0.0/16", False),
    ("fc00::/7", False), ("fe80::/10", False),
    ("17.0.0.0/8", False), ("2001:db8::/16", False),  # the thresholds themselves are not "the internet"
    ("203.0.113.0/24", False), ("198.51.100.16/28", False), ("2001:db8::/32", False),
    ("not-a-cidr", False), (None, False),
])
def test_internet_means_public_and_broader_than_a_slash_8(cidr, internet) -> None:
    assert is_internet(cidr) is internet


def test_prod_sources_are_not_the_internet(prod_stack) -> None:
    """The aggregator /28s and the allowlists the prod stack declares stay legitimate sources."""
    cidrs = [str(r.props.get(k)) for r in prod_stack for k in ("cidrIpv4", "cidrIpv6") if r.props.get(k)]
    cidrs += [str(e["cidr"]) for r in prod_stack for e in r.props.get("entries") or [] if isinstance(e, dict)]
    narrow = [c for c in cidrs if c not in ("0.0.0.0/0", "::/0")]
    assert narrow and not [c for c in narrow if is_internet(c)]


# --- B. conditions that narrow --------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "pinned"), [
    ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, {"aws:principalaccount"}),
    ({"StringLike": {"aws:PrincipalAccount": "1111*"}}, set()),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, set()),  # not an organization id
    ({"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}, set()),
    ({"ForAllValues:StringEquals": {"aws:SourceAccount": "111122223333"}}, set()),
    ({"StringNotEquals": {"aws:SourceAccount": "111122223333"}}, set()),
    ({"Bool": {"aws:SecureTransport": "true"}}, set()),
    ({"StringLike": {"kms:ViaService": "*"}}, set()),
    ({"StringLike": {"kms:ViaService": "rds.*.amazonaws.com"}}, set()),
    ({"StringEquals": {"kms:ViaService": ["rds.eu-west-1.amazonaws.com", "*"]}}, set()),
    ({"StringEquals": {"kms:ViaService": "rds.eu-west-1.amazonaws.com"}}, {"kms:viaservice"}),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:*:alarm:*"}}, set()),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}}, {"aws:principalarn"}),
    ({"StringEquals": {"aws:SourceVpce": "vpce-0a1b"}, "Bool": {"aws:SecureTransport": "true"}}, {"aws:sourcevpce"}),
])
def test_only_positive_concrete_tests_pin(condition, pinned) -> None:
    assert pinned_keys(condition) == pinned


# --- A. one list of key-use actions, matched like IAM --------------------------------------------

def test_the_components_key_admin_statement_grants_no_use() -> None:
    assert not [a for a in keys.KEY_USE_ACTIONS if fnmatch_any(a, components.keys.KEY_ADMIN_ACTIONS)]


@pytest.mark.parametrize("action", ["kms:Decrypt*", "kms:decrypt", "kms:Create*", "kms:*", "*", "kms:ReEncrypt*",
                                    "KMS:GENERATEDATAKEY", "kms:GenerateDataKeyPair"])
def test_every_spelling_of_use_is_use(action) -> None:
    assert keys._use_actions({"Action": action})


def test_not_action_allows_use_unless_it_excludes_all_of_it() -> None:
    assert keys._use_actions({"NotAction": "kms:Decrypt"})
    assert not keys._use_actions({"NotAction": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                                "kms:CreateGrant"]})


# --- D and F. data a rule shares with the component that writes it -------------------------------

def test_the_table_deny_checks_exactly_the_actions_the_component_denies() -> None:
    assert components.data_stores.TABLE_DATA_ACTIONS is data_stores.TABLE_DATA_ACTIONS


def test_the_component_and_the_rule_use_one_tls_allow_list() -> None:
    assert components.load_balancer.ALLOWED_TLS_POLICIES is edge.ALLOWED_TLS_POLICIES
    assert not [p for p in edge.ALLOWED_TLS_POLICIES if "-Ext" in p or "-1-0-" in p or "-1-1-" in p]


# --- G. managed rule groups --------------------------------------------------------------------

def test_rule_group_with_as_many_counted_rules_as_it_has_does_not_enforce() -> None:
    """Renamed rules (a stale list here) cannot sneak a fully counted group through."""
    group = {"name": "AWSManagedRulesSQLiRuleSet", "ruleActionOverrides": [
        {"name": f"Renamed_{i}", "actionToUse": {"allow": {}}} for i in range(6)]}
    assert not edge._group_enforces(group)
    assert edge._group_enforces({**group, "ruleActionOverrides": group["ruleActionOverrides"][:2]})


# --- H. global databases -------------------------------------------------------------------------

def _cluster(**props) -> ResourceView:
    return ResourceView(urn="urn:pulumi:prod::p::aws:rds/cluster:Cluster::c", type="aws:rds/cluster:Cluster",
                        name="c", props={"engine": "aurora-postgresql", **props})


def test_a_global_secondary_inherits_credentials_and_backups_but_the_writer_does_not() -> None:
    secondary = _cluster(globalClusterIdentifier="g")
    writer = _cluster(globalClusterIdentifier="g", masterUsername="admin")
    for rule in (database.cluster_require_backup_retention, database.cluster_require_managed_master_password):
        assert rule(secondary).verdict is Verdict.NOT_APPLICABLE
        assert rule(writer).verdict is Verdict.FAIL


# --- I. rotation schedules -----------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "days"), [
    ("rate(30 days)", 30), ("rate(1 day)", 1), ("rate(4 hours)", 4 / 24), ("RATE(90 DAYS)", 90),
    ("cron(0 4 1 * ? *)", 31), ("cron(0 4 L * ? *)", 31), ("cron(0 16 1,15 * ? *)", 17),
    ("cron(0 4 ? * MON *)", 7), ("cron(0 4 ? * 2#1 *)", 35), ("cron(0 4 ? * 6L *)", 35),
    ("cron(0 4 1 */2 ? *)", 62), ("cron(0 4 1 */3 ? *)", 92), ("cron(0 4 1 JAN,APR,JUL,OCT ? *)", 92),
    ("cron(0 4 1 1 ? *)", 366), ("cron(0 4 30 2 ? *)", float("inf")),
    # A year field that stops (or starts years from now) leaves an unbounded gap.
    ("cron(0 4 1 1 ? 2030)", float("inf")), ("cron(0 3 1 1 ? 2099)", float("inf")),
    ("cron(0 3 * * ? 2026-2199)", 1), ("cron(0 3 * * ? 2026-2198)", float("inf")),
])
def test_longest_gap_between_runs(expression, days) -> None:
    assert longest_gap_days(expression, today=date(2026, 12, 4)) == pytest.approx(days)


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("cron(0 3 1 1 ? 2099)", datetime(2026, 12, 4, tzinfo=UTC), datetime(2099, 1, 1, 3, 0, tzinfo=UTC)),
    ("cron(0 3 * * ? *)", datetime(2026, 12, 4, 4, 0, tzinfo=UTC), datetime(2026, 12, 5, 3, 0, tzinfo=UTC)),
    ("cron(30 2 ? * SUN *)", datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 6, 2, 30, tzinfo=UTC)),
    ("cron(0 3 1 1 ? 2020)", datetime(2026, 12, 4, tzinfo=UTC), None),
    ("rate(1 day)", datetime(2026, 12, 4, tzinfo=UTC), None),
])
def test_next_run_names_when_a_schedule_fires(expression, after, expected) -> None:
    assert next_run(expression, after) == expected


@pytest.mark.parametrize("expression", ["cron(0 4 15W * ? *)", "cron(0 4 1 1 ? 1969)", "cron(0 4 * * * *)",
                                        "cron(0 4 1 * ?)", "rate(0 days)", "rate(5 minutes)", "every month", ""])
def test_schedules_this_module_cannot_read_exactly(expression) -> None:
    assert longest_gap_days(expression) is None


def _rotation(schedule: str):
    return chain(change("data-bank-token", tags={}), add(
        "aws:secretsmanager/secretRotation:SecretRotation", "fx-token-rotation", {
            "secretId": "data-bank-token-id", "rotationRules": {"scheduleExpression": schedule}}))


def test_an_unreadable_schedule_is_unknown_with_a_clear_message(baseline) -> None:
    findings = run(_rotation("cron(0 4 15W * ? *)")(baseline))
    assert failing(findings) == set()
    [finding] = [f for f in findings if f.control_id == "stack-secret-require-rotation-or-exemption"
                 and f.verdict is not Verdict.PASS]
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.message.startswith("fx-token-rotation: cannot verify rotationRules.scheduleExpression")
    assert finding.message.endswith('"cron(0 4 15W * ? *)": not a rate(N days|hours) or six-field cron(...) this check '
                                    "can evaluate")


# --- J. selection conditions ---------------------------------------------------------------------

def test_a_selection_condition_on_something_other_than_tags_is_unknown_never_coverage(baseline) -> None:
    findings = run(change("backups-selection", conditions=[
        {"stringEquals": [{"key": "aws:Region", "value": "eu-west-1"}]}])(baseline))
    assert failing(findings) == set()
    mine = [f for f in findings if f.control_id == "stack-data-store-require-backup-plan"]
    unknown = [f for f in mine if f.verdict is Verdict.UNKNOWN]
    assert len(unknown) == 4  # the instance and the three tables; the ledger has its own selection
    assert all("cannot verify that selection backups-selection" in f.message
               and "aws:Region is not a resource tag" in f.message for f in unknown)


def test_live_selection_conditions_are_read_too(baseline) -> None:
    """The audit's selections carry the API's Conditions as ``condition`` (conditionKey/-Value)."""
    live = change("backups-selection", condition={"stringEquals": [
        {"conditionKey": "aws:ResourceTag/backup", "conditionValue": "daily"}], "stringLike": []})
    results = backups.data_store_require_backup_plan(live(baseline))
    failed = {r.message.split(":", 1)[0] for r in results if r.verdict is Verdict.FAIL}
    assert failed == {"database-instance", "data-sessions", "data-oauth-tokens", "data-transactions"}


# --- messages ------------------------------------------------------------------------------------

def test_new_failure_messages_name_resource_property_and_fix(baseline) -> None:
    document = json.loads(find(baseline, "data-sessions-policy").props["policy"])
    document["Statement"][0]["Action"] = "dynamodb:GetItem"
    findings = run(change("data-sessions-policy", policy=json.dumps(document))(baseline))
    [finding] = [f for f in findings if f.verdict is Verdict.FAIL]
    assert finding.message.startswith("data-sessions-policy: policy is ")
    assert "nothing denies dynamodb:BatchGetItem, dynamodb:Query, dynamodb:Scan, dynamodb:PutItem and 9 more" in finding.message
    assert finding.path == "policy" and finding.expected.startswith("a Deny for Principal * of every item action")


@pytest.mark.parametrize(("shared", "verdict"), [
    (["444455556666"], Verdict.PASS), (["444455556666", "777788889999"], Verdict.FAIL),
    (["444455556666", "all"], Verdict.FAIL)])
def test_a_snapshot_may_be_shared_with_the_allowed_accounts_only(shared, verdict) -> None:
    snapshot = ResourceView("urn:pulumi:prod::p::aws:rds/snapshot:Snapshot::dr", "aws:rds/snapshot:Snapshot", "dr",
                            {"sharedAccounts": shared})
    result = database.snapshot_disallow_sharing(snapshot, settings={"allowedAccounts": ["444455556666"]})
    assert result.verdict is verdict, result.message
    assert database.snapshot_disallow_sharing(snapshot).verdict is Verdict.FAIL, "no account is allowed by default"


def test_an_imported_key_finding_shows_the_key_the_store_names(baseline) -> None:
    """The observed value is the reference as the store wrote it, not the reader's internal object."""
    imported = chain(add("aws:kms/externalKey:ExternalKey", "fx-imported", {"description": "imported"}),
                     change("data-bank-token", kmsKeyId="fx-imported-id"))
    [finding] = [f for f in run(imported(baseline)) if f.verdict is Verdict.FAIL]
    assert (finding.path, finding.observed) == ("kmsKeyId", '"fx-imported-id"'), finding.observed


@pytest.mark.parametrize(("action", "pattern", "matches"), [
    ("kms:Decrypt", "KMS:decrypt", True), ("kms:Decrypt", "kms:De*", True), ("kms:Decrypt", "*", True),
    ("s3:GetObject", "s3:Get?bject", True), ("kms:Decrypt", "kms:Encrypt", False),
    ("kms:Decrypt", "kms:Decrypt2", False), ("s3:a", "s3:[a]", False), ("s3:[a]", "s3:[a]*", True)])
def test_action_patterns_match_as_iam_does(action, pattern, matches):
    """Case-insensitive, only * and ? are wildcards: IAM has no [...] classes."""
    assert fnmatch_any(action, [pattern]) is matches
