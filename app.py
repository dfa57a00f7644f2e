#!/usr/bin/env python3
"""Demo app for ecs-exec-guard: two Fargate services with ECS Exec, each in an isolated VPC.

* ``Web`` is an ``ExecEnabledService`` in FIX mode: exec done right in one call (it adds the
  ``ssmmessages`` endpoint its VPC lacks and the init process), plus ``grant_execute`` for an
  operator role (least privilege, no raw SSM sessions).
* ``Worker`` is a plain ``FargateService`` with the usual mistakes (read-only root filesystem,
  Fargate platform 1.3.0, security group without egress, no init process, isolated subnets
  without an ``ssmmessages`` endpoint). ``EcsExecAutoFix`` repairs them at synth time. It runs in
  a VPC of its own, so that the endpoint ``Web`` gets (which serves a whole VPC through private
  DNS) does not hide the Worker's missing one.
* ``EcsExecChecks`` checks the whole app: ``make synth`` passes because everything was fixed.

``make demo-violations`` (``cdk synth -c demo=violations``) leaves out the app-wide
``EcsExecAutoFix``. ``Web`` still repairs itself (FIX mode is part of the construct), so synthesis
fails on the Worker's mistakes alone and lists each with its rule ID, construct path and fix.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from ecs_exec_guard import EcsExecAutoFix, EcsExecChecks, ExecEnabledService, ExecMode

IMAGE = "public.ecr.aws/docker/library/nginx:latest"


class NetworkStack(cdk.Stack):
    """Two VPCs whose application subnets are isolated: no NAT, no route to the internet."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.vpc = self._isolated_vpc("Vpc")
        self.worker_vpc = self._isolated_vpc("WorkerVpc")

    def _isolated_vpc(self, id: str) -> ec2.Vpc:
        return ec2.Vpc(
            self,
            id,
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(
                    name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                ),
            ],
        )


class ServicesStack(cdk.Stack):
    def __init__(
        self, scope: Construct, id: str, *, vpc: ec2.IVpc, worker_vpc: ec2.IVpc, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc)

        # 1. The L3: exec done right in one call.
        web_task = ecs.FargateTaskDefinition(self, "WebTask")
        web_task.add_container(
            "web",
            image=ecs.ContainerImage.from_registry(IMAGE),
            port_mappings=[ecs.PortMapping(container_port=80)],
        )
        web = ExecEnabledService(
            self,
            "Web",
            cluster=cluster,
            task_definition=web_task,
            mode=ExecMode.FIX,
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        operators = iam.Role(
            self,
            "ExecOperators",
            assumed_by=iam.AccountRootPrincipal(),
            description="Who may open an exec session into the web containers",
        )
        web.grant_execute(operators, container_name="web")

        # 2. A plain service with the mistakes that break exec in production.
        worker_task = ecs.FargateTaskDefinition(self, "WorkerTask")
        worker_task.add_container(
            "worker",
            image=ecs.ContainerImage.from_registry(IMAGE),
            readonly_root_filesystem=True,
        )
        locked_down = ec2.SecurityGroup(
            self, "WorkerSecurityGroup", vpc=worker_vpc, allow_all_outbound=False
        )
        ecs.FargateService(
            self,
            "Worker",
            cluster=ecs.Cluster(self, "WorkerCluster", vpc=worker_vpc),
            task_definition=worker_task,
            enable_execute_command=True,
            platform_version=ecs.FargatePlatformVersion.VERSION1_3,
            security_groups=[locked_down],
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )


def build_app(app: cdk.App) -> cdk.App:
    violations = app.node.try_get_context("demo") == "violations"
    network = NetworkStack(app, "EcsExecDemoNetwork")
    services = ServicesStack(
        app, "EcsExecDemoServices", vpc=network.vpc, worker_vpc=network.worker_vpc
    )
    services.add_stack_dependency(network)
    if not violations:
        EcsExecAutoFix.apply_to(services)
    cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
