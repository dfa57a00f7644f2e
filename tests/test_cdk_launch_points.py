"""The newer launch points in a real CDK app, with construct paths: a service on an ECS Managed
Instances capacity provider (the L2), a daemon (``CfnDaemon`` / ``CfnDaemonTaskDefinition``), an
EventBridge pipe (``pipes.CfnPipe``) and a Batch job definition (``batch.CfnJobDefinition``).
CDK has no L2 for the last three, so they are L1s as users write them today."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs

from ecs_exec_guard.analysis import Report, analyze
from ecs_exec_guard.analysis.loader import load_paths

pytestmark = pytest.mark.slow

IMAGE = "public.ecr.aws/docker/library/nginx:latest"


def _task_role(stack: cdk.Stack, name: str) -> iam.Role:
    role = iam.Role(stack, name, assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(
        actions=["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                 "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        resources=["*"],
    ))
    return role


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("cdklaunchpoints")
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, "Apps")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    # Managed Instances in the private subnets (NAT): a compliant service.
    provider = ecs.ManagedInstancesCapacityProvider(
        stack, "Mi", subnets=vpc.private_subnets,
        security_groups=[ec2.SecurityGroup(stack, "MiSg", vpc=vpc)],
        instance_requirements=ec2.InstanceRequirementsConfig(
            v_cpu_count_min=1, memory_min=cdk.Size.gibibytes(2)),
    )
    cluster.add_managed_instances_capacity_provider(provider)
    task = ecs.TaskDefinition(
        stack, "MiTask", cpu="256", memory_mib="512", network_mode=ecs.NetworkMode.AWS_VPC,
        compatibility=ecs.Compatibility.MANAGED_INSTANCES,
    )
    task.add_container("web", image=ecs.ContainerImage.from_registry(IMAGE),
                       memory_reservation_mib=256,
                       linux_parameters=ecs.LinuxParameters(
                           stack, "WebLinux", init_process_enabled=True))
    ecs.FargateService(
        stack, "MiService", cluster=cluster, task_definition=task, enable_execute_command=True,
        min_healthy_percent=100,
        capacity_provider_strategies=[ecs.CapacityProviderStrategy(
            capacity_provider=provider.capacity_provider_name, weight=1)],
    )
    # A daemon whose container keeps a read-only root filesystem (CTR1).
    daemon_role = _task_role(stack, "DaemonRole")
    daemon_task = ecs.CfnDaemonTaskDefinition(
        stack, "DaemonTask", family="agent", task_role_arn=daemon_role.role_arn,
        container_definitions=[ecs.CfnDaemonTaskDefinition.DaemonContainerDefinitionProperty(
            name="agent", image=IMAGE, readonly_root_filesystem=True,
            linux_parameters=ecs.CfnDaemonTaskDefinition.LinuxParametersProperty(
                init_process_enabled=True),
        )],
    )
    ecs.CfnDaemon(
        stack, "Daemon", cluster_arn=cluster.cluster_arn, enable_execute_command=True,
        daemon_task_definition_arn=daemon_task.attr_daemon_task_definition_arn,
        capacity_provider_arns=[stack.format_arn(
            service="ecs", resource="capacity-provider",
            resource_name=provider.capacity_provider_name)],
    )
    # A pipe that runs the Managed Instances task definition on Fargate 1.3.0 (PLT1).
    fargate_task = ecs.FargateTaskDefinition(stack, "PipeTask", task_role=_task_role(
        stack, "PipeRole"))
    fargate_task.add_container("job", image=ecs.ContainerImage.from_registry(IMAGE),
                               linux_parameters=ecs.LinuxParameters(
                                   stack, "JobLinux", init_process_enabled=True))
    queue = sqs.Queue(stack, "Queue")
    pipe_role = iam.Role(stack, "PipeInvoke", assumed_by=iam.ServicePrincipal(
        "pipes.amazonaws.com"))
    pipes.CfnPipe(
        stack, "Pipe", role_arn=pipe_role.role_arn, source=queue.queue_arn,
        target=cluster.cluster_arn,
        target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
            ecs_task_parameters=pipes.CfnPipe.PipeTargetEcsTaskParametersProperty(
                task_definition_arn=fargate_task.task_definition_arn,
                launch_type="FARGATE", platform_version="1.3.0", enable_execute_command=True,
                network_configuration=pipes.CfnPipe.NetworkConfigurationProperty(
                    awsvpc_configuration=pipes.CfnPipe.AwsVpcConfigurationProperty(
                        subnets=[s.subnet_id for s in vpc.private_subnets])),
            )),
    )
    # A Batch job whose container has a read-only root filesystem (CTR1) and no task role.
    batch.CfnJobDefinition(
        stack, "Job", type="container", platform_capabilities=["FARGATE"],
        ecs_properties=batch.CfnJobDefinition.EcsPropertiesProperty(task_properties=[
            batch.CfnJobDefinition.EcsTaskPropertiesProperty(
                enable_execute_command=True,
                containers=[batch.CfnJobDefinition.TaskContainerPropertiesProperty(
                    name="job", image=IMAGE, readonly_root_filesystem=True,
                    linux_parameters=batch.CfnJobDefinition.LinuxParametersProperty(
                        init_process_enabled=True))],
            )]),
    )
    app.synth()
    return analyze(load_paths([str(out)]))


def test_every_launch_point_is_found(report: Report) -> None:
    assert report.launches_checked == 4


def test_errors_are_on_the_resources_that_carry_the_setting(report: Report) -> None:
    assert sorted((f.rule_id, f.construct_path) for f in report.errors) == [
        ("EcsExec-CTR1", "Apps/DaemonTask"),
        ("EcsExec-CTR1", "Apps/Job"),
        ("EcsExec-IAM1", "Apps/Job"),
        ("EcsExec-PLT1", "Apps/Pipe"),
    ]


def test_warnings(report: Report) -> None:
    # Only the Batch job's network is unknown (its compute environment is chosen at submit
    # time); the Managed Instances service and the daemon get no AMI-age warning.
    assert [(f.rule_id, f.construct_path) for f in report.warnings] == [
        ("EcsExec-NET7", "Apps/Job"),
    ]
