"""EcsExecChecks and the CLI on a NestedStack: its resources are checked, with their paths."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs

from ecs_exec_guard import EcsExecChecks
from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.loader import load_paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nested")
    app = cdk.App(outdir=str(out), context={"@aws-cdk/core:failSynthOnValidationErrors": False})
    parent = cdk.Stack(app, "Parent")
    vpc = ec2.Vpc(
        parent,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    cluster = ecs.Cluster(parent, "Cluster", vpc=vpc)
    nested = cdk.NestedStack(parent, "Nested")
    task = ecs.FargateTaskDefinition(nested, "Task")
    task.add_container(
        "app", image=ecs.ContainerImage.from_registry("nginx"), readonly_root_filesystem=True
    )
    ecs.FargateService(
        nested, "Service", cluster=cluster, task_definition=task, enable_execute_command=True
    )
    cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    app.synth()
    return out


def _reported(outdir: Path) -> set[tuple[str, str]]:
    report = json.loads((outdir / "validation-report.json").read_text())
    plugin = next(p for p in report["pluginReports"] if p["pluginName"] == "EcsExec")
    return {
        (v["ruleName"], c["constructPath"])
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    }


def test_nested_stack_findings_carry_nested_construct_paths(outdir: Path) -> None:
    reported = _reported(outdir)
    assert ("EcsExec-CTR1", "Parent/Nested/Task/Resource") in reported
    # The subnets come from the parent through nested-stack parameters: isolated, no endpoint.
    assert ("EcsExec-NET2", "Parent/Nested/Service/Service") in reported


def test_cli_reads_nested_templates_like_the_pack(outdir: Path) -> None:
    findings = analyze(load_paths([str(outdir)])).findings
    assert {(f.rule_id, f.construct_path) for f in findings} == _reported(outdir)
    assert any(f.template.endswith(".nested.template.json") for f in findings)
