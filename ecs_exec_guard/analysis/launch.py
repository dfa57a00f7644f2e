"""A launch site of exec-enabled tasks, and the capacity its tasks run on (plain data).

Kept apart from :mod:`launches` (which finds them) so that the modules reading one kind of
launch site (:mod:`batch_jobs`) need not import the finder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Resource

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
MANAGED_INSTANCES = "MANAGED_INSTANCES"
#: The resource types whose ContainerDefinitions / TaskRoleArn the task rules read.
TASK_DEFINITION_TYPES = ("AWS::ECS::TaskDefinition", "AWS::ECS::DaemonTaskDefinition")
#: Daemons run in a network mode ECS sets itself, on their instances' network (the launch
#: template's subnets and security groups of their Managed Instances capacity providers).
DAEMON_NETWORK_MODE = "daemon_bridge"


@dataclass
class Launch:
    kind: str  # service | daemon | events-rule | schedule | pipe | state-machine | batch-job
    resource: Resource  # where launch-level findings are reported
    where: str  # human wording: "service", "rule target Target0", "state Run"
    exec_enabled: bool | None
    task_definition: Any
    cluster: Any
    launch_type: Any
    capacity_provider_strategy: Any
    platform_version: Any
    awsvpc: Any  # the AwsvpcConfiguration (resolved dict), or None
    extra: dict[str, Any] = field(default_factory=dict)
    #: ``Overrides.TaskRoleArn`` (``taskRoleArn`` in an EventBridge/Scheduler input): the role
    #: the tasks, and so the exec agent, use instead of the task definition's. None: no override.
    task_role_override: Any = None
    #: A task definition written inside the launch (a Batch job definition's task properties),
    #: as a view with task definition property names; findings on it go to the launch resource.
    embedded_task: Resource | None = None
    #: Why the launch's subnets cannot be known from the templates (empty when they can).
    network_note: str = ""

    @property
    def label(self) -> str:
        return f"{self.resource.logical_id} ({self.where})"


@dataclass
class Capacity:
    """What the tasks of a launch run on."""

    kind: str  # FARGATE | EC2 | MANAGED_INSTANCES | EXTERNAL | UNKNOWN
    providers: list[Resource] = field(default_factory=list)  # AWS::ECS::CapacityProvider
    reason: str = ""  # for UNKNOWN
