"""The rule base class and the analysis context the rules share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..findings import Finding, Severity
from ..iam import IamIndex
from ..launches import (
    Capacity,
    Launch,
    capacity,
    cluster,
    find_launches,
    is_windows,
    network_mode,
    task_definition,
)
from ..model import Model, Resource
from ..network import Assessment, NetworkIndex, assess


@dataclass
class LaunchFacts:
    launch: Launch
    task_definition: Resource | None
    cluster: Resource | None
    capacity: Capacity
    network_mode: Any
    windows: bool
    _network: Assessment | None = None
    _assessed: bool = False


@dataclass
class TaskRoleUse:
    """A task definition as exec launches run it, with the task role its tasks get.

    The role is the launch's ``Overrides.TaskRoleArn`` when it sets one, else the task
    definition's ``TaskRoleArn``; launches that agree share one use.
    """

    task_definition: Resource
    raw: Any  # the role as resolved (None: no task role)
    role: Resource | None  # the role when it is in the input
    launches: list[Launch]
    overridden: bool

    @property
    def subject(self) -> str:
        """How messages name what runs with this role."""
        td = self.task_definition.logical_id
        if not self.overridden:
            return td
        labels = ", ".join(lc.label for lc in self.launches)
        return f"{td} as launched by {labels} (Overrides.TaskRoleArn)"

    @property
    def reported_on(self) -> Resource:
        """The task definition, or the launch that overrides the role (where the fix goes)."""
        return self.launches[0].resource if self.overridden else self.task_definition


@dataclass
class Options:
    require_exec: bool = False


@dataclass
class Context:
    """Everything the rules share for one analysis; derived facts are computed once."""

    model: Model
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        self.launches = find_launches(self.model)
        self.exec_launches = [lc for lc in self.launches if lc.exec_enabled is not False]
        self._facts: dict[int, LaunchFacts] = {}
        self._iam: IamIndex | None = None
        self._net: NetworkIndex | None = None
        self._exec_tds: dict[Resource, list[Launch]] | None = None
        self._role_uses: list[TaskRoleUse] | None = None

    @property
    def iam(self) -> IamIndex:
        if self._iam is None:
            self._iam = IamIndex(self.model)
        return self._iam

    @property
    def net(self) -> NetworkIndex:
        if self._net is None:
            self._net = NetworkIndex(self.model)
        return self._net

    def facts(self, launch: Launch) -> LaunchFacts:
        key = id(launch)
        if key not in self._facts:
            td = task_definition(self.model, launch)
            cap = capacity(self.model, launch, td)
            self._facts[key] = LaunchFacts(
                launch=launch,
                task_definition=td,
                cluster=cluster(self.model, launch),
                capacity=cap,
                network_mode=network_mode(td, cap),
                windows=is_windows(td),
            )
        return self._facts[key]

    def network(self, launch: Launch) -> Assessment | None:
        f = self.facts(launch)
        if not f._assessed:
            f._network = assess(self.model, self.net, launch, f.network_mode, f.capacity, f.cluster)
            f._assessed = True
        return f._network

    def exec_task_definitions(self) -> dict[Resource, list[Launch]]:
        """Task definitions used by exec launches (in first-use order), with their launches.

        Computed once per analysis: most rules start from it.
        """
        if self._exec_tds is None:
            out: dict[Resource, list[Launch]] = {}
            for launch in self.exec_launches:
                td = self.facts(launch).task_definition
                if td is not None:
                    out.setdefault(td, []).append(launch)
            self._exec_tds = out
        return self._exec_tds

    def task_role_uses(self) -> list[TaskRoleUse]:
        """Every (task definition, task role) pair exec launches run, in first-use order."""
        if self._role_uses is None:
            uses: dict[tuple[Resource, bool, str], TaskRoleUse] = {}
            for td, launches in self.exec_task_definitions().items():
                for launch in launches:
                    overridden = launch.task_role_override is not None
                    raw = (
                        launch.task_role_override if overridden else td.props.get("TaskRoleArn")
                    )
                    key = (td, overridden, _role_key(raw))
                    if key in uses:
                        uses[key].launches.append(launch)
                    else:
                        role = None if raw is None else self.iam.principal(raw, "AWS::IAM::Role")
                        uses[key] = TaskRoleUse(td, raw, role, [launch], overridden)
            self._role_uses = list(uses.values())
        return self._role_uses


def _role_key(raw: Any) -> str:
    """A task role value as a key that tells every value apart (a describe() text names no
    template and is cut at 120 characters)."""
    return json.dumps(raw, default=repr)


class Rule:
    """One ECS Exec prerequisite. Subclasses set the class attributes and implement check()."""

    id: ClassVar[str]
    severity: ClassVar[Severity]
    #: What resource the finding is reported on.
    reported_on: ClassVar[str]
    #: One sentence: what the rule checks.
    description: ClassVar[str]
    #: Why ECS Exec breaks (or may break) when the rule fails.
    explanation: ClassVar[str]
    #: What to change.
    fix: ClassVar[str]

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(
        self,
        resource: Resource,
        message: str,
        *,
        unverified: bool = False,
        fix: str | None = None,
    ) -> Finding:
        """A finding on ``resource``. Cannot-verify findings are warnings, whatever the rule."""
        severity = Severity.WARNING if unverified else self.severity
        if unverified and not message.startswith("Cannot verify"):
            message = f"Cannot verify: {message}"
        return Finding(
            rule_id=self.id,
            severity=severity,
            template=resource.template.name,
            logical_id=resource.logical_id,
            message=message,
            fix=fix or self.fix,
            construct_path=resource.construct_path,
            resource_type=resource.type,
            unverified=unverified,
        )


def names(resources: list[Resource]) -> str:
    return ", ".join(r.logical_id for r in resources)
