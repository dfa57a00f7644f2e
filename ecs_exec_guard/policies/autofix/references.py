"""Which stack a cross-stack reference targets, when several stacks have the logical ID.

Before CDK prepares the app, a reference to another stack's resource renders as a ``Ref`` of a
logical ID the consuming template does not have; when several stacks have that logical ID
(several network stacks, each with a ``Vpc``), the snapshot asks the reference tokens
themselves (``Snapshot._referenced``) with these helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

from .common import BRIDGE_ERRORS, construct_key

if TYPE_CHECKING:
    from .snapshot import Element


@jsii.implements(cdk.IResolveContext)
class ProduceContext:
    """A resolve context that lets a ``Lazy`` produce its value once, resolving nothing in it
    (the token strings it yields stay as they are)."""

    def __init__(self, scope: IConstruct) -> None:
        self._scope = scope

    @property
    def document_path(self) -> list[str]:
        return []

    @property
    def preparing(self) -> bool:
        return False

    @property
    def scope(self) -> IConstruct:
        return self._scope

    def register_post_processor(self, post_processor: cdk.IPostProcessor) -> None:
        return None

    def resolve(
        self,
        x: Any,
        *,
        allow_intrinsic_keys: bool | None = None,
        remove_empty: bool | None = None,
    ) -> Any:
        return x


def token_strings(value: Any, context: cdk.IResolveContext, depth: int = 0) -> list[str]:
    """The strings in an unresolved L1 property value, ``Lazy`` values produced in
    ``context`` (a ``ProduceContext``; two bridge calls each, at most three levels deep);
    token strings are kept as they are."""
    if isinstance(value, str):
        return [value]
    if value is None or isinstance(value, bool | int | float):
        return []
    if isinstance(value, list | tuple):
        return [s for v in value for s in token_strings(v, context, depth)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in token_strings(v, context, depth)]
    if depth >= 3:
        return []
    try:
        token = cdk.Tokenization.reverse(value)
        produced = token.resolve(context) if token is not None else None
    except (*BRIDGE_ERRORS, AttributeError, TypeError):
        return []
    return token_strings(produced, context, depth + 1)


class ReferenceRecorder(cdk.DefaultTokenResolver):
    """A token resolver that notes, for each ``Reference`` met, the element it targets.

    Used only to find the targets (its output is thrown away): a reference is not resolved
    further, every other token (``Lazy`` values, intrinsics) is, so nested references are
    reached.
    """

    def __init__(self, by_construct: dict[str, Element]) -> None:
        super().__init__(cdk.StringConcat())
        self.by_construct = by_construct
        self.found: dict[tuple[str, str | None], set[str]] = {}

    def resolve_token(
        self, t: cdk.IResolvable, context: cdk.IResolveContext, post_processor: cdk.IPostProcessor
    ) -> Any:
        if isinstance(t, cdk.Reference):
            el = self.by_construct.get(construct_key(t.target))
            if el is not None:
                attr = t.display_name
                key = (el.logical_id, None if attr == "Ref" else attr)
                self.found.setdefault(key, set()).add(el.template)
            return ""
        return super().resolve_token(t, context, post_processor)
