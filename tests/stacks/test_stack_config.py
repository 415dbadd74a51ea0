"""Bad stack config stops the program with one line naming the file, the key and the fix."""

import dataclasses
import json
import runpy

import pytest

from posture.program import read_stack_files, run_program
from stacks.config import ConfigError
from tests.conftest import PROJECT_DIR

PROD = read_stack_files(PROJECT_DIR, "prod")


def run_prod_with(changes: dict, secret_keys: tuple[str, ...] = ()):
    config = {**PROD.config, **changes}
    config = {k: v for k, v in config.items() if v is not None}
    files = dataclasses.replace(PROD, config=config, secret_keys=[*PROD.secret_keys, *secret_keys])
    return run_program(lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py")), files)


@pytest.mark.parametrize(("changes", "key"), [
    ({"security-baseline:environment": "production"}, "security-baseline:environment"),
    ({"security-baseline:environment": None}, "security-baseline:environment"),
    ({"security-baseline:accountId": "12345"}, "security-baseline:accountId"),
    ({"aws:region": "ireland"}, "aws:region"),
    ({"security-baseline:backupCopyRegion": "eu-west-1"}, "security-baseline:backupCopyRegion"),
    ({"security-baseline:availabilityZones": json.dumps(["eu-west-1a", "eu-west-1b"])},
     "security-baseline:availabilityZones"),
    ({"security-baseline:availabilityZones": json.dumps(["us-east-1a", "us-east-1b", "us-east-1c"])},
     "security-baseline:availabilityZones"),
    ({"security-baseline:availabilityZones": "eu-west-1a"}, "security-baseline:availabilityZones"),
    ({"security-baseline:vpcCidr": "10.10.0.0/33"}, "security-baseline:vpcCidr"),
    ({"security-baseline:vpcCidr": "0.0.0.0/0"}, "security-baseline:vpcCidr"),
    ({"security-baseline:backupRetentionDays": "seven"}, "security-baseline:backupRetentionDays"),
    ({"security-baseline:backupRetentionDays": "7"}, "security-baseline:backupRetentionDays"),
    ({"security-baseline:databaseBackupRetentionDays": "3"}, "security-baseline:databaseBackupRetentionDays"),
    ({"security-baseline:bankAggregatorToken": "tok_live_123"}, "security-baseline:bankAggregatorToken"),
    ({"security-baseline:certificateArn": "arn:aws:acm:eu-west-1:111122223333:certificate/not-a-uuid"},
     "security-baseline:certificateArn"),
    ({"security-baseline:certificateArn": None}, "security-baseline:certificateArn"),
    ({"security-baseline:allowlists": json.dumps({"admin": [{"cidr": "0.0.0.0/0", "description": "everyone"}]})},
     "security-baseline:allowlists.admin[0].cidr"),
    ({"security-baseline:allowlists": json.dumps({"vpn": [{"cidr": "192.0.2.0/28", "description": "vpn"}]})},
     "security-baseline:allowlists.vpn"),
    ({"security-baseline:allowlists": json.dumps(["192.0.2.0/28"])}, "security-baseline:allowlists"),
    ({"security-baseline:blocklist": json.dumps([{"cidr": "203.0.113.300/32", "description": "typo"}])},
     "security-baseline:blocklist[0].cidr"),
    ({"security-baseline:blocklist": json.dumps([{"cidr": "203.0.113.0/24", "description": "x"},
                                                 {"cidr": "203.0.113.0/24", "description": "y"}])},
     "security-baseline:blocklist[1].cidr"),
    ({"security-baseline:aggregatorCidrs": json.dumps(["0.0.0.0/0"])}, "security-baseline:aggregatorCidrs[0]"),
    ({"security-baseline:databaseInstanceClass": json.dumps(["db.r6g.large"])},
     "security-baseline:databaseInstanceClass"),
])
def test_bad_value_gives_one_line_naming_the_key(changes, key):
    with pytest.raises(ConfigError) as err:
        run_prod_with(changes)
    message = str(err.value)
    assert err.value.key == key
    assert message.startswith(f"Pulumi.prod.yaml {key}: ")
    assert "\n" not in message
    assert "tok_live_123" not in message, "a secret value must never be echoed"


def test_secure_secret_values_are_accepted():
    resources = run_prod_with({"security-baseline:bankAggregatorToken": "placeholder"},
                              secret_keys=("security-baseline:bankAggregatorToken",))
    assert resources
