"""The launch a Batch job definition gives, field by field, for each shape of job definition.

``EcsProperties.TaskProperties`` (the task written inline), the older single-container
``ContainerProperties``, a multi-node ``NodeProperties`` job and the shapes that are no ECS
launch. Each test pins the whole :class:`Launch` (and the task definition view the container
and task role rules read), not one field. Property names: the ``AWS::Batch::JobDefinition``
schema shipped with cfn-lint.
"""

from __future__ import annotations

from typing import Any

from cfn import Template, container
from launch_summary import expected, launches_in, model_of, summary

from ecs_exec_guard.analysis.batch_jobs import (
    BATCH_NETWORK,
    MAX_DEPTH,
    batch_launch,
    requests_exec,
)
from ecs_exec_guard.analysis.intrinsics import Unknown
from ecs_exec_guard.analysis.launch import Launch

JOB = "AWS::Batch::JobDefinition"
NETWORK = Unknown(BATCH_NETWORK)
ROLE = "arn:aws:iam::111122223333:role/job"


def launches_of(**props: Any) -> list[Launch]:
    """The launches of a template holding one job definition ``Job`` with these Properties."""
    t = Template()
    t.add("Job", JOB, **props)
    return launches_in(t)


def batch(where: str, *, exec_enabled: bool | None, launch_type: str, version: Any,
          embedded: dict[str, Any] | None) -> dict[str, Any]:
    """The summary of a Batch launch: what every job definition shape shares."""
    return expected(
        "batch-job", ("Job", JOB), where, exec_enabled=exec_enabled, launch_type=launch_type,
        platform_version=version, awsvpc=NETWORK, network_note=BATCH_NETWORK,
        embedded_task=None if embedded is None else ("Job", JOB, embedded))


def test_network_note_text() -> None:
    assert BATCH_NETWORK == (
        "the subnets and security groups of a Batch job come from the compute environment of "
        "the job queue it is submitted to, which the job definition does not name"
    )


# -- EcsProperties.TaskProperties -----------------------------------------------------------


def test_task_properties_on_fargate() -> None:
    """Every task property the rules read is carried over under its task definition name."""
    containers = [container("job", ReadonlyRootFilesystem=True)]
    platform = {"OperatingSystemFamily": "LINUX", "CpuArchitecture": "ARM64"}
    [launch] = launches_of(
        Type="container", PlatformCapabilities=["fargate"],
        EcsProperties={"TaskProperties": [{
            "Containers": containers, "TaskRoleArn": ROLE,
            "PidMode": "task", "RuntimePlatform": platform, "EnableExecuteCommand": "true",
            "PlatformVersion": "1.4.0", "ExecutionRoleArn": "ignored"}]})
    assert summary(launch) == batch(
        "task properties", exec_enabled=True, launch_type="FARGATE", version="1.4.0",
        embedded={"ContainerDefinitions": containers,
                  "TaskRoleArn": ROLE,
                  "PidMode": "task", "NetworkMode": "awsvpc", "RuntimePlatform": platform})


def test_task_properties_on_ec2_keep_their_network_mode() -> None:
    """On EC2 the network mode is the job's own (none written: none in the view)."""
    containers = [container("job")]
    [bridge, unset] = launches_of(
        Type="container", PlatformCapabilities=["EC2"],
        EcsProperties={"TaskProperties": [{
            "Containers": containers, "NetworkMode": "bridge", "EnableExecuteCommand": False}]},
    ) + launches_of(
        Type="container",
        EcsProperties={"TaskProperties": [{"Containers": containers}]})
    assert summary(bridge) == batch(
        "task properties", exec_enabled=False, launch_type="EC2", version=None,
        embedded={"ContainerDefinitions": containers, "NetworkMode": "bridge"})
    assert summary(unset) == batch(
        "task properties", exec_enabled=False, launch_type="EC2", version=None,
        embedded={"ContainerDefinitions": containers})


def test_task_properties_network_mode_written_on_fargate_wins() -> None:
    [launch] = launches_of(
        Type="container", PlatformCapabilities=["FARGATE"],
        EcsProperties={"TaskProperties": [{"NetworkMode": "host", "EnableExecuteCommand": True}]})
    assert summary(launch) == batch(
        "task properties", exec_enabled=True, launch_type="FARGATE", version=None,
        embedded={"NetworkMode": "host"})


def test_task_properties_that_are_not_a_list_of_objects_fall_through() -> None:
    """An empty list, or one whose first item is not an object, is not read as a task; the
    single-container form beside it is."""
    shapes: list[Any] = [[], ["not an object"], {"Containers": []}]
    for tasks in shapes:
        assert launches_of(Type="container", EcsProperties={"TaskProperties": tasks}) == []
        [launch] = launches_of(Type="container", EcsProperties={"TaskProperties": tasks},
                               ContainerProperties={"EnableExecuteCommand": True})
        assert launch.where == "container properties"


# -- ContainerProperties --------------------------------------------------------------------


