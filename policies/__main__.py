"""Entry point of the CrossGuard pack; it serves the pack until the Pulumi CLI stops it.

Two ways in, one code: the CLI runs this folder (``python -m pulumi.policy <engine> <pack dir>``
executes this file with the pack directory as ``sys.path[0]``) for
``pulumi preview --policy-pack policies``; the published pack (``make pack``) runs the same file
installed as ``posture.policies`` (``python -m posture.policies``), so it needs nothing but its
own requirements.txt.

Nothing may be printed before ``PolicyPack`` starts: the CLI reads the analyzer's port from the
first line of stdout.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

if __package__:  # `python -m posture.policies` (installed) or `python -m policies` (repo root)
    from .pack import PACK_DESCRIPTION, POLICIES
else:  # the CLI runs this folder of the repository: the pack directory is sys.path[0]
    # The policies import the shared rules from the project (posture/); make it importable even
    # when the virtualenv does not have the project installed.
    _PROJECT = str(Path(__file__).resolve().parent.parent)
    if _PROJECT not in sys.path:
        sys.path.append(_PROJECT)
    from pack import PACK_DESCRIPTION, POLICIES

from posture.catalog import PACK_NAME  # importable only once the project is on sys.path

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY,
           description=PACK_DESCRIPTION)
