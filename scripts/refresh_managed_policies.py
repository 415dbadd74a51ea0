"""Regenerate posture/iam/aws_managed_policies.tsv, the dated snapshot of AWS managed policy
documents the who-can-read model judges managed policies by (``make refresh-managed-policies``).

Source: the documents moto ships (moto/iam/aws_managed_policies.py, which moto's maintainers
re-import from AWS with ``make aws_managed_policies``). moto is a dev dependency only, so the
installed tool carries this generated data file, not moto; the file records moto's version and
the newest policy update it holds, so a reader can tell how fresh it is.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

from moto.iam.aws_managed_policies import aws_managed_policies_data

TARGET = Path(__file__).resolve().parent.parent / "posture" / "iam" / "aws_managed_policies.tsv"


def snapshot() -> str:
    """A provenance line, then one ``ARN<TAB>document`` line per policy, sorted: the reader splits
    lines and parses only the documents a stack attaches (parsing all 1,500 costs ~0.15 s)."""
    policies = json.loads(aws_managed_policies_data)
    header = {"source": f"moto {version('moto')}, moto/iam/aws_managed_policies.py",
              "newest_policy_update": max(p["UpdateDate"] for p in policies.values())[:10], "policies": len(policies)}
    lines = [json.dumps(header, sort_keys=True)]
    lines += sorted(f"arn:aws:iam::aws:policy{p['Path']}{name}\t{json.dumps(p['Document'], separators=(',', ':'))}"
                    for name, p in policies.items())
    return "\n".join(lines) + "\n"


def main() -> int:
    TARGET.write_text(snapshot())
    print(f"{TARGET.name}: {TARGET.read_text().splitlines()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
