"""Entry point the Pulumi CLI runs (``python -m pulumi.policy <engine> <pack dir>`` executes this file
with the pack directory as ``sys.path[0]``); it serves the pack until the CLI stops it.

Nothing may be printed before ``PolicyPack`` starts: the CLI reads the analyzer's port from the
first line of stdout.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The policies import the shared rules from the project (posture/); make it importable even when
# the virtualenv does not have the project installed.
_PROJECT = str(Path(__file__).resolve().parent.parent)
if _PROJECT not in sys.path:
    sys.path.append(_PROJECT)

try:
    from pack import PACK_DESCRIPTION, POLICIES  # the CLI: the pack directory is sys.path[0]
except ImportError:
    from policies.pack import PACK_DESCRIPTION, POLICIES  # `python -m policies` from the repo root

from posture.catalog import PACK_NAME  # noqa: E402 - importable only once the project is on sys.path

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY,
           description=PACK_DESCRIPTION)
