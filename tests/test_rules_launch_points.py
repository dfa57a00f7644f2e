"""The newer launch points: ECS daemons (on Managed Instances), EventBridge Pipes targets and
Batch job definitions; services on ECS Managed Instances; ENB1 only for services and daemons.

Property names come from the cfn-lint schemas of AWS::ECS::Daemon,
AWS::ECS::DaemonTaskDefinition, AWS::ECS::CapacityProvider, AWS::Pipes::Pipe and
AWS::Batch::JobDefinition. Each check has a twin that must stay clean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cfn import (
    EXEC_ACTIONS,
    Template,
    allow,
    arn,
    att,
    container,
    describe,
    exec_app,
    https_to_group,
    one,
    ref,
    rule_ids,
)

from ecs_exec_guard.analysis import Report, Severity

# -- daemons ---------------------------------------------------------------------------------


def daemon_app(*, subnet: str = "PrivateSubnet", exec_enabled: bool | None = True) -> Template:
    """The compliant app with its service replaced by a daemon on a Managed Instances provider
    whose launch template puts the instances in ``subnet``."""
    app = exec_app()
    app.remove("Service")
    app.managed_instances_provider(subnet=subnet)
    app.daemon_task_definition(task_role=arn("TaskRole"))
    app.daemon(exec_enabled=exec_enabled)
    return app


def findings(report: Report) -> list[tuple[str, str, str]]:
    """The whole report as (rule, severity, resource), to compare with what a test expects."""
    return [(f.rule_id, f.severity.value, f.logical_id) for f in report.findings]


def test_compliant_daemon() -> None:
    report = daemon_app().analyze()
    # No PLT2 either: AWS manages the AMI of Managed Instances.
    assert report.findings == [], describe(report)
    assert report.launches_checked == 1


def test_daemon_container_rules_on_the_daemon_task_definition() -> None:
    app = daemon_app()
    app.container(task_definition="DaemonTaskDef")["ReadonlyRootFilesystem"] = True
    del app.container(task_definition="DaemonTaskDef")["LinuxParameters"]
    report = app.analyze()
    assert findings(report) == [
        ("EcsExec-CTR1", "error", "DaemonTaskDef"),
        ("EcsExec-CTR2", "warning", "DaemonTaskDef"),
    ], describe(report)
    assert report.findings[0].launches == ("App.template.json/Daemon",)
    assert "agent" in report.findings[0].message


def test_daemon_without_task_role() -> None:
    app = daemon_app()
    del app.props("DaemonTaskDef")["TaskRoleArn"]
    report = app.analyze()
    assert findings(report) == [("EcsExec-IAM1", "error", "DaemonTaskDef")], describe(report)


def test_daemon_task_role_without_ssmmessages() -> None:
    app = daemon_app()
    app.task_policy()["Statement"] = [allow("s3:GetObject")]
    report = app.analyze()
    assert findings(report) == [("EcsExec-IAM2", "error", "TaskRole")], describe(report)
    assert "DaemonTaskDef" in report.findings[0].message


def test_daemon_in_an_isolated_subnet_needs_an_endpoint() -> None:
    report = daemon_app(subnet="IsolatedSubnet").analyze()
    f = one(report, "EcsExec-NET2", Severity.ERROR, "Daemon")
    assert f.message.startswith("Daemon (daemon): subnet(s) IsolatedSubnet")
    assert len(report.findings) == 1, describe(report)


def test_daemon_in_an_isolated_subnet_with_an_endpoint() -> None:
    app = daemon_app(subnet="IsolatedSubnet")
    app.endpoint()
    assert app.analyze().findings == []


def test_daemon_uses_the_launch_template_security_groups() -> None:
    app = daemon_app()
    app.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("OtherSg", "GroupId"))]
    app.security_group("OtherSg")
    report = app.analyze()
    assert findings(report) == [("EcsExec-NET4", "error", "Daemon")], describe(report)


def test_daemon_providers_not_in_the_input() -> None:
    """A daemon runs on Managed Instances even when its providers are imported: no AMI check,
    and the network is a cannot-verify naming the provider."""
    app = daemon_app()
    app.remove("MiProvider")
    app.props("Daemon")["CapacityProviderArns"] = [
        "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/shared-mi"
    ]
    report = app.analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Daemon")
    assert "capacity-provider/shared-mi\" is not in the input" in f.message
    assert len(report.findings) == 1, describe(report)


def test_daemon_provider_by_name() -> None:
    app = daemon_app()
    app.props("MiProvider")["Name"] = "shared-mi"
    app.props("Daemon")["CapacityProviderArns"] = [
        "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/shared-mi"
    ]
    assert app.analyze().findings == []


def test_daemon_without_exec_is_not_checked() -> None:
    app = daemon_app(exec_enabled=False)
    app.container(task_definition="DaemonTaskDef")["ReadonlyRootFilesystem"] = True
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


# -- services on ECS Managed Instances ----------------------------------------------------


def managed_service_app(
    *, network_mode: str | None = "awsvpc", provider_subnet: str = "PrivateSubnet"
) -> Template:
    """The compliant app's service on a Managed Instances capacity provider."""
    app = exec_app()
    app.managed_instances_provider(subnet=provider_subnet)
    td = app.props("TaskDef")
    td["RequiresCompatibilities"] = ["MANAGED_INSTANCES"]
    if network_mode is None:
        del td["NetworkMode"]
    else:
        td["NetworkMode"] = network_mode
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": ref("MiProvider"), "Weight": 1}]
    if network_mode != "awsvpc":
        del svc["NetworkConfiguration"]
    return app


