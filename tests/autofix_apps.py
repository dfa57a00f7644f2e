"""Small CDK apps that break ECS Exec in one way each, for the EcsExecAutoFix tests.

Every builder takes ``fixes`` (how many EcsExecAutoFix aspects to add: 0 for the broken app,
2 to check idempotence) and the aspect's options, and returns the unsynthesized App. Stacks are
environment-agnostic and use a registry image, so the templates hold no asset hashes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from l3_apps import isolated_vpc as _isolated_vpc
from l3_apps import nat_vpc as _nat_vpc

if TYPE_CHECKING:
    from ecs_exec_guard.policies.autofix import EcsExecAutoFix

# The tests run from a checkout, with or without the package installed.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


IMAGE = "public.ecr.aws/docker/library/nginx:stable"

Builder = Callable[..., cdk.App]


def new_app(outdir: str | None = None, *, nag: bool = False) -> cdk.App:
    context: dict[str, Any] = {"@aws-cdk/core:failSynthOnValidationErrors": False}
    app = cdk.App(outdir=outdir, context=context) if outdir else cdk.App(context=context)
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def add_fixes(
    scope: cdk.App | cdk.Stack, fixes: int, *, entry: str = "aspect", **options: Any
) -> list[EcsExecAutoFix]:
    """``fixes`` auto-fix instances on ``scope``, through one of the two entry points.

    ``entry``: ``"aspect"`` (``Aspects.of(scope).add(EcsExecAutoFix(...), priority=MUTATING)``)
    or ``"apply_to"`` (``EcsExecAutoFix.apply_to(scope, ...)``, one callback per synthesis).
    """
    from ecs_exec_guard.policies.autofix import EcsExecAutoFix

    if entry == "apply_to":
        return [EcsExecAutoFix.apply_to(scope, **options) for _ in range(fixes)]
    assert entry == "aspect", entry
    aspects = [EcsExecAutoFix(**options) for _ in range(fixes)]
    for aspect in aspects:
        cdk.Aspects.of(scope).add(aspect, priority=cdk.AspectPriority.MUTATING)
    return aspects


#: The two ways to apply the auto-fix; both must give the same output.
ENTRIES = ("aspect", "apply_to")


def _service(
    stack: cdk.Stack,
    cluster: ecs.Cluster,
    name: str = "Service",
    *,
    exec_on: bool = True,
    readonly: bool | None = None,
    init: bool | None = None,
    **service: Any,
) -> ecs.FargateService:
    td = ecs.FargateTaskDefinition(stack, f"{name}Task")
    td.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(IMAGE),
        readonly_root_filesystem=readonly,
        linux_parameters=(
            ecs.LinuxParameters(stack, f"{name}Linux", init_process_enabled=init)
            if init is not None
            else None
        ),
    )
    return ecs.FargateService(
        stack,
        name,
        cluster=cluster,
        task_definition=td,
        enable_execute_command=exec_on,
        **service,
    )


def _finish(app: cdk.App, fixes: int, options: dict[str, Any]) -> cdk.App:
    add_fixes(app, fixes, **options)
    return app


def isolated_vpc(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                 **options: Any) -> cdk.App:
    """Fargate service with exec in a VPC that has only isolated subnets (no route out)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Isolated")
    cluster = ecs.Cluster(stack, "Cluster", vpc=_isolated_vpc(stack))
    _service(stack, cluster)
    return _finish(app, fixes, options)


def public_no_ip(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                 **options: Any) -> cdk.App:
    """Fargate service in public subnets with AssignPublicIp DISABLED and no NAT."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "PublicNoIp")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(
        stack,
        cluster,
        assign_public_ip=False,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
    )
    return _finish(app, fixes, options)


def restricted_egress(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                      **options: Any) -> cdk.App:
    """Private subnets with NAT, but the task security group allows no egress at all."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "RestrictedEgress")
    vpc = _nat_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    sg = ec2.SecurityGroup(stack, "TaskSg", vpc=vpc, allow_all_outbound=False,
                           description="Tasks without egress")
    _service(stack, cluster, security_groups=[sg], init=True)
    return _finish(app, fixes, options)


