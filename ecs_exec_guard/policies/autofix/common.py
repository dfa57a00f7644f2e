"""Small helpers every part of the auto-fix shares: construct identity, IDs, annotation codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from constructs import IConstruct
from jsii.errors import JSIIError

ANNOTATION_PREFIX = "EcsExecAutoFix"
WARNING_ROOT_FS = "ecs-exec-guard:autofix:readonly-root-filesystem"
WARNING_CANNOT_FIX = "ecs-exec-guard:autofix:cannot-fix"

#: What a failing call into aws-cdk-lib raises in Python (a JS exception is a RuntimeError).
BRIDGE_ERRORS = (JSIIError, RuntimeError)

# What constructs raises when a scope already has a child of that ID.
_ID_TAKEN = "There is already a Construct with name"
_T = TypeVar("_T")

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_LINUX_MIN = ((1, 4, 0), "1.4.0")
_WINDOWS_MIN = ((1, 0, 0), "1.0.0")


@dataclass
class Stats:
    """What the aspect spent, for tests and benchmarks."""

    visits: int = 0
    #: Seconds spent inside ``visit`` in all (the batches included; not the bridge's own
    #: cost of each callback, which is paid in Node and in the jsii runtime).
    own_seconds: float = 0.0
    snapshots: int = 0
    resources_resolved: int = 0
    snapshot_seconds: float = 0.0
    fix_seconds: float = 0.0


def construct_key(construct: Any) -> str:
    """A stable identity for a construct across the bridge.

    jsii hands out a new Python proxy each time a JS-created object crosses, so ``id()`` and
    ``is`` do not identify a construct; the kernel's object reference does.
    """
    ref = getattr(construct, "__jsii_ref__", None)
    return cast(str, ref.ref) if ref is not None else f"py:{id(construct)}"


def owns(l2: IConstruct, l1: IConstruct) -> bool:
    """Whether ``l1`` is the L1 resource of the L2 ``l2`` (its default child)."""
    child = l2.node.default_child
    return child is not None and construct_key(child) == construct_key(l1)


def unique_id(scope: IConstruct, base: str) -> str:
    """``base``, or ``base2``, ``base3``, ... : the first ID not taken under ``scope``."""
    candidate = base
    n = 2
    while scope.node.try_find_child(candidate) is not None:
        candidate = f"{base}{n}"
        n += 1
    return candidate


def add_child(scope: IConstruct, base: str, make: Callable[[str], _T]) -> _T:
    """``make(id)``, a new child of ``scope`` under the first free ID of ``base``, ``base2``,
    ``base3``, ...: tried with ``base`` first, so a free ID (the common case) costs the one call
    that creates the construct instead of a lookup first (``unique_id``)."""
    try:
        return make(base)
    except BRIDGE_ERRORS as e:
        if _ID_TAKEN not in str(e):
            raise
    return make(unique_id(scope, base))


def exec_platform_version(version: Any, windows: bool) -> str | None:
    """The first Fargate platform version with ECS Exec, if ``version`` is a pinned older one.

    None when ``version`` is fine, or is not a pinned ``x.y.z`` (``LATEST``, a token, unset).
    """
    m = _VERSION.match(version) if isinstance(version, str) else None
    if m is None:
        return None
    minimum, text = _WINDOWS_MIN if windows else _LINUX_MIN
    if tuple(int(g) for g in m.groups()) >= minimum:
        return None
    return text
