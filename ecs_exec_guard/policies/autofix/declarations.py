"""Which containers of a task definition are meant for exec: declared once, on the task definition.

Three things may say it: ``ExecEnabledService(exec_containers=[...])`` and
``EcsExecAutoFix(exec_containers=[...])`` name *exactly* the exec containers of a task
definition; ``EcsExecContainerMixin`` says that the container it is applied to is one of them.
Every declaration is recorded here, against the task definition's L1, and the result is written
once as the task definition's ``ecs-exec-guard:exec-containers`` metadata, which the checks read.
Every container fix reads :func:`declared_exec_containers`. Declarations that disagree (two
different exact sets, or a Mixin on a container an exact set leaves out) fail synthesis with a
validation error on the task definition naming both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import jsii
from aws_cdk import aws_ecs as ecs
from constructs import IConstruct, IValidation

from ...analysis.model import EXEC_CONTAINERS_METADATA
from .common import construct_key


@dataclass(frozen=True)
class Declaration:
    """One statement of a task definition's exec containers, and who made it."""

    by: str
    names: frozenset[str]
    #: True: exactly these containers; False: at least these (EcsExecContainerMixin).
    exact: bool

    def describe(self) -> str:
        return f"{self.by} declares {sorted(self.names)}"


@dataclass
class _Record:
    cfn: ecs.CfnTaskDefinition
    declarations: list[Declaration] = field(default_factory=list)

    def effective(self) -> frozenset[str] | None:
        exact = [d for d in self.declarations if d.exact]
        if exact:
            return exact[0].names
        if self.declarations:
            return frozenset().union(*(d.names for d in self.declarations))
        return None

    def conflicts(self) -> list[tuple[Declaration, Declaration]]:
        out: list[tuple[Declaration, Declaration]] = []
        exact = [d for d in self.declarations if d.exact]
        for d in self.declarations:
            first = exact[0] if exact else None
            if first is None or d is first:
                continue
            if (d.exact and d.names != first.names) or (not d.exact and not d.names <= first.names):
                out.append((first, d))
        return out


# By the construct key of the task definition's L1. Keys are unique within a process.
_RECORDS: dict[str, _Record] = {}


def _cfn(task_definition: IConstruct) -> ecs.CfnTaskDefinition | None:
    if isinstance(task_definition, ecs.CfnTaskDefinition):
        return task_definition
    child = task_definition.node.default_child
    return child if isinstance(child, ecs.CfnTaskDefinition) else None


def declare_exec_containers(
    task_definition: IConstruct, names: Iterable[str], *, by: str, exact: bool = True
) -> None:
    """Record that ``by`` names ``names`` as (exactly, or at least) the exec containers.

    ``task_definition`` is an L2 ``TaskDefinition`` or its ``CfnTaskDefinition``. A conflict
    with an earlier declaration is reported when the app is synthesized.
    """
    cfn = _cfn(task_definition)
    if cfn is None:
        return
    key = construct_key(cfn)
    record = _RECORDS.get(key)
    if record is None:
        record = _RECORDS[key] = _Record(cfn)
        cfn.node.add_validation(_Consistent(record))
    declaration = Declaration(by, frozenset(names), exact)
    if declaration in record.declarations:
        return
    record.declarations.append(declaration)
    effective = record.effective()
    if effective is not None:
        cfn.add_metadata(EXEC_CONTAINERS_METADATA, sorted(effective))


def declared_exec_containers(task_definition: IConstruct) -> frozenset[str] | None:
    """The exec containers declared for a task definition; None when nothing was declared."""
    cfn = _cfn(task_definition)
    record = _RECORDS.get(construct_key(cfn)) if cfn is not None else None
    return record.effective() if record is not None else None


@jsii.implements(IValidation)
class _Consistent:
    """Fails synthesis when two declarations of a task definition's exec containers differ."""

    def __init__(self, record: _Record) -> None:
        self._record = record

    def validate(self) -> list[str]:
        return [
            f"conflicting exec containers for task definition {self._record.cfn.node.path}: "
            f"{first.describe()}, but {other.describe()}. A task definition has one set of exec "
            "containers: make the declarations agree, or make them in one place."
            for first, other in self._record.conflicts()
        ]
