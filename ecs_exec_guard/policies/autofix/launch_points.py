"""The launch points besides services: which L1s start a batch, and where the settings the
fixes change live in them.

Daemons (``CfnDaemon``) run a ``CfnDaemonTaskDefinition``, whose properties have task
definition names. EventBridge pipes (``pipes.CfnPipe``) hold their run-task parameters under
``TargetParameters.EcsTaskParameters``. Batch job definitions (``batch.CfnJobDefinition``)
write their task inline: the analyzer reads it through a view with task definition names, and
the fixes write through the paths below (``EcsProperties.TaskProperties.0`` or the older
``ContainerProperties``). Property names: the cfn-lint schemas of these resource types.
"""

from __future__ import annotations

from aws_cdk import aws_batch as batch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_pipes as pipes
from constructs import IConstruct

from ...analysis.launch import Launch
from ...analysis.model import Resource

#: L1 types whose resources are launch points the aspect fixes (a batch starts on any).
LAUNCH_TYPES: tuple[type[IConstruct], ...] = (
    ecs.CfnService,
    ecs.CfnDaemon,
    pipes.CfnPipe,
    batch.CfnJobDefinition,
)
#: Launch points that keep tasks running: ``enable_exec=True`` turns exec on for these.
ENABLE_TYPES: tuple[type[IConstruct], ...] = (ecs.CfnService, ecs.CfnDaemon)
#: Launch kinds (``Launch.kind``) the aspect fixes.
FIXED_KINDS = frozenset({"service", "daemon", "pipe", "batch-job"})

_BATCH_TASK = "EcsProperties.TaskProperties.0"
_BATCH_CONTAINER = "ContainerProperties"


def _batch_task_path(td: Resource) -> str | None:
    """Where a Batch job definition's task is: its task properties, or its one container."""
    if td.type != "AWS::Batch::JobDefinition":
        return None
    props = td.raw.get("Properties")
    if isinstance(props, dict) and "EcsProperties" in props:
        return _BATCH_TASK
    return _BATCH_CONTAINER


def container_path(td: Resource, index: int) -> str:
    """The property path of container ``index`` of a task definition (or its stand-in)."""
    where = _batch_task_path(td)
    if where == _BATCH_TASK:
        return f"{_BATCH_TASK}.Containers.{index}"
    if where == _BATCH_CONTAINER:
        return _BATCH_CONTAINER
    return f"ContainerDefinitions.{index}"


def task_role_path(td: Resource) -> str | None:
    """The property path of the task role where it is not the L1's ``task_role_arn``."""
    where = _batch_task_path(td)
    if where == _BATCH_TASK:
        return f"{_BATCH_TASK}.TaskRoleArn"
    if where == _BATCH_CONTAINER:
        return f"{_BATCH_CONTAINER}.JobRoleArn"
    return None


def platform_version_path(launch: Launch) -> str | None:
    """The property path of the Fargate platform version of a launch that is not a service."""
    if launch.kind == "pipe":
        return "TargetParameters.EcsTaskParameters.PlatformVersion"
    if launch.kind == "batch-job" and launch.embedded_task is not None:
        if _batch_task_path(launch.embedded_task) == _BATCH_TASK:
            return f"{_BATCH_TASK}.PlatformVersion"
        return f"{_BATCH_CONTAINER}.FargatePlatformConfiguration.PlatformVersion"
    return None