def readonly_root(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                  **options: Any) -> cdk.App:
    """Two containers with a read-only root filesystem (NAT VPC, otherwise fine)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ReadonlyRoot")
    cluster = ecs.Cluster(stack, "Cluster", vpc=_nat_vpc(stack))
    service = _service(stack, cluster, readonly=True, init=True)
    service.task_definition.add_container(
        "sidecar",
        image=ecs.ContainerImage.from_registry(IMAGE),
        readonly_root_filesystem=True,
        essential=False,
        linux_parameters=ecs.LinuxParameters(stack, "SidecarLinux", init_process_enabled=True),
    )
    return _finish(app, fixes, options)


def platform_130(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                 **options: Any) -> cdk.App:
    """Fargate platform version pinned to 1.3.0 (exec needs 1.4.0)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Platform13")
    cluster = ecs.Cluster(stack, "Cluster", vpc=_nat_vpc(stack))
    _service(stack, cluster, init=True, platform_version=ecs.FargatePlatformVersion.VERSION1_3)
    return _finish(app, fixes, options)


def l1_no_task_role(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                    **options: Any) -> cdk.App:
    """Raw CfnTaskDefinition + CfnService with exec on and no task role (NAT VPC)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "L1NoRole")
    vpc = _nat_vpc(stack)
    sg = ec2.SecurityGroup(stack, "TaskSg", vpc=vpc, description="Exec tasks")
    cluster = ecs.CfnCluster(stack, "Cluster")
    td = ecs.CfnTaskDefinition(
        stack,
        "Task",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="512",
        container_definitions=[
            ecs.CfnTaskDefinition.ContainerDefinitionProperty(
                name="app", image=IMAGE, essential=True
            )
        ],
    )
    ecs.CfnService(
        stack,
        "Service",
        cluster=cluster.ref,
        task_definition=td.ref,
        launch_type="FARGATE",
        desired_count=1,
        enable_execute_command=True,
        network_configuration=ecs.CfnService.NetworkConfigurationProperty(
            awsvpc_configuration=ecs.CfnService.AwsVpcConfigurationProperty(
                subnets=[s.subnet_id for s in vpc.private_subnets],
                security_groups=[sg.security_group_id],
                assign_public_ip="DISABLED",
            )
        ),
    )
    return _finish(app, fixes, options)


def l1_isolated(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                **options: Any) -> cdk.App:
    """Everything raw L1: VPC, isolated subnets, SG without egress, task role, service."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "L1Isolated")
    vpc = ec2.CfnVPC(stack, "Vpc", cidr_block="10.1.0.0/16")
    subnets = []
    for i in range(2):
        subnet = ec2.CfnSubnet(
            stack,
            f"Subnet{i}",
            vpc_id=vpc.ref,
            cidr_block=f"10.1.{i}.0/24",
            availability_zone=cdk.Fn.select(i, cdk.Fn.get_azs()),
        )
        table = ec2.CfnRouteTable(stack, f"Table{i}", vpc_id=vpc.ref)
        ec2.CfnSubnetRouteTableAssociation(
            stack, f"Assoc{i}", subnet_id=subnet.ref, route_table_id=table.ref
        )
        subnets.append(subnet)
    sg = ec2.CfnSecurityGroup(
        stack,
        "TaskSg",
        group_description="Exec tasks",
        vpc_id=vpc.ref,
        security_group_egress=[
            ec2.CfnSecurityGroup.EgressProperty(
                ip_protocol="tcp", from_port=5432, to_port=5432, cidr_ip="10.1.0.0/16"
            )
        ],
    )
    role = iam.CfnRole(
        stack,
        "TaskRole",
        assume_role_policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    cluster = ecs.CfnCluster(stack, "Cluster")
    td = ecs.CfnTaskDefinition(
        stack,
        "Task",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="512",
        task_role_arn=role.attr_arn,
        container_definitions=[
            ecs.CfnTaskDefinition.ContainerDefinitionProperty(
                name="app", image=IMAGE, essential=True, readonly_root_filesystem=True
            )
        ],
    )
    ecs.CfnService(
        stack,
        "Service",
        cluster=cluster.ref,
        task_definition=td.ref,
        launch_type="FARGATE",
        desired_count=1,
        enable_execute_command=True,
        network_configuration=ecs.CfnService.NetworkConfigurationProperty(
            awsvpc_configuration=ecs.CfnService.AwsVpcConfigurationProperty(
                subnets=[s.ref for s in subnets],
                security_groups=[sg.attr_group_id],
            )
        ),
    )
    return _finish(app, fixes, options)


def logging_kms_isolated(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                         **options: Any) -> cdk.App:
    """Exec session logging to CloudWatch, encrypted with a KMS key, in an isolated VPC."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "LoggingKms")
    key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
    group = logs.LogGroup(stack, "ExecLogs", encryption_key=key,
                          removal_policy=cdk.RemovalPolicy.DESTROY)
    cluster = ecs.Cluster(
        stack,
        "Cluster",
        vpc=_isolated_vpc(stack),
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            kms_key=key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(
                cloud_watch_log_group=group, cloud_watch_encryption_enabled=True
            ),
        ),
    )
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def s3_logging_isolated(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                        **options: Any) -> cdk.App:
    """Exec session logging to S3 in an isolated VPC: needs an s3 gateway endpoint too."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "S3Logging")
    bucket = s3.Bucket(stack, "ExecBucket", enforce_ssl=True,
                       removal_policy=cdk.RemovalPolicy.DESTROY)
    cluster = ecs.Cluster(
        stack,
        "Cluster",
        vpc=_isolated_vpc(stack),
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(
                s3_bucket=bucket, s3_key_prefix="exec"
            ),
        ),
    )
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def shared_vpc(fixes: int = 1, outdir: str | None = None, nag: bool = False,
               **options: Any) -> cdk.App:
    """Three exec services (two clusters) in one isolated VPC."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "SharedVpc")
    vpc = _isolated_vpc(stack)
    first = ecs.Cluster(stack, "Cluster", vpc=vpc)
    second = ecs.Cluster(stack, "Cluster2", vpc=vpc)
    _service(stack, first, "Api")
    _service(stack, first, "Worker")
    _service(stack, second, "Batch")
    return _finish(app, fixes, options)


def alb_pattern(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                **options: Any) -> cdk.App:
    """ecs_patterns.ApplicationLoadBalancedFargateService with exec on, in an isolated VPC."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "AlbPattern")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    ecs_patterns.ApplicationLoadBalancedFargateService(
        stack,
        "Web",
        vpc=vpc,
        enable_execute_command=True,
        task_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
            image=ecs.ContainerImage.from_registry(IMAGE)
        ),
    )
    return _finish(app, fixes, options)


