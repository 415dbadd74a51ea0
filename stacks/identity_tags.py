"""Every taggable resource the baseline creates carries its project, stack and logical name as tags.

A live audit and ``posture diff`` then pair a deployed resource with its plan exactly (the logical
name is in the URN offline and in the tags live), and ``posture audit --stack`` tells the stack's
resources from everything else in the account (the default VPC, another stack, a console click).
A stack transformation is used rather than the provider's ``default_tags`` because the logical
name differs per resource. The ``pulumi:`` prefix is allowed by AWS (only ``aws:`` is reserved).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from posture.identity import NAME_TAG, PROJECT_TAG, STACK_TAG


def tag_every_resource() -> None:
    """Register the transformation for the rest of the program (call before declaring resources)."""
    project, stack = pulumi.get_project(), pulumi.get_stack()

    def add_identity(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.props, Mapping) or "tags" not in args.props:
            return None  # components and resources AWS cannot tag
        identity = {PROJECT_TAG: project, STACK_TAG: stack, NAME_TAG: args.name}
        tags = args.props["tags"]
        if tags is None or isinstance(tags, Mapping):
            merged = {**(tags or {}), **identity}
        else:
            merged = pulumi.Output.from_input(tags).apply(lambda t: {**(t or {}), **identity})
        return pulumi.ResourceTransformationResult({**args.props, "tags": merged}, args.opts)

    pulumi.runtime.register_stack_transformation(add_identity)