def test_compliant_managed_instances_service() -> None:
    app = managed_service_app()
    app.props("Service")["PlatformVersion"] = "1.3.0"  # a Fargate setting: not PLT1's business
    assert app.analyze().findings == []


def test_awsvpc_on_managed_instances_uses_the_service_network() -> None:
    """awsvpc tasks use their own subnets, not the launch template's."""
    app = managed_service_app(provider_subnet="IsolatedSubnet")
    assert app.analyze().findings == []
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("IsolatedSubnet")
    ]
    report = app.analyze()
    assert findings(report) == [("EcsExec-NET2", "error", "Service")], describe(report)


def test_awsvpc_on_managed_instances_gets_no_public_ip() -> None:
    app = managed_service_app()
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"].update(
        Subnets=[ref("PublicSubnet")], AssignPublicIp="ENABLED"
    )
    report = app.analyze()
    f = one(report, "EcsExec-NET3", Severity.ERROR, "Service")
    assert "awsvpc tasks on Managed Instances never get a public IP" in f.message
    assert len(report.findings) == 1, describe(report)


@pytest.mark.parametrize(
    ("subnet", "expected"),
    [("PrivateSubnet", []), ("IsolatedSubnet", [("EcsExec-NET2", "error", "Service")])],
)
def test_host_mode_on_managed_instances_uses_the_launch_template(
    subnet: str, expected: list[tuple[str, str, str]]
) -> None:
    report = managed_service_app(network_mode="host", provider_subnet=subnet).analyze()
    assert findings(report) == expected, describe(report)


@pytest.mark.parametrize(("public_ip", "expected"), [(True, []), (False, ["EcsExec-NET3"])])
def test_host_mode_on_managed_instances_public_ip_comes_from_the_subnet(
    public_ip: bool, expected: list[str]
) -> None:
    """A Managed Instance gets a public IP only from its subnet's MapPublicIpOnLaunch."""
    app = managed_service_app(network_mode="host", provider_subnet="PublicSubnet")
    app.props("PublicSubnet")["MapPublicIpOnLaunch"] = public_ip
    report = app.analyze()
    assert rule_ids(report) == expected, describe(report)


def test_managed_instances_task_definition_needs_a_network_mode() -> None:
    report = managed_service_app(network_mode=None).analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Service")
    assert "sets no NetworkMode" in f.message
    assert len(report.findings) == 1, describe(report)


def test_managed_instances_compatibility_with_an_imported_provider() -> None:
    """RequiresCompatibilities MANAGED_INSTANCES tells an imported provider apart from EC2:
    no AMI-age warning (PLT2); host-mode network is a cannot-verify."""
    app = managed_service_app(network_mode="host")
    app.remove("MiProvider")
    app.props("Service")["CapacityProviderStrategy"] = [{"CapacityProvider": "shared-mi"}]
    report = app.analyze()
    assert findings(report) == [("EcsExec-NET7", "warning", "Service")], describe(report)
    # The EC2 twin (same imported provider, no Managed Instances compatibility) gets PLT2.
    app.props("TaskDef")["RequiresCompatibilities"] = ["EC2"]
    twin = app.analyze()
    assert findings(twin) == [
        ("EcsExec-PLT2", "warning", "Service"),
        ("EcsExec-NET7", "warning", "Service"),
    ], describe(twin)