def test_container_properties_on_fargate() -> None:
    """The single container is named "(job container)"; JobRoleArn is the task role."""
    linux = {"InitProcessEnabled": True}
    env = [{"Name": "A", "Value": "1"}]
    secrets = [{"Name": "S", "ValueFrom": "arn:aws:ssm:us-east-1:111122223333:parameter/s"}]
    platform = {"OperatingSystemFamily": "LINUX"}
    [launch] = launches_of(
        Type="container", PlatformCapabilities=["EC2", "Fargate"],
        ContainerProperties={
            "Image": "busybox", "JobRoleArn": ROLE, "ReadonlyRootFilesystem": True,
            "LinuxParameters": linux, "User": "1000", "Environment": env, "Secrets": secrets,
            "RuntimePlatform": platform, "EnableExecuteCommand": True,
            "FargatePlatformConfiguration": {"PlatformVersion": "1.3.0"}})
    assert summary(launch) == batch(
        "container properties", exec_enabled=True, launch_type="FARGATE", version="1.3.0",
        embedded={
            "ContainerDefinitions": [{
                "Name": "(job container)", "ReadonlyRootFilesystem": True,
                "LinuxParameters": linux, "User": "1000", "Environment": env,
                "Secrets": secrets}],
            "TaskRoleArn": ROLE,
            "NetworkMode": "awsvpc", "RuntimePlatform": platform})


def test_container_properties_on_ec2() -> None:
    """No Fargate capability: EC2, no network mode; the unset container fields stay None."""
    [launch] = launches_of(
        Type="container", PlatformCapabilities=["EC2"],
        ContainerProperties={"Image": "busybox", "EnableExecuteCommand": "True",
                             "FargatePlatformConfiguration": {"PlatformVersion": "LATEST"}})
    assert summary(launch) == batch(
        "container properties", exec_enabled=True, launch_type="EC2", version="LATEST",
        embedded={"ContainerDefinitions": [{
            "Name": "(job container)", "ReadonlyRootFilesystem": None,
            "LinuxParameters": None, "User": None, "Environment": None, "Secrets": None}]})


# -- NodeProperties and the shapes that are no ECS launch -----------------------------------


def test_multi_node_job_that_asks_for_exec() -> None:
    """Its node ranges are not read: the task definition is a cannot-verify."""
    node = {"TargetNodes": "0:", "EcsProperties": {"TaskProperties": [
        {"EnableExecuteCommand": True, "Containers": [container("main")]}]}}
    [launch] = launches_of(Type="multinode", PlatformCapabilities=["FARGATE"],
                           NodeProperties={"MainNode": 0, "NumNodes": 2,
                                           "NodeRangeProperties": [node]})
    expected = batch("node properties", exec_enabled=None, launch_type="EC2", version=None,
                     embedded=None)
    expected["task_definition"] = Unknown(
        "the node ranges of a multi-node parallel job (NodeProperties) are not read by this tool")
    assert summary(launch) == expected


def test_jobs_that_are_no_ecs_launch() -> None:
    eks = {"PodProperties": {"Containers": [{"Image": "busybox"}]}}
    off = {"NodeRangeProperties": [{"Container": {"EnableExecuteCommand": "false"}}]}
    assert launches_of(Type="container", EksProperties=eks) == []
    assert launches_of(Type="multinode", NodeProperties=off) == []
    assert launches_of(Type="container", ContainerProperties="not an object") == []


def test_batch_launch_of_a_resource_without_ecs_properties() -> None:
    t = Template()
    t.add("Job", JOB, Type="container")
    assert batch_launch(model_of(t).resources(JOB)[0]) is None


# -- requests_exec --------------------------------------------------------------------------


def nested(depth: int, leaf: Any, *, in_dicts: bool) -> Any:
    """``leaf`` under ``depth`` levels of lists (or of one-key objects)."""
    value = leaf
    for _ in range(depth):
        value = {"Next": value} if in_dicts else [value]
    return value


def test_requests_exec_reads_every_level() -> None:
    on, off = {"EnableExecuteCommand": True}, {"EnableExecuteCommand": False}
    assert requests_exec([{"A": [off, {"B": on}]}]) is True
    assert requests_exec([{"A": [off, {"B": off}]}, "EnableExecuteCommand"]) is False
    assert requests_exec({"EnableExecuteCommand": "maybe"}) is True  # not false: asks for it
    assert requests_exec({"enableExecuteCommand": True}) is False  # the exact key only
    assert requests_exec("EnableExecuteCommand") is False


def test_requests_exec_depth_limit() -> None:
    """Past MAX_DEPTH levels the answer is "yes" (safe: the job is then checked); a leaf at
    exactly MAX_DEPTH is still read."""
    assert MAX_DEPTH == 64
    for in_dicts in (False, True):
        assert requests_exec(nested(MAX_DEPTH, "leaf", in_dicts=in_dicts)) is False
        assert requests_exec(nested(MAX_DEPTH + 1, "leaf", in_dicts=in_dicts)) is True
        # A depth given by the caller counts: one level less is enough to reach the limit.
        assert requests_exec(nested(MAX_DEPTH, "leaf", in_dicts=in_dicts), 1) is True
