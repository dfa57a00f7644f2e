"""Platform rules: PLT1 (Fargate platform version) and PLT2 (ECS-optimized AMI on EC2)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ECS_AMI_PARAMETER, clean, ec2_app, exec_app, fn_if, one, ref

from ecs_exec_guard.analysis import Severity

WINDOWS = {"OperatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "CpuArchitecture": "X86_64"}


# -- PLT1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.3.0", "1.2.0", "1.0.0"])
def test_plt1_old_linux_platform(version: str) -> None:
    app = exec_app()
    app.props("Service")["PlatformVersion"] = version
    f = one(app.analyze(), "EcsExec-PLT1", Severity.ERROR, "Service")
    assert version in f.message and "1.4.0" in f.message


@pytest.mark.parametrize(
    ("version", "retired"), [("1.3.0", " (1.3.0 was retired in March 2026)"), ("1.2.0", "")]
)
def test_plt1_says_that_1_3_0_is_retired(version: str, retired: str) -> None:
    app = exec_app()
    app.props("Service")["PlatformVersion"] = version
    report = app.analyze()
    assert [f.rule_id for f in report.findings] == ["EcsExec-PLT1"]
    assert one(report, "EcsExec-PLT1", Severity.ERROR, "Service").message == (
        f"Service (service): Fargate platform version {version} is below 1.4.0, the first "
        f"with exec on Linux{retired}.")


@pytest.mark.parametrize("version", [None, "LATEST", "latest", "1.4.0", "1.10.0"])
def test_plt1_supported_linux_platform(version: str | None) -> None:
    app = exec_app()
    if version is not None:
        app.props("Service")["PlatformVersion"] = version
    clean(app.analyze())


def test_plt1_windows_needs_only_1_0_0() -> None:
    app = exec_app()
    app.props("TaskDef")["RuntimePlatform"] = WINDOWS
    app.props("Service")["PlatformVersion"] = "1.0.0"
    clean(app.analyze())
    app.props("Service")["PlatformVersion"] = "0.9.0"
    f = one(app.analyze(), "EcsExec-PLT1", Severity.ERROR, "Service")
    assert "1.0.0" in f.message and "Windows" in f.message


def test_plt1_fargate_through_a_capacity_provider_strategy() -> None:
    app = exec_app()
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    svc["PlatformVersion"] = "1.3.0"
    one(app.analyze(), "EcsExec-PLT1", Severity.ERROR, "Service")


def test_plt1_fargate_through_the_cluster_default_strategy() -> None:
    app = exec_app()
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["PlatformVersion"] = "1.3.0"
    app.add("ClusterProviders", "AWS::ECS::ClusterCapacityProviderAssociations",
            Cluster=ref("Cluster"), CapacityProviders=["FARGATE"],
            DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE", "Weight": 1}])
    one(app.analyze(), "EcsExec-PLT1", Severity.ERROR, "Service")


def test_plt1_ignores_the_platform_version_on_ec2() -> None:
    app = ec2_app()
    app.props("Service")["PlatformVersion"] = "1.3.0"
    clean(app.analyze())


def test_plt1_platform_version_from_a_parameter_cannot_be_verified() -> None:
    app = exec_app()
    app.parameters["Platform"] = {"Type": "String", "Default": "1.3.0"}
    app.props("Service")["PlatformVersion"] = ref("Platform")
    f = one(app.analyze(), "EcsExec-PLT1", Severity.WARNING, "Service")
    assert f.unverified


def test_launch_type_behind_fn_if_is_checked_per_branch() -> None:
    app = exec_app()
    app.parameters["Env"] = {"Type": "String"}
    app.conditions["Cheap"] = {"Fn::Equals": [ref("Env"), "dev"]}
    app.props("Service")["LaunchType"] = fn_if("Cheap", "FARGATE", "EC2")
    # Each branch: Fargate passes; EC2 capacity that is not in the input cannot be verified.
    report = app.analyze()
    f = one(report, "EcsExec-PLT2", Severity.WARNING, "Service")
    assert "when Cheap is false, cannot verify: Service (service): the container instances" \
        in f.message
    assert [f.rule_id for f in report.findings] == ["EcsExec-PLT2"]


# -- PLT2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image_id",
    [
        "ami-0123456789abcdef0",
        "{{resolve:ssm:/my/golden/ami}}",
    ],
)
def test_plt2_ami_not_shown_to_be_ecs_optimized(image_id: Any) -> None:
    report = ec2_app(image_id=image_id).analyze()
    f = one(report, "EcsExec-PLT2", Severity.WARNING, "AsgLaunchTemplate")
    assert not f.unverified


def test_plt2_parameter_with_another_default() -> None:
    app = ec2_app()
    app.parameters["EcsAmi"]["Default"] = "/aws/service/ami-amazon-linux-latest/al2023-ami"
    one(app.analyze(), "EcsExec-PLT2", Severity.WARNING, "AsgLaunchTemplate")


@pytest.mark.parametrize(
    "image_id",
    [
        None,
        f"{{{{resolve:ssm:{ECS_AMI_PARAMETER}}}}}",
        f"{{{{resolve:ssm:{ECS_AMI_PARAMETER}:3}}}}",
    ],
    ids=["ssm parameter", "dynamic reference", "versioned dynamic reference"],
)
def test_plt2_ecs_optimized_ami(image_id: Any) -> None:
    clean(ec2_app(image_id=image_id).analyze())


@pytest.mark.parametrize("mode", ["bridge", "host"])
def test_plt2_applies_to_bridge_and_host_modes(mode: str) -> None:
    clean(ec2_app(network_mode=mode).analyze())
    app = ec2_app(network_mode=mode, image_id="ami-0123456789abcdef0")
    one(app.analyze(), "EcsExec-PLT2", Severity.WARNING, "AsgLaunchTemplate")


def test_plt2_container_instances_outside_the_input() -> None:
    app = ec2_app()
    app.remove("Asg", "AsgLaunchTemplate")
    f = one(app.analyze(), "EcsExec-PLT2", Severity.WARNING, "Service")
    assert f.unverified


def test_plt2_external_instances_cannot_be_verified() -> None:
    app = exec_app()
    app.props("Service")["LaunchType"] = "EXTERNAL"
    f = one(app.analyze(), "EcsExec-PLT2", Severity.WARNING, "Service")
    assert f.unverified


def test_plt2_not_checked_on_fargate() -> None:
    app = exec_app()
    app.container_instances("ami-0123456789abcdef0")
    clean(app.analyze())
