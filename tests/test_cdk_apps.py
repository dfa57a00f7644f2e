"""The analyzer on templates synthesized from real CDK apps, the constructs people use.

Two stacks (the VPC in one, the services in the other, so every network reference crosses
stacks), analysed from the cloud assembly with construct paths: plain FargateService and
Ec2Service on an ASG capacity provider, and the ecs_patterns services.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as patterns

from ecs_exec_guard.analysis import Report, analyze
from ecs_exec_guard.analysis.loader import load_paths

pytestmark = pytest.mark.slow

IMAGE = ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:latest")


def _fargate_task(stack: cdk.Stack, name: str, **container: object) -> ecs.FargateTaskDefinition:
    task = ecs.FargateTaskDefinition(stack, name)
    task.add_container("app", image=IMAGE, port_mappings=[ecs.PortMapping(container_port=80)],
                       **container)  # type: ignore[arg-type]
    return task


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("cdkapps")
    app = cdk.App(outdir=str(out))
    net = cdk.Stack(app, "Net")
    vpc = ec2.Vpc(net, "Vpc", max_azs=2, nat_gateways=1)
    svc = cdk.Stack(app, "Apps")
    cluster = ecs.Cluster(svc, "Cluster", vpc=vpc)

    # Plain Fargate, broken on purpose: read-only root and an old platform.
    ecs.FargateService(
        svc, "Plain", cluster=cluster, enable_execute_command=True,
        task_definition=_fargate_task(svc, "PlainTask", readonly_root_filesystem=True),
        platform_version=ecs.FargatePlatformVersion.VERSION1_3,
    )
    # EC2 on an ASG capacity provider with the ECS-optimized AMI (an SSM parameter).
    asg = autoscaling.AutoScalingGroup(
        svc, "Asg", vpc=vpc, instance_type=ec2.InstanceType("t3.small"),
        machine_image=ecs.EcsOptimizedImage.amazon_linux2(), min_capacity=1, max_capacity=2,
    )
    provider = ecs.AsgCapacityProvider(svc, "Provider", auto_scaling_group=asg)
    cluster.add_asg_capacity_provider(provider)
    ec2_task = ecs.Ec2TaskDefinition(svc, "Ec2Task")
    ec2_task.add_container("app", image=IMAGE, memory_limit_mib=256)
    ecs.Ec2Service(
        svc, "OnEc2", cluster=cluster, task_definition=ec2_task, enable_execute_command=True,
        capacity_provider_strategies=[
            ecs.CapacityProviderStrategy(capacity_provider=provider.capacity_provider_name,
                                         weight=1)
        ],
    )
    patterns.ApplicationLoadBalancedFargateService(
        svc, "Alb", cluster=cluster, enable_execute_command=True,
        task_image_options=patterns.ApplicationLoadBalancedTaskImageOptions(image=IMAGE),
    )
    patterns.NetworkLoadBalancedFargateService(
        svc, "Nlb", cluster=cluster, enable_execute_command=True,
        task_image_options=patterns.NetworkLoadBalancedTaskImageOptions(image=IMAGE),
    )
    patterns.QueueProcessingFargateService(
        svc, "Queue", cluster=cluster, image=IMAGE, enable_execute_command=True,
    )
    patterns.ScheduledFargateTask(
        svc, "Cron", cluster=cluster,
        schedule=cdk.aws_applicationautoscaling.Schedule.rate(cdk.Duration.hours(1)),
        scheduled_fargate_task_image_options=patterns.ScheduledFargateTaskImageOptions(
            image=IMAGE, memory_limit_mib=512
        ),
    )
    app.synth()
    return analyze(load_paths([str(out)]))


def _errors(report: Report) -> set[tuple[str, str | None]]:
    return {(f.rule_id, f.construct_path) for f in report.errors}


def test_every_exec_service_is_found(report: Report) -> None:
    # Plain, OnEc2, Alb, Nlb, Queue; the scheduled task runs without exec.
    assert report.launches_checked == 5


def test_broken_plain_service_is_reported_with_construct_paths(report: Report) -> None:
    assert _errors(report) == {
        ("EcsExec-CTR1", "Apps/PlainTask/Resource"),
        ("EcsExec-PLT1", "Apps/Plain/Service"),
    }


def test_patterns_and_ec2_in_a_nat_vpc_across_stacks_pass(report: Report) -> None:
    # The NAT route, the subnets and the AMI parameter all resolve across the two stacks:
    # nothing is "cannot verify".
    assert [f for f in report.findings if f.unverified] == []
    flagged = {f.construct_path for f in report.errors}
    for path in ("Apps/Alb", "Apps/Nlb", "Apps/Queue", "Apps/OnEc2"):
        assert not any(p and p.startswith(path) for p in flagged), path


def test_warnings_name_the_containers_without_init_process(report: Report) -> None:
    ctr2 = {f.construct_path for f in report.warnings if f.rule_id == "EcsExec-CTR2"}
    assert "Apps/PlainTask/Resource" in ctr2
    assert len(ctr2) == 5  # one task definition per exec launch
