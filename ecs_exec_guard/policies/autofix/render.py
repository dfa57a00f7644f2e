"""A stack's template rendered in one bridge call, and which construct each resource is.

Reading an L1's properties across the bridge costs a round trip per resource (about 0.3 ms; a
500-service app has over 5,000 resources). Instead, the snapshot asks the stack's synthesizer
to write the stack's template (``StackSynthesizer.synthesizeTemplate``, protected API of
aws-cdk-lib, called with a session of our own that points at a scratch directory): one call per
stack, CDK's own rendering, with every property override (the user's included) applied.

Which construct each logical ID belongs to is then found without a call per resource: CDK
renders a stack's resources in the pre-order of its construct tree (nested stacks apart), the
order ``node.find_all()`` returns them in, so the i-th construct of a resource type is the i-th
resource of that type in the template. That holds when every construct of the type renders
exactly one resource; when the counts differ (an ``iam.Policy`` with no statement renders
nothing, a custom element renders several), or a logical ID is a bare number (JavaScript puts
those first), the logical IDs of that type's constructs are read across the bridge instead, in
one ``resolve`` per stack. Which stack each construct belongs to comes from the same pre-order
(``stack_owners``).

Side effect, the one difference from a synthesis without the aspect besides the fixes: CDK
notes the template file's name in the stack's metadata (``aws:cdk:templateFile``) each time it
writes the template, so ``<stack>.metadata.json`` lists that entry once more per render.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import cx_api
from constructs import IConstruct

from .common import BRIDGE_ERRORS

# A logical ID JavaScript would order before the others (an array index).
_INDEX_KEY = re.compile(r"^(0|[1-9][0-9]{0,9})$")
_TYPE_NAMES: dict[type[Any], str | None] = {}


@jsii.implements(cdk.ISynthesisSession)
class _Session:
    """A synthesis session writing into a scratch directory, never into the app's output."""

    def __init__(self, outdir: str) -> None:
        self._outdir = outdir
        self._assembly = cx_api.CloudAssemblyBuilder(outdir)

    # Properties, not attributes: jsii reads a Python object's members through its class.
    @property
    def assembly(self) -> cx_api.CloudAssemblyBuilder:
        return self._assembly

    @property
    def outdir(self) -> str:
        return self._outdir

    @property
    def validate_on_synth(self) -> bool | None:
        return False


class Renderer:
    """Renders stacks into one scratch directory; ``close()`` removes it."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._session: _Session | None = None

    def render(self, stack: cdk.Stack) -> dict[str, Any] | None:
        """The stack's template as CDK renders it now, or None when it cannot be had (a
        synthesizer that is not a ``StackSynthesizer``, or CDK failing to render)."""
        synthesizer = stack.synthesizer
        if not isinstance(synthesizer, cdk.StackSynthesizer):
            return None
        try:
            if self._session is None:
                self._dir = tempfile.mkdtemp(prefix="ecs-exec-guard-")
                self._session = _Session(self._dir)
            synthesizer._synthesize_template(cast(cdk.ISynthesisSession, self._session))
            name = stack.template_file
        except BRIDGE_ERRORS:
            return None
        assert self._dir is not None
        try:
            with (Path(self._dir) / name).open(encoding="utf-8") as f:
                template = json.load(f)
        except (OSError, ValueError):
            return None
        return template if isinstance(template, dict) else None

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
            self._session = None


def resource_type(construct: cdk.CfnResource) -> str | None:
    """The CloudFormation type of an L1: its class says it (no call), except for a generic
    ``CfnResource`` (custom resources, ...), read across the bridge."""
    cls = type(construct)
    if cls not in _TYPE_NAMES:
        name = getattr(cls, "CFN_RESOURCE_TYPE_NAME", None)
        _TYPE_NAMES[cls] = name if isinstance(name, str) else None
    known = _TYPE_NAMES[cls]
    if known is not None:
        return known
    try:
        return construct.cfn_resource_type
    except BRIDGE_ERRORS:
        return None


def align(
    stack: cdk.Stack,
    constructs: list[tuple[cdk.CfnResource, str | None]],
    resources: dict[str, Any],
) -> dict[str, cdk.CfnResource]:
    """Logical ID -> construct for the resources of ``stack``'s rendered template.

    ``constructs``: every L1 of the stack (not of its nested stacks) in pre-order, with its
    type. Types whose counts match are paired in order; the others' logical IDs are read.
    """
    in_template: dict[str, list[str]] = {}
    for lid, body in resources.items():
        rtype = body.get("Type") if isinstance(body, dict) else None
        in_template.setdefault(str(rtype), []).append(lid)
    in_tree: dict[str, list[cdk.CfnResource]] = {}
    unknown: list[cdk.CfnResource] = []
    for construct, rtype in constructs:
        if rtype is None:
            unknown.append(construct)
        else:
            in_tree.setdefault(rtype, []).append(construct)
    reordered = any(_INDEX_KEY.match(lid) for lid in resources)
    found: dict[str, cdk.CfnResource] = {}
    to_read = list(unknown)
    for rtype, members in in_tree.items():
        lids = in_template.get(rtype, [])
        if len(lids) == len(members) and not reordered:
            found.update(zip(lids, members, strict=True))
        else:
            to_read.extend(members)
    if to_read:
        found.update(read_logical_ids(stack, to_read, resources))
    return found


def read_logical_ids(
    stack: cdk.Stack, constructs: list[cdk.CfnResource], resources: dict[str, Any]
) -> dict[str, cdk.CfnResource]:
    """The logical IDs of ``constructs`` (a read each, one ``resolve``), those in ``resources``."""
    try:
        lids = cast(list[Any], stack.resolve([c.logical_id for c in constructs]))
    except BRIDGE_ERRORS:
        return {}
    return {
        str(lid): c
        for lid, c in zip(lids, constructs, strict=True)
        if isinstance(lid, str) and lid in resources
    }


@dataclass
class StackOwners:
    """Which stack owns each construct of a pre-order list, and the stacks' paths."""

    of: list[cdk.Stack | None]
    paths: dict[cdk.Stack, str]


def stack_owners(constructs: list[IConstruct]) -> StackOwners:
    """The stack of each construct of ``constructs``, a pre-order walk (``node.find_all()``).

    A construct belongs to its nearest enclosing stack. In pre-order, a stack's subtree is
    the run of constructs after it, so no per-construct call is needed: a stack with no stack
    above it owns everything up to the next such stack (a resource cannot sit outside a
    stack), and a stack inside another stack (a nested stack) owns the next ``n`` constructs,
    ``n`` being the size of its subtree, after which its parent owns the rest. Costs two calls
    per stack, and one ``find_all`` per nested stack.
    """
    stacks = [(i, c) for i, c in enumerate(constructs) if isinstance(c, cdk.Stack)]
    paths = {stack: stack.node.path for _, stack in stacks}
    prefixes = [p + "/" for p in paths.values()]
    ends: dict[int, int] = {}
    for i, stack in stacks:
        path = paths[stack]
        if any(path.startswith(p) for p in prefixes):  # inside another stack
            ends[i] = i + len(stack.node.find_all())
    owner: list[cdk.Stack | None] = []
    open_: list[tuple[cdk.Stack, int]] = []  # enclosing stacks, innermost last, with ends
    for i, c in enumerate(constructs):
        while open_ and open_[-1][1] <= i:
            open_.pop()
        if isinstance(c, cdk.Stack):
            if i not in ends:
                open_.clear()
            open_.append((c, ends.get(i, len(constructs))))
        owner.append(open_[-1][0] if open_ else None)
    return StackOwners(owner, paths)