def existing_endpoint(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                      **options: Any) -> cdk.App:
    """Isolated VPC whose ssmmessages endpoint the user already made (L2) and an L1 one."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ExistingEndpoint")
    vpc = _isolated_vpc(stack)
    vpc.add_interface_endpoint("Ssm", service=ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(stack, cluster, init=True)
    _service(stack, cluster, "Other", init=True)
    return _finish(app, fixes, options)


def existing_l1_endpoint(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                         **options: Any) -> cdk.App:
    """Isolated L2 VPC with a raw CfnVPCEndpoint for ssmmessages (no security group rule)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ExistingL1Endpoint")
    vpc = _isolated_vpc(stack)
    sg = ec2.SecurityGroup(stack, "EndpointSg", vpc=vpc, description="ssmmessages endpoint")
    ec2.CfnVPCEndpoint(
        stack,
        "SsmEndpoint",
        vpc_id=vpc.vpc_id,
        service_name=f"com.amazonaws.{cdk.Aws.REGION}.ssmmessages",
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=[s.subnet_id for s in vpc.isolated_subnets],
        security_group_ids=[sg.security_group_id],
    )
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def imported_vpc(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                 **options: Any) -> cdk.App:
    """Service in a VPC imported with from_vpc_attributes: no endpoint may be created."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ImportedVpc")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        vpc_cidr_block="10.9.0.0/16",
    )
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(
        stack,
        cluster,
        init=True,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    return _finish(app, fixes, options)


def immutable_role(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                   **options: Any) -> cdk.App:
    """The task role is used through without_policy_updates(): statements would be dropped."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ImmutableRole")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    cluster = ecs.Cluster(stack, "Cluster", vpc=_nat_vpc(stack))
    td = ecs.FargateTaskDefinition(stack, "Task", task_role=role.without_policy_updates())
    td.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(IMAGE),
        linux_parameters=ecs.LinuxParameters(stack, "Linux", init_process_enabled=True),
    )
    ecs.FargateService(stack, "Service", cluster=cluster, task_definition=td,
                       enable_execute_command=True)
    return _finish(app, fixes, options)


