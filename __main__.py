"""The Pulumi program: read and validate this stack's config, then declare the baseline."""
from stacks.baseline import build_baseline
from stacks.config import load_stack_config

build_baseline(load_stack_config())
