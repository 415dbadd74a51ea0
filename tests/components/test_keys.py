"""Domain keys rotate and their policies grant use only through named services or roles."""

import json

import pytest

from components.keys import KEY_ADMIN_ACTIONS, DomainKey, DomainKeyArgs
from components.validation import InvalidInput
from tests.conftest import run_under_mocks

ROLE = "arn:aws:iam::111122223333:role/bank-sync"


def key_args(**overrides) -> DomainKeyArgs:
    return DomainKeyArgs(**{"domain": "bank-data", "account_id": "111122223333", "region": "eu-west-1",
                            "via_services": ["secretsmanager", "dynamodb"], **overrides})


def key_policy(args: DomainKeyArgs) -> tuple[dict, list[dict]]:
    key = run_under_mocks(lambda: DomainKey("k", args)).one("aws:kms/key:Key").props
    return key, json.loads(key["policy"])["Statement"]


def test_key_rotates_and_keeps_a_deletion_window():
    key, _ = key_policy(key_args())
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30


def test_root_administers_but_cannot_use_the_key():
    _, statements = key_policy(key_args())
    admin = statements[0]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert admin["Action"] == KEY_ADMIN_ACTIONS
    assert not any("*" in a or a in ("kms:Decrypt", "kms:Encrypt", "kms:CreateGrant") for a in admin["Action"])


def test_named_role_alone_may_use_the_key_through_named_services():
    _, statements = key_policy(key_args(user_role_arns=[ROLE]))
    use = statements[1]
    assert use["Principal"] == {"AWS": [ROLE]}
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == [
        "secretsmanager.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"]
    assert all(a != "*" and a != "kms:*" for s in statements for a in s["Action"])


def test_service_principals_are_scoped_to_the_account():
    _, statements = key_policy(key_args(via_services=[], service_principals=["logs.eu-west-1.amazonaws.com"]))
    [_admin, service] = statements
    assert service["Principal"] == {"Service": ["logs.eu-west-1.amazonaws.com"]}
    assert service["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_key_can_be_placed_in_another_region():
    registered = run_under_mocks(lambda: DomainKey("k", key_args(region="eu-central-1")))
    assert registered.one("aws:kms/key:Key").props["region"] == "eu-central-1"
    assert registered.one("aws:kms/alias:Alias").props["name"] == "alias/security-baseline/bank-data"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"domain": "Bank Data"}, "domain"),
    ({"account_id": "1234"}, "account_id"),
    ({"via_services": [], "service_principals": []}, "via_services"),
    ({"deletion_window_days": 3}, "deletion_window_days"),
])
def test_insecure_or_broken_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as err:
        key_args(**overrides)
    assert err.value.field == field