def exec_off(fixes: int = 1, outdir: str | None = None, nag: bool = False,
             **options: Any) -> cdk.App:
    """A service without exec in an isolated VPC (for enable_exec=True)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "ExecOff")
    cluster = ecs.Cluster(stack, "Cluster", vpc=_isolated_vpc(stack))
    _service(stack, cluster, exec_on=False)
    return _finish(app, fixes, options)


def compliant(fixes: int = 1, outdir: str | None = None, nag: bool = False,
              **options: Any) -> cdk.App:
    """Everything exec needs is there already (NAT, writable root, init process)."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Compliant")
    cluster = ecs.Cluster(stack, "Cluster", vpc=_nat_vpc(stack))
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def _l1_exec_service(stack: cdk.Stack, vpc: ec2.Vpc, cluster: ecs.CfnCluster) -> None:
    """An exec-enabled L1 service (task role, init process, no egress rule) in ``vpc``'s
    private subnets, on the L1 ``cluster``."""
    role = iam.Role(stack, "TaskRole",
                    assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    td = ecs.CfnTaskDefinition(
        stack,
        "Task",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="512",
        task_role_arn=role.role_arn,
        container_definitions=[
            ecs.CfnTaskDefinition.ContainerDefinitionProperty(
                name="app",
                image=IMAGE,
                essential=True,
                linux_parameters=ecs.CfnTaskDefinition.LinuxParametersProperty(
                    init_process_enabled=True
                ),
            )
        ],
    )
    sg = ec2.SecurityGroup(stack, "TaskSg", vpc=vpc, description="Exec tasks")
    ecs.CfnService(
        stack,
        "Service",
        cluster=cluster.ref,
        task_definition=td.ref,
        launch_type="FARGATE",
        desired_count=1,
        enable_execute_command=True,
        network_configuration=ecs.CfnService.NetworkConfigurationProperty(
            awsvpc_configuration=ecs.CfnService.AwsVpcConfigurationProperty(
                subnets=[s.subnet_id for s in vpc.private_subnets],
                security_groups=[sg.security_group_id],
            )
        ),
    )


def l1_logging(fixes: int = 1, outdir: str | None = None, nag: bool = False,
               **options: Any) -> cdk.App:
    """Raw L1 cluster logging exec sessions to CloudWatch and S3 with KMS; L1 task and service
    whose (L2) task role has none of the exec permissions."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "L1Logging")
    vpc = _nat_vpc(stack)
    key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
    group = logs.LogGroup(stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY)
    bucket = s3.Bucket(stack, "ExecBucket", enforce_ssl=True,
                       removal_policy=cdk.RemovalPolicy.DESTROY)
    cluster = ecs.CfnCluster(
        stack,
        "Cluster",
        configuration=ecs.CfnCluster.ClusterConfigurationProperty(
            execute_command_configuration=ecs.CfnCluster.ExecuteCommandConfigurationProperty(
                kms_key_id=key.key_arn,
                logging="OVERRIDE",
                log_configuration=ecs.CfnCluster.ExecuteCommandLogConfigurationProperty(
                    cloud_watch_log_group_name=group.log_group_name,
                    s3_bucket_name=bucket.bucket_name,
                    s3_key_prefix="exec",
                    s3_encryption_enabled=True,
                ),
            )
        ),
    )
    _l1_exec_service(stack, vpc, cluster)
    return _finish(app, fixes, options)


def cross_stack(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                **options: Any) -> cdk.App:
    """The isolated VPC in one stack, the cluster and the exec service in another."""
    app = new_app(outdir, nag=nag)
    network = cdk.Stack(app, "Network")
    vpc = _isolated_vpc(network)
    stack = cdk.Stack(app, "Services")
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def cross_stack_same_ids(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                         **options: Any) -> cdk.App:
    """Two network stacks with the same isolated ``Vpc`` (same construct ID, so the same
    logical IDs); the service stack uses the second one's VPC.

    The shape of bench/bench_app.py from 150 services up (Network0, Network1, ... each with a
    ``Vpc``): the references from the service stack name logical IDs that both network
    templates have, so only the reference itself tells which stack it targets.
    """
    app = new_app(outdir, nag=nag)
    _isolated_vpc(cdk.Stack(app, "Network1"))
    vpc = _isolated_vpc(cdk.Stack(app, "Network2"))
    stack = cdk.Stack(app, "Services")
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    _service(stack, cluster, init=True)
    return _finish(app, fixes, options)


def cross_stack_same_log_ids(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                             **options: Any) -> cdk.App:
    """Two logging stacks with the same ``ExecLogs`` log group (same logical ID); a raw L1
    cluster logs exec sessions to the second one's group, and the (L2) task role of the L1
    service lacks the logging permissions: the statement the fix adds must reference the
    second stack's group."""
    app = new_app(outdir, nag=nag)
    groups = [
        logs.LogGroup(cdk.Stack(app, f"Logs{i}"), "ExecLogs",
                      removal_policy=cdk.RemovalPolicy.DESTROY)
        for i in (1, 2)
    ]
    stack = cdk.Stack(app, "Services")
    vpc = _nat_vpc(stack)
    cluster = ecs.CfnCluster(
        stack,
        "Cluster",
        configuration=ecs.CfnCluster.ClusterConfigurationProperty(
            execute_command_configuration=ecs.CfnCluster.ExecuteCommandConfigurationProperty(
                logging="OVERRIDE",
                log_configuration=ecs.CfnCluster.ExecuteCommandLogConfigurationProperty(
                    cloud_watch_log_group_name=groups[1].log_group_name,
                ),
            )
        ),
    )
    _l1_exec_service(stack, vpc, cluster)
    return _finish(app, fixes, options)


#: The broken apps the fix must repair completely (no analyzer error afterwards).
def daemon_isolated(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                    **options: Any) -> cdk.App:
    """A daemon (CfnDaemon + CfnDaemonTaskDefinition, no task role, a read-only container
    without init process) on a Managed Instances provider in isolated subnets."""
    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Daemons")
    vpc = _isolated_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    provider = ecs.ManagedInstancesCapacityProvider(
        stack, "Mi", subnets=vpc.isolated_subnets,
        security_groups=[ec2.SecurityGroup(stack, "MiSg", vpc=vpc, description="Instances")],
    )
    cluster.add_managed_instances_capacity_provider(provider)
    task = ecs.CfnDaemonTaskDefinition(
        stack, "DaemonTask", family="agent",
        container_definitions=[ecs.CfnDaemonTaskDefinition.DaemonContainerDefinitionProperty(
            name="agent", image=IMAGE, readonly_root_filesystem=True)],
    )
    ecs.CfnDaemon(
        stack, "Daemon", cluster_arn=cluster.cluster_arn, enable_execute_command=True,
        daemon_task_definition_arn=task.attr_daemon_task_definition_arn,
        capacity_provider_arns=[stack.format_arn(
            service="ecs", resource="capacity-provider",
            resource_name=provider.capacity_provider_name)],
    )
    return _finish(app, fixes, options)


def pipe_isolated(fixes: int = 1, outdir: str | None = None, nag: bool = False,
                  **options: Any) -> cdk.App:
    """An EventBridge pipe (pipes.CfnPipe) running a Fargate task on platform 1.3.0 in isolated
    subnets."""
    from aws_cdk import aws_pipes as pipes
    from aws_cdk import aws_sqs as sqs

    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Pipes")
    vpc = _isolated_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    td = ecs.FargateTaskDefinition(stack, "Task")
    td.add_container("app", image=ecs.ContainerImage.from_registry(IMAGE))
    sg = ec2.SecurityGroup(stack, "TaskSg", vpc=vpc, description="Exec tasks")
    role = iam.Role(stack, "PipeRole", assumed_by=cast_principal("pipes.amazonaws.com"))
    pipes.CfnPipe(
        stack, "Pipe", role_arn=role.role_arn, source=sqs.Queue(stack, "Queue").queue_arn,
        target=cluster.cluster_arn,
        target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
            ecs_task_parameters=pipes.CfnPipe.PipeTargetEcsTaskParametersProperty(
                task_definition_arn=td.task_definition_arn, launch_type="FARGATE",
                platform_version="1.3.0", enable_execute_command=True,
                network_configuration=pipes.CfnPipe.NetworkConfigurationProperty(
                    awsvpc_configuration=pipes.CfnPipe.AwsVpcConfigurationProperty(
                        subnets=[s.subnet_id for s in vpc.isolated_subnets],
                        security_groups=[sg.security_group_id])),
            )),
    )
    return _finish(app, fixes, options)