def test_strategy_mixing_ec2_and_managed_instances_cannot_be_checked() -> None:
    app = managed_service_app()
    app.add("Ec2Provider", "AWS::ECS::CapacityProvider",
            AutoScalingGroupProvider={"AutoScalingGroupArn": ref("Asg")})
    app.props("Service")["CapacityProviderStrategy"].append(
        {"CapacityProvider": ref("Ec2Provider"), "Weight": 1}
    )
    report = app.analyze()
    f = one(report, "EcsExec-PLT1", Severity.WARNING, "Service")
    assert "mixes EC2 and Managed Instances" in f.message


# -- pipes -----------------------------------------------------------------------------------


def pipe_app(**ecs: Any) -> Template:
    app = exec_app()
    app.remove("Service")
    app.pipe(**ecs)
    return app


def test_compliant_pipe() -> None:
    report = pipe_app().analyze()
    assert report.findings == [] and report.launches_checked == 1


def test_pipe_checks_the_task_definition() -> None:
    app = pipe_app()
    app.container()["ReadonlyRootFilesystem"] = True
    report = app.analyze()
    assert findings(report) == [("EcsExec-CTR1", "error", "TaskDef")], describe(report)
    assert report.findings[0].launches == ("App.template.json/Pipe",)


def test_pipe_checks_the_platform_and_network() -> None:
    report = pipe_app(PlatformVersion="1.3.0").analyze()
    assert findings(report) == [("EcsExec-PLT1", "error", "Pipe")], describe(report)
    assert report.findings[0].message.startswith("Pipe (pipe target): ")
    public = pipe_app(NetworkConfiguration={"AwsvpcConfiguration": {
        "Subnets": [ref("PublicSubnet")], "SecurityGroups": [att("TaskSg", "GroupId")],
        "AssignPublicIp": "DISABLED"}})
    report = public.analyze()
    assert findings(report) == [("EcsExec-NET3", "error", "Pipe")], describe(report)


def test_pipe_names_the_task_definition_by_family() -> None:
    app = pipe_app(TaskDefinitionArn="arn:aws:ecs:eu-west-1:123456789012:task-definition/"
                                     "taskdef:7")
    app.container()["ReadonlyRootFilesystem"] = True
    report = app.analyze()
    assert findings(report) == [("EcsExec-CTR1", "error", "TaskDef")], describe(report)


def test_pipe_task_role_override_is_the_role_checked() -> None:
    app = pipe_app(Overrides={"TaskRoleArn": arn("OtherRole")})
    app.role("OtherRole")
    report = app.analyze()
    assert findings(report) == [("EcsExec-IAM2", "error", "OtherRole")], describe(report)
    # The twin: the override role allows the four actions.
    app.policy("OtherPolicy", allow(list(EXEC_ACTIONS)), roles=["OtherRole"])
    assert app.analyze().findings == []


def test_pipe_values_from_the_event_cannot_be_verified() -> None:
    app = pipe_app(NetworkConfiguration={"AwsvpcConfiguration": {
        "Subnets": ["$.detail.subnet"], "SecurityGroups": [att("TaskSg", "GroupId")]}})
    report = app.analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Pipe")
    assert "comes from the event at run time ($.detail.subnet)" in f.message
    assert len(report.findings) == 1, describe(report)


def test_pipe_without_exec_is_not_checked() -> None:
    app = pipe_app(PlatformVersion="1.3.0", exec_enabled=None)
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


# -- Batch job definitions ------------------------------------------------------------------


def batch_app(**task: Any) -> Template:
    app = exec_app()
    app.remove("Service")
    app.batch_job(task_role=arn("TaskRole"), **task)
    return app


BATCH_NET7 = ("EcsExec-NET7", "warning", "Job")


def test_batch_job_network_is_a_cannot_verify() -> None:
    """The compute environment (and so the subnets) is chosen when a job is submitted."""
    report = batch_app().analyze()
    assert findings(report) == [BATCH_NET7], describe(report)
    assert "compute environment of the job queue" in report.findings[0].message
    assert report.launches_checked == 1


def test_batch_job_container_and_task_role_rules() -> None:
    app = batch_app(containers=[container("job", ReadonlyRootFilesystem=True)])
    del app.props("Job")["EcsProperties"]["TaskProperties"][0]["TaskRoleArn"]
    report = app.analyze()
    assert findings(report) == [
        ("EcsExec-IAM1", "error", "Job"),
        ("EcsExec-CTR1", "error", "Job"),
        BATCH_NET7,
    ], describe(report)
    ctr1 = report.findings[1]
    assert "job" in ctr1.message and ctr1.resource_type == "AWS::Batch::JobDefinition"


