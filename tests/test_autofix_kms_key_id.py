"""EcsExecAutoFix grants kms:Decrypt on the key's ARN when the cluster names the key by its ID."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms

from ecs_exec_guard import EcsExecAutoFix
from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.loader import load_paths

pytestmark = pytest.mark.slow


def _app(outdir: Path, fix: bool) -> list[str]:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "KmsKeyId")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    key = kms.CfnKey(
        stack,
        "Key",
        key_policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
            ],
        },
    )
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    cfn_cluster = cluster.node.default_child
    assert isinstance(cfn_cluster, ecs.CfnCluster)
    cfn_cluster.configuration = ecs.CfnCluster.ClusterConfigurationProperty(
        execute_command_configuration=ecs.CfnCluster.ExecuteCommandConfigurationProperty(
            kms_key_id=key.ref, logging="DEFAULT"  # the key ID, not its ARN
        )
    )
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("app", image=ecs.ContainerImage.from_registry("nginx"))
    ecs.FargateService(
        stack, "Service", cluster=cluster, task_definition=task, enable_execute_command=True
    )
    if fix:
        cdk.Aspects.of(app).add(EcsExecAutoFix(), priority=cdk.AspectPriority.MUTATING)
    app.synth()
    return [f.rule_id for f in analyze(load_paths([str(outdir)])).errors]


def test_kms_decrypt_on_a_key_given_by_id(tmp_path: Path) -> None:
    assert _app(tmp_path / "before", fix=False) == ["EcsExec-IAM3"]
    assert _app(tmp_path / "after", fix=True) == []
