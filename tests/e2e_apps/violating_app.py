"""A small CDK app that breaks ECS Exec once (CTR1), for the end-to-end test with the CDK CLI.

``npx cdk synth --app "python tests/e2e_apps/violating_app.py"`` must fail and name the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout, with or without the package installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs

from ecs_exec_guard import EcsExecChecks


def build(app: cdk.App) -> cdk.App:
    cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    stack = cdk.Stack(app, "E2eViolating")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=1)
    task = ecs.FargateTaskDefinition(stack, "TaskDef")
    task.add_container(
        "app",
        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:stable"),
        readonly_root_filesystem=True,  # EcsExec-CTR1: the exec agent cannot start
        linux_parameters=ecs.LinuxParameters(stack, "Linux", init_process_enabled=True),
    )
    ecs.FargateService(
        stack,
        "Service",
        cluster=ecs.Cluster(stack, "Cluster", vpc=vpc),
        task_definition=task,
        enable_execute_command=True,
        min_healthy_percent=100,
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
    )
    return app


if __name__ == "__main__":
    build(cdk.App()).synth()
