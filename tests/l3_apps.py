"""Small CDK apps built around ``ExecEnabledService``, for tests/test_exec_enabled_service.py.

Every builder returns a :class:`Built` (the unsynthesized app plus the constructs the tests
look at). Stacks are environment-agnostic and use a registry image, so the templates hold no
asset hashes apart from the ones CDK's own custom resources bring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from ecs_exec_guard.constructs import (
    ExecEnabledService,
    ExecLogging,
    ExecMode,
    ExecOperatorPolicy,
)
from ecs_exec_guard.constructs.exec_enabled_service import SERVICE_TAG

IMAGE = "public.ecr.aws/docker/library/nginx:stable"
NO_FAIL = {"@aws-cdk/core:failSynthOnValidationErrors": False}


@dataclass
class Built:
    """An unsynthesized app and the constructs the tests inspect."""

    app: cdk.App
    outdir: str
    stack: cdk.Stack
    services: dict[str, ExecEnabledService] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def new_app(outdir: str, *, fail: bool = True, full_pack: bool = False) -> cdk.App:
    """An app writing to ``outdir``; ``fail=False`` keeps a violating app synthesizable."""
    app = cdk.App(outdir=outdir, context={} if fail else dict(NO_FAIL))
    if full_pack:
        from ecs_exec_guard.policies.pack import EcsExecChecks

        cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    return app


def isolated_vpc(stack: cdk.Stack) -> ec2.Vpc:
    """Only PRIVATE_ISOLATED subnets, no NAT: no route out of the VPC."""
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )


def nat_vpc(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)


def fargate_task(
    stack: cdk.Stack,
    id: str = "Task",
    *,
    containers: Sequence[str] = ("app",),
    readonly: bool | None = None,
    init: bool | None = None,
) -> ecs.FargateTaskDefinition:
    td = ecs.FargateTaskDefinition(stack, id)
    for name in containers:
        td.add_container(
            name,
            image=ecs.ContainerImage.from_registry(IMAGE),
            readonly_root_filesystem=readonly,
            essential=name == containers[0],
            linux_parameters=(
                ecs.LinuxParameters(stack, f"{id}{name}Linux", init_process_enabled=init)
                if init is not None
                else None
            ),
        )
    return td


# -- read-only root filesystem (NAT VPC, otherwise fine) --------------------------------------


def readonly_root(
    outdir: str,
    mode: ExecMode,
    *,
    fail: bool = True,
    containers: Sequence[str] = ("app",),
    exec_containers: Sequence[str] | None = None,
) -> Built:
    """One ExecEnabledService whose container(s) have a read-only root filesystem."""
    app = new_app(outdir, fail=fail)
    stack = cdk.Stack(app, "ReadonlyRoot")
    cluster = ecs.Cluster(stack, "Cluster", vpc=nat_vpc(stack))
    td = fargate_task(stack, containers=containers, readonly=True, init=True)
    svc = ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=td,
        mode=mode,
        exec_containers=exec_containers,
    )
    return Built(app, outdir, stack, {"Web": svc})


# -- isolated VPC, Fargate or EC2, with or without exec logging + KMS --------------------------


def isolated(
    outdir: str,
    mode: ExecMode,
    *,
    launch: str = "fargate",
    logging: bool = False,
    fail: bool = True,
) -> Built:
    """An ExecEnabledService in a VPC with only isolated subnets (no NAT).

    ``launch`` is ``"fargate"`` or ``"ec2"`` (an AsgCapacityProvider over an AutoScalingGroup
    of ECS-optimized Amazon Linux 2 instances, an Ec2TaskDefinition in bridge mode).
    ``logging`` adds ExecLogging with a CloudWatch log group and a KMS key.
    """
    app = new_app(outdir, fail=fail)
    stack = cdk.Stack(app, f"Isolated{launch.capitalize()}{'Logging' if logging else ''}")
    vpc = isolated_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    extra: dict[str, Any] = {}
    props: dict[str, Any] = {}
    if launch == "fargate":
        td: ecs.TaskDefinition = fargate_task(stack, init=True)
    elif launch == "ec2":
        asg = autoscaling.AutoScalingGroup(
            stack,
            "Asg",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            instance_type=ec2.InstanceType("t3.small"),
            machine_image=ecs.EcsOptimizedImage.amazon_linux2(),
            min_capacity=1,
            max_capacity=2,
        )
        provider = ecs.AsgCapacityProvider(stack, "Capacity", auto_scaling_group=asg)
        cluster.add_asg_capacity_provider(provider)
        td = ecs.Ec2TaskDefinition(stack, "Task")
        td.add_container(
            "app",
            image=ecs.ContainerImage.from_registry(IMAGE),
            memory_limit_mib=256,
            linux_parameters=ecs.LinuxParameters(stack, "AppLinux", init_process_enabled=True),
        )
        props["capacity_provider_strategies"] = [
            ecs.CapacityProviderStrategy(
                capacity_provider=provider.capacity_provider_name, weight=1
            )
        ]
        extra["asg"] = asg
    else:
        raise ValueError(launch)
    exec_logging = None
    if logging:
        key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
        group = logs.LogGroup(
            stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY
        )
        exec_logging = ExecLogging(log_group=group, kms_key=key)
        extra.update(key=key, log_group=group)
    svc = ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=td,
        mode=mode,
        exec_logging=exec_logging,
        **props,
    )
    return Built(app, outdir, stack, {"Web": svc}, extra)


# -- two services in one app ------------------------------------------------------------------


def service_and_other(
    outdir: str,
    mode: ExecMode = ExecMode.ENFORCE,
    *,
    web_violates: bool = True,
    full_pack: bool = False,
    pack_first: bool = True,
) -> Built:
    """An ExecEnabledService (``Web``) next to a plain exec service with a read-only root.

    The plain service (``Other``) violates EcsExec-CTR1 and no ExecEnabledService covers it;
    ``Web`` violates CTR1 too when ``web_violates``. ``full_pack`` registers
    ``EcsExecChecks(app)`` before the services (``pack_first``) or after them.
    """
    app = new_app(outdir, full_pack=full_pack and pack_first)
    stack = cdk.Stack(app, "TwoServices")
    cluster = ecs.Cluster(stack, "Cluster", vpc=nat_vpc(stack))
    web = ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=fargate_task(stack, "WebTask", readonly=web_violates, init=True),
        mode=mode,
    )
    other = ecs.FargateService(
        stack,
        "Other",
        cluster=cluster,
        task_definition=fargate_task(stack, "OtherTask", readonly=True, init=True),
        enable_execute_command=True,
    )
    if full_pack and not pack_first:
        from ecs_exec_guard.policies.pack import EcsExecChecks

        cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    return Built(app, outdir, stack, {"Web": web}, {"other": other})


# -- operator access --------------------------------------------------------------------------


def operators(outdir: str) -> Built:
    """Compliant services, one with exec logging + KMS (``Web``), one without (``Plain``), and
    operator roles granted exec on them; an ExecOperatorPolicy with Web's statements.

    Every operator role already allows ``ssm:StartSession`` on ``*`` (say, for EC2 instances):
    without grant_execute's Deny, EcsExec-ACC1 would report them.
    """
    app = new_app(outdir)
    stack = cdk.Stack(app, "Operators")
    cluster = ecs.Cluster(stack, "Cluster", vpc=nat_vpc(stack))
    key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
    group = logs.LogGroup(stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY)
    td = fargate_task(stack, containers=("app", "sidecar"), init=True)
    svc = ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=td,
        mode=ExecMode.ENFORCE,
        exec_logging=ExecLogging(log_group=group, kms_key=key),
    )
    # A second cluster and service without exec logging or a KMS key.
    plain_cluster = ecs.Cluster(stack, "PlainCluster", vpc=cluster.vpc)
    plain = ExecEnabledService(
        stack,
        "Plain",
        cluster=plain_cluster,
        task_definition=fargate_task(stack, "PlainTask", init=True),
        mode=ExecMode.ENFORCE,
    )
    roles: dict[str, iam.Role] = {}
    for name in ("AppOperator", "AnyContainerOperator", "PlainOperator"):
        role = iam.Role(stack, name, assumed_by=iam.AccountRootPrincipal())
        role.add_to_policy(
            iam.PolicyStatement(actions=["ssm:StartSession"], resources=["*"])
        )
        roles[name] = role
    grants = {
        "AppOperator": svc.grant_execute(roles["AppOperator"], container_name="app"),
        "AnyContainerOperator": svc.grant_execute(roles["AnyContainerOperator"]),
        "PlainOperator": plain.grant_execute(roles["PlainOperator"]),
    }
    managed = ExecOperatorPolicy(
        stack,
        "OperatorPolicy",
        cluster_name=cluster.cluster_name,
        container_name="app",
        task_tags={SERVICE_TAG: svc.service_tag_value},
        kms_key_arn=key.key_arn,
    )
    return Built(
        app,
        outdir,
        stack,
        {"Web": svc, "Plain": plain},
        {"roles": roles, "grants": grants, "key": key, "cluster": cluster, "managed": managed},
    )
