"""The registry of the property overrides the auto-fix and the Mixins made.

Overrides are private to CDK once made, so the snapshot replays the ones made here; the
registry is kept at module level so that a second aspect instance (or a Mixin followed by the
aspect) sees them. Keys are the kernel's object references (``construct_key``), which are
never reused within a process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk

from .common import construct_key

#: L1 key -> {property path: value}.
OVERRIDES: dict[str, dict[str, Any]] = {}


def override(cfn: cdk.CfnResource, path: str, value: Any) -> None:
    """``cfn.add_property_override(path, value)``, remembered for the next snapshot."""
    cfn.add_property_override(path, value)
    OVERRIDES.setdefault(construct_key(cfn), {})[path] = value


def apply_overrides(props: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Replay registered overrides (dotted property paths) on CloudFormation properties."""
    for path, value in overrides.items():
        parts = path.split(".")
        node: Any = props
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                try:
                    index = int(part)
                except ValueError:
                    break
                if not 0 <= index < len(node):
                    break
                if last:
                    node[index] = value
                else:
                    if not isinstance(node[index], dict | list):
                        node[index] = {}
                    node = node[index]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    if not isinstance(node.get(part), dict | list):
                        node[part] = {}
                    node = node[part]
            else:
                break