def test_batch_job_task_role_permissions() -> None:
    app = batch_app()
    app.task_policy()["Statement"] = [allow(EXEC_ACTIONS[:2])]
    report = app.analyze()
    assert findings(report) == [("EcsExec-IAM2", "error", "TaskRole"), BATCH_NET7]


def test_batch_job_fargate_platform() -> None:
    report = batch_app(PlatformVersion="1.3.0").analyze()
    assert findings(report) == [("EcsExec-PLT1", "error", "Job"), BATCH_NET7]
    assert batch_app(PlatformVersion="1.4.0").analyze().findings[0].rule_id == "EcsExec-NET7"


def test_batch_container_properties() -> None:
    """The older single-container form: JobRoleArn is the task role."""
    app = exec_app()
    app.remove("Service")
    props = app.add("Job", "AWS::Batch::JobDefinition", Type="container",
                    PlatformCapabilities=["FARGATE"],
                    ContainerProperties={"Image": "busybox", "JobRoleArn": arn("TaskRole"),
                                         "ReadonlyRootFilesystem": True,
                                         "EnableExecuteCommand": True,
                                         "FargatePlatformConfiguration":
                                             {"PlatformVersion": "1.3.0"}})
    report = app.analyze()
    assert findings(report) == [
        ("EcsExec-CTR1", "error", "Job"),
        ("EcsExec-CTR2", "warning", "Job"),
        ("EcsExec-PLT1", "error", "Job"),
        BATCH_NET7,
    ], describe(report)
    # The twin without exec is not a launch to check.
    del props["ContainerProperties"]["EnableExecuteCommand"]
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


def test_batch_multi_node_job_with_exec_cannot_be_verified() -> None:
    app = exec_app()
    app.remove("Service")
    node = {"TargetNodes": "0:", "EcsProperties": {"TaskProperties": [
        {"EnableExecuteCommand": True, "TaskRoleArn": arn("TaskRole"),
         "Containers": [container("main")]}]}}
    props = app.add("Job", "AWS::Batch::JobDefinition", Type="multinode",
                    NodeProperties={"MainNode": 0, "NumNodes": 2,
                                    "NodeRangeProperties": [node]})
    report = app.analyze()
    assert findings(report) == [
        ("EcsExec-IAM4", "warning", "Job"),
        ("EcsExec-PLT2", "warning", "Job"),
        BATCH_NET7,
    ], describe(report)
    assert "multi-node parallel job" in report.findings[0].message
    # The twin with exec off in its node ranges is no launch.
    node["EcsProperties"]["TaskProperties"][0]["EnableExecuteCommand"] = False
    props["NodeProperties"]["NodeRangeProperties"] = [node]
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


def test_batch_eks_job_is_not_an_ecs_launch() -> None:
    app = exec_app()
    app.remove("Service")
    app.add("Job", "AWS::Batch::JobDefinition", Type="container",
            EksProperties={"PodProperties": {"Containers": [{"Image": "busybox"}]}})
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


# -- ENB1 (require_exec): services and daemons only ---------------------------------------

ONE_OFF: dict[str, Callable[..., Any]] = {
    "events rule": Template.events_rule,
    "schedule": Template.schedule,
    "state machine": Template.state_machine,
    "pipe": Template.pipe,
}


@pytest.mark.parametrize("kind", ONE_OFF)
@pytest.mark.parametrize("exec_enabled", [False, None])
def test_enb1_ignores_one_off_launches(kind: str, exec_enabled: bool | None) -> None:
    app = exec_app()
    app.remove("Service")
    ONE_OFF[kind](app, exec_enabled=exec_enabled)
    report = app.analyze(require_exec=True)
    assert report.findings == [], describe(report)


def test_enb1_ignores_batch_jobs() -> None:
    app = batch_app(exec_enabled=False)
    assert app.analyze(require_exec=True).findings == []


@pytest.mark.parametrize("exec_enabled", [False, None])
def test_enb1_applies_to_services_and_daemons(exec_enabled: bool | None) -> None:
    app = daemon_app(exec_enabled=exec_enabled)
    app.service(exec_enabled=exec_enabled)
    report = app.analyze(require_exec=True)
    assert findings(report) == [
        ("EcsExec-ENB1", "error", "Service"),
        ("EcsExec-ENB1", "error", "Daemon"),
    ], describe(report)
    assert report.findings[1].message == (
        "Daemon Daemon does not enable ECS Exec (EnableExecuteCommand)."
    )
    # The twins with exec on: nothing to report.
    app.props("Service")["EnableExecuteCommand"] = True
    app.props("Daemon")["EnableExecuteCommand"] = True
    assert app.analyze(require_exec=True).findings == []
    assert rule_ids(app.analyze()) == []
