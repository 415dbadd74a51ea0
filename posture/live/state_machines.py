"""Step Functions: state machines with their logging level."""

from __future__ import annotations

from posture.live.base import UNREADABLE, Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.SFN_STATE_MACHINE,)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for machine in ctx.items("stepfunctions", "list_state_machines", "stateMachines", types=TYPES):
        arn = machine["stateMachineArn"]
        described = ctx.call("stepfunctions", "describe_state_machine", types=TYPES, resource=arn, stateMachineArn=arn)
        logging = (described or {}).get("loggingConfiguration") or {}
        views.append(ctx.view(tok.SFN_STATE_MACHINE, arn, machine["name"], {
            "arn": arn, "name": machine["name"],
            "loggingConfiguration": {"level": logging.get("level") or "OFF"} if described else UNREADABLE}))
    return views
