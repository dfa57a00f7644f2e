"""AWS Batch job definitions that run ECS tasks, as launches.

A job definition writes its task inline (``EcsProperties.TaskProperties[0]``, or the older
single-container ``ContainerProperties``). The launch carries a view of it with task
definition property names (``ContainerDefinitions``, ``TaskRoleArn``, ...), so the container
and task role rules read it unchanged and report on the job definition. Property names: the
``AWS::Batch::JobDefinition`` schema shipped with cfn-lint.
"""

from __future__ import annotations

from typing import Any

from .intrinsics import Unknown
from .launch import Launch
from .model import Resource, as_list, get_ci, truthy

MAX_DEPTH = 64
BATCH_NETWORK = (
    "the subnets and security groups of a Batch job come from the compute environment of the "
    "job queue it is submitted to, which the job definition does not name"
)


def requests_exec(value: Any, depth: int = 0) -> bool:
    """Whether a resolved value sets EnableExecuteCommand anywhere to anything but false."""
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(
            (k == "EnableExecuteCommand" and truthy(v) is not False)
            or requests_exec(v, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(requests_exec(v, depth + 1) for v in value)
    return False


def batch_launch(job: Resource) -> Launch | None:
    """A Batch job definition that runs ECS tasks (``EcsProperties`` or ``ContainerProperties``).

    Its task is written inline: :attr:`Launch.embedded_task` is a view of it with task
    definition property names, so the container and task role rules read it unchanged.
    """
    p = job.props
    fargate = "FARGATE" in [
        c.upper() for c in as_list(p.get("PlatformCapabilities")) if isinstance(c, str)
    ]
    ecs = get_ci(p.get("EcsProperties"), "TaskProperties")
    container = p.get("ContainerProperties")
    if isinstance(ecs, list) and ecs and isinstance(ecs[0], dict):
        # AWS accepts exactly one task properties object.
        task = ecs[0]
        view = {
            "ContainerDefinitions": task.get("Containers"),
            "TaskRoleArn": task.get("TaskRoleArn"),
            "PidMode": task.get("PidMode"),
            "NetworkMode": task.get("NetworkMode") or ("awsvpc" if fargate else None),
            "RuntimePlatform": task.get("RuntimePlatform"),
        }
        where, exec_on, version = "task properties", task.get("EnableExecuteCommand"), task.get(
            "PlatformVersion"
        )
    elif isinstance(container, dict):
        linux = container.get("LinuxParameters")
        view = {
            "ContainerDefinitions": [
                {
                    "Name": "(job container)",
                    "ReadonlyRootFilesystem": container.get("ReadonlyRootFilesystem"),
                    "LinuxParameters": linux,
                    "User": container.get("User"),
                    "Environment": container.get("Environment"),
                    "Secrets": container.get("Secrets"),
                }
            ],
            "TaskRoleArn": container.get("JobRoleArn"),
            "NetworkMode": "awsvpc" if fargate else None,
            "RuntimePlatform": container.get("RuntimePlatform"),
        }
        where, exec_on = "container properties", container.get("EnableExecuteCommand")
        version = get_ci(container.get("FargatePlatformConfiguration"), "PlatformVersion")
    elif requests_exec(p.get("NodeProperties")):
        # Multi-node parallel jobs carry a task per node range: not read here, so say so.
        nodes = Unknown("the node ranges of a multi-node parallel job (NodeProperties) are not "
                        "read by this tool")
        return Launch(
            kind="batch-job",
            resource=job,
            where="node properties",
            exec_enabled=None,
            task_definition=nodes,
            cluster=None,
            launch_type="EC2",
            capacity_provider_strategy=None,
            platform_version=None,
            awsvpc=Unknown(BATCH_NETWORK),
            network_note=BATCH_NETWORK,
        )
    else:
        return None
    embedded = job.view({k: v for k, v in view.items() if v is not None})
    return Launch(
        kind="batch-job",
        resource=job,
        where=where,
        exec_enabled=truthy(exec_on),
        task_definition=None,
        cluster=None,
        launch_type="FARGATE" if fargate else "EC2",
        capacity_provider_strategy=None,
        platform_version=version,
        awsvpc=Unknown(BATCH_NETWORK),
        embedded_task=embedded,
        network_note=BATCH_NETWORK,
    )