def batch_job(fixes: int = 1, outdir: str | None = None, nag: bool = False,
              **options: Any) -> cdk.App:
    """A Batch job definition (batch.CfnJobDefinition) running an ECS task with exec: no task
    role, a read-only container without init process, Fargate platform 1.3.0."""
    from aws_cdk import aws_batch as batch

    app = new_app(outdir, nag=nag)
    stack = cdk.Stack(app, "Batch")
    batch.CfnJobDefinition(
        stack, "Job", type="container", platform_capabilities=["FARGATE"],
        ecs_properties=batch.CfnJobDefinition.EcsPropertiesProperty(task_properties=[
            batch.CfnJobDefinition.EcsTaskPropertiesProperty(
                enable_execute_command=True, platform_version="1.3.0",
                containers=[batch.CfnJobDefinition.TaskContainerPropertiesProperty(
                    name="job", image=IMAGE, readonly_root_filesystem=True)],
            )]),
    )
    return _finish(app, fixes, options)


def cast_principal(service: str) -> iam.IPrincipal:
    return iam.ServicePrincipal(service)  # type: ignore[return-value]


BROKEN: dict[str, Builder] = {
    "isolated_vpc": isolated_vpc,
    "public_no_ip": public_no_ip,
    "restricted_egress": restricted_egress,
    "readonly_root": readonly_root,
    "platform_130": platform_130,
    "l1_no_task_role": l1_no_task_role,
    "l1_isolated": l1_isolated,
    "logging_kms_isolated": logging_kms_isolated,
    "s3_logging_isolated": s3_logging_isolated,
    "shared_vpc": shared_vpc,
    "alb_pattern": alb_pattern,
    "existing_l1_endpoint": existing_l1_endpoint,
    "cross_stack": cross_stack,
    "cross_stack_same_ids": cross_stack_same_ids,
    "l1_logging": l1_logging,
    "daemon_isolated": daemon_isolated,
    "pipe_isolated": pipe_isolated,
    "batch_job": batch_job,
}
