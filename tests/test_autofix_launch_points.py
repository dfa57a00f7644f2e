"""EcsExecAutoFix on the launch points besides services: a daemon (CfnDaemon with its
CfnDaemonTaskDefinition, on Managed Instances), an EventBridge pipe (pipes.CfnPipe) and Batch job
definitions (batch.CfnJobDefinition, both forms). The generic properties (no analyzer error
after the fix, cfn-lint clean, idempotent, no new cdk-nag error, snapshot) come from
``autofix_apps.BROKEN`` in test_autofix.py; this file checks where each fix lands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import autofix_apps as apps
import aws_cdk as cdk
import pytest
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ecs as ecs
from test_autofix import Synth, synth

from ecs_exec_guard.analysis import analyze

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    out: dict[str, Synth] = {}
    for name in ("daemon_isolated", "pipe_isolated", "batch_job"):
        out[name] = synth(apps.BROKEN[name], 1, tmp_path_factory.mktemp(name))
    return out


def _resource(s: Synth, template: str, logical_id: str) -> dict[str, Any]:
    return s.templates[template]["Resources"][logical_id]["Properties"]  # type: ignore[no-any-return]


def _ssm_endpoints(s: Synth) -> list[str]:
    return [
        key for key, res in s.resources("AWS::EC2::VPCEndpoint").items()
        if "ssmmessages" in str(res["Properties"]["ServiceName"])
    ]


def test_daemon_task_definition_gets_role_containers_and_endpoint(
    synths: dict[str, Synth],
) -> None:
    s = synths["daemon_isolated"]
    td = _resource(s, "Daemons.template.json", "DaemonTask")
    role_id = td["TaskRoleArn"]["Fn::GetAtt"][0]
    assert role_id.startswith("DaemonTaskEcsExecTaskRole")
    assert td["ContainerDefinitions"][0]["ReadonlyRootFilesystem"] is False
    assert td["ContainerDefinitions"][0]["LinuxParameters"] == {"InitProcessEnabled": True}
    # The daemon's instances are in isolated subnets (the provider's launch template).
    assert len(_ssm_endpoints(s)) == 1
    report = analyze(s.templates)
    assert report.findings == [], [f.message for f in report.findings]


def test_pipe_platform_version_is_raised(synths: dict[str, Synth]) -> None:
    s = synths["pipe_isolated"]
    params = _resource(s, "Pipes.template.json", "Pipe")["TargetParameters"]
    assert params["EcsTaskParameters"]["PlatformVersion"] == "1.4.0"
    assert len(_ssm_endpoints(s)) == 1
    assert analyze(s.templates).findings == []


def test_batch_job_task_properties_are_fixed_in_place(synths: dict[str, Synth]) -> None:
    s = synths["batch_job"]
    task = _resource(s, "Batch.template.json", "Job")["EcsProperties"]["TaskProperties"][0]
    assert task["TaskRoleArn"]["Fn::GetAtt"][0].startswith("JobEcsExecTaskRole")
    assert task["PlatformVersion"] == "1.4.0"
    assert task["Containers"][0]["ReadonlyRootFilesystem"] is False
    assert task["Containers"][0]["LinuxParameters"] == {"InitProcessEnabled": True}
    # What cannot be fixed stays reported, and the aspect says so.
    report = analyze(s.templates)
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [("EcsExec-NET7", "Job")]
    assert any("compute environment" in t for t in s.texts("warning"))


def _container_job(fixes: int = 1, outdir: str | None = None, **options: Any) -> cdk.App:
    app = apps.new_app(outdir)
    stack = cdk.Stack(app, "Jobs")
    batch.CfnJobDefinition(
        stack, "Job", type="container", platform_capabilities=["FARGATE"],
        container_properties=batch.CfnJobDefinition.ContainerPropertiesProperty(
            image=apps.IMAGE, readonly_root_filesystem=True, enable_execute_command=True,
            fargate_platform_configuration=batch.CfnJobDefinition.FargatePlatformConfigurationProperty(
                platform_version="1.3.0")),
    )
    return apps._finish(app, fixes, options)


def test_batch_container_properties_are_fixed_in_place(tmp_path: Path) -> None:
    s = synth(_container_job, 1, tmp_path)
    props = _resource(s, "Jobs.template.json", "Job")["ContainerProperties"]
    assert props["JobRoleArn"]["Fn::GetAtt"][0].startswith("JobEcsExecTaskRole")
    assert props["ReadonlyRootFilesystem"] is False
    assert props["LinuxParameters"] == {"InitProcessEnabled": True}
    assert props["FargatePlatformConfiguration"] == {"PlatformVersion": "1.4.0"}
    assert [f.rule_id for f in analyze(s.templates).findings] == ["EcsExec-NET7"]


def _exec_off(fixes: int = 1, outdir: str | None = None, **options: Any) -> cdk.App:
    """The daemon and the pipe apps in one stack each, with exec off."""
    app = apps.daemon_isolated(0, outdir)
    daemon = app.node.find_child("Daemons").node.find_child("Daemon")
    assert isinstance(daemon, ecs.CfnDaemon)
    daemon.enable_execute_command = False
    return apps._finish(app, fixes, options)


def test_enable_exec_turns_a_daemon_on(tmp_path: Path) -> None:
    before = synth(_exec_off, 0, tmp_path / "before")
    assert [f.rule_id for f in analyze(before.templates, require_exec=True).findings] == [
        "EcsExec-ENB1"
    ]
    after = synth(_exec_off, 1, tmp_path / "after", enable_exec=True)
    assert _resource(after, "Daemons.template.json", "Daemon")["EnableExecuteCommand"] is True
    assert analyze(after.templates, require_exec=True).findings == []


def _pipe_with_override(
    fixes: int = 1, outdir: str | None = None, *, imported: bool = False, **options: Any
) -> cdk.App:
    """A pipe whose target overrides the task role (Overrides.TaskRoleArn) with a role of the
    app that lacks the ssmmessages actions, or an imported one (NAT VPC: no endpoint)."""
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_pipes as pipes
    from aws_cdk import aws_sqs as sqs

    app = apps.new_app(outdir)
    stack = cdk.Stack(app, "Pipes")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    td = ecs.FargateTaskDefinition(stack, "Task")
    td.add_container("app", image=ecs.ContainerImage.from_registry(apps.IMAGE),
                     linux_parameters=ecs.LinuxParameters(stack, "Linux",
                                                          init_process_enabled=True))
    role = (
        iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/ops")
        if imported
        else iam.Role(stack, "OverrideRole",
                      assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))  # type: ignore[arg-type]
    )
    invoke = iam.Role(stack, "PipeRole", assumed_by=iam.ServicePrincipal(  # type: ignore[arg-type]
        "pipes.amazonaws.com"))
    pipes.CfnPipe(
        stack, "Pipe", role_arn=invoke.role_arn, source=sqs.Queue(stack, "Queue").queue_arn,
        target=cluster.cluster_arn,
        target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
            ecs_task_parameters=pipes.CfnPipe.PipeTargetEcsTaskParametersProperty(
                task_definition_arn=td.task_definition_arn, launch_type="FARGATE",
                enable_execute_command=True,
                overrides=pipes.CfnPipe.EcsTaskOverrideProperty(task_role_arn=role.role_arn),
                network_configuration=pipes.CfnPipe.NetworkConfigurationProperty(
                    awsvpc_configuration=pipes.CfnPipe.AwsVpcConfigurationProperty(
                        subnets=[s.subnet_id for s in vpc.private_subnets])),
            )),
    )
    return apps._finish(app, fixes, options)


def test_pipe_override_role_is_the_one_fixed(tmp_path: Path) -> None:
    s = synth(_pipe_with_override, 1, tmp_path)
    policies = {
        key.split(":", 1)[1]: res["Properties"]
        for key, res in s.resources("AWS::IAM::Policy").items()
    }
    roles = sorted(
        ref["Ref"] for props in policies.values()
        if "EcsExecSsmMessages" in str(props["PolicyDocument"]) for ref in props["Roles"]
    )
    assert len(roles) == 1 and roles[0].startswith("OverrideRole"), policies
    assert [f.rule_id for f in analyze(s.templates).findings] == []


def test_pipe_imported_override_role_gets_a_warning(tmp_path: Path) -> None:
    def build(fixes: int = 1, outdir: str | None = None, **options: Any) -> cdk.App:
        return _pipe_with_override(fixes, outdir, imported=True, **options)

    s = synth(build, 1, tmp_path)
    assert any("Overrides.TaskRoleArn is not defined in this app" in t
               for t in s.texts("warning"))
    assert [f.rule_id for f in analyze(s.templates).findings] == ["EcsExec-IAM4"]
