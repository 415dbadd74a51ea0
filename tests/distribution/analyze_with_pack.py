"""Run with the python of a virtualenv that holds only the built pack's requirements: load the pack
the way the Pulumi CLI does (its own __main__.py, from its own folder, with the analyzer server
replaced by a stand-in that keeps the policies), send a stack through pulumi_policy's analyzer
servicer, and write what the pack reported as JSON.

    python analyze_with_pack.py PACK_DIR PROJECT_DIR STACK OUT.json
"""

import json
import os
import runpy
import sys
from pathlib import Path

import pulumi_policy
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy.policy import _PolicyAnalyzerServicer


def load_pack(pack_dir: Path) -> dict:
    served = {}

    class ServedPolicyPack:
        def __init__(self, name, policies, enforcement_level=None, **kwargs) -> None:
            served.update(name=name, policies=policies, enforcement_level=enforcement_level)

    pulumi_policy.PolicyPack = ServedPolicyPack
    sys.path.insert(0, str(pack_dir))
    runpy.run_path(str(pack_dir / "__main__.py"), run_name="__main__")
    return served


def run_stack(project_dir: Path, stack: str) -> list:
    from posture.program import run_project

    sys.path.insert(0, str(project_dir))
    os.chdir(project_dir)
    return [view for view in run_project(project_dir, stack) if view.custom]


def struct(props: dict) -> struct_pb2.Struct:
    """The props as the analyzer hands them to a policy: secrets (posture's REDACTED) already decrypted."""
    message = struct_pb2.Struct()
    message.update(json.loads(json.dumps(props, default=lambda _redacted: "plaintext-secret")))
    return message


def main() -> None:
    pack_dir, project_dir, stack, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), sys.argv[3], sys.argv[4]
    served = load_pack(pack_dir)
    views = run_stack(project_dir, stack)
    servicer = _PolicyAnalyzerServicer(served["name"], "0.0.1", served["policies"], served["enforcement_level"],
                                       None, None, None, None, None, None, None)
    diagnostics = [d for view in views for d in servicer.Analyze(proto.AnalyzeRequest(
        type=view.type, properties=struct(view.props), urn=view.urn, name=view.name), None).diagnostics]
    diagnostics += servicer.AnalyzeStack(proto.AnalyzeStackRequest(resources=[
        proto.AnalyzerResource(type=v.type, properties=struct(v.props), urn=v.urn, name=v.name) for v in views]),
        None).diagnostics
    Path(out).write_text(json.dumps({
        "pack": served["name"], "policies": len(served["policies"]), "resources": len(views),
        "posture_from": str(Path(sys.modules["posture"].__file__).parent),
        "diagnostics": [{"policy": d.policyName, "mandatory": d.enforcementLevel == proto.MANDATORY, "urn": d.urn,
                         "message": d.message} for d in diagnostics]}))


if __name__ == "__main__":
    main()
