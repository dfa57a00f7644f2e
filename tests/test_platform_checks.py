"""PLT1 (Fargate platform version) and PLT2 (the AMI of EC2 container instances), each verdict
with its message (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ec2_app, exec_app

LINUX_BELOW = ("Service (service): Fargate platform version {} is below 1.4.0, the first with "
               "exec on Linux{}.")
CANNOT_COMPARE = "Cannot verify: Service (service): platform version {} cannot be compared."


def summary(app: Any) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings]


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.3.0", [("error", LINUX_BELOW.format("1.3.0", " (1.3.0 was retired in March 2026)"))]),
     ("1.2.9", [("error", LINUX_BELOW.format("1.2.9", ""))]),
     ("1.4.0", []), ("1.10.0", []), ("2.0.0", []), ("LATEST", []), ("latest", []),
     ("1.4", [("warning", CANNOT_COMPARE.format('"1.4"'))]),
     ({"Ref": "Version"},
      [("warning", CANNOT_COMPARE.format("parameter Version (set at deploy time)"))]),
     ({"Fn::ImportValue": "X"}, [("warning", CANNOT_COMPARE.format(
         "Fn::ImportValue X: no template of the input exports it"))]),
     (["1.3.0"], [("warning", CANNOT_COMPARE.format('["1.3.0"]'))])],
)
def test_plt1_on_linux(version: Any, expected: list[tuple[str, str]]) -> None:
    app = exec_app()
    app.parameters["Version"] = {"Type": "String"}
    app.props("Service")["PlatformVersion"] = version
    assert summary(app) == [("EcsExec-PLT1", sev, "Service", msg) for sev, msg in expected]


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0.0", []), ("1.3.0", []),
     ("0.9.9", [("EcsExec-PLT1", "error", "Service",
                 "Service (service): Fargate platform version 0.9.9 is below 1.0.0, the first "
                 "with exec on Windows.")])],
)
def test_plt1_on_windows(version: str, expected: list[Any]) -> None:
    app = exec_app()
    app.props("Service")["PlatformVersion"] = version
    app.props("TaskDef")["RuntimePlatform"] = {"OperatingSystemFamily": "WINDOWS_SERVER_2019_CORE"}
    assert summary(app) == expected


def test_plt1_with_a_launch_type_known_at_deploy_time() -> None:
    app = exec_app()
    app.props("Service")["LaunchType"] = {"Fn::ImportValue": "LT"}
    assert summary(app) == [(
        "EcsExec-PLT1", "warning", "Service",
        "Cannot verify: Service (service): the launch type cannot be resolved (launch type is "
        "Fn::ImportValue LT: no template of the input exports it); the platform cannot be "
        "checked.")]


ECS_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
SSM_AMI = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"


@pytest.mark.parametrize(
    ("image", "why"),
    [("ami-123", "AMI ami-123 cannot be shown to be ECS-optimized and released after 2021-01-20"),
     (f"{{{{resolve:ssm:{ECS_AMI}}}}}", None),
     (f"{{{{resolve:ssm:{ECS_AMI}:3}}}}", None),
     ("{{resolve:ssm:/my/ami}}", "AMI {{resolve:ssm:/my/ami}} cannot be shown to be "
                                 "ECS-optimized and released after 2021-01-20"),
     ({"Fn::ImportValue": "Ami"}, "the AMI is Fn::ImportValue Ami: no template of the input "
                                  "exports it"),
     ({"Ref": "Other"}, "the AMI comes from parameter Other (/my/ami)"),
     ({"Ref": "NotSsm"}, f"the AMI comes from parameter NotSsm ({ECS_AMI})"),
     ({"Ref": "NoDefault"}, f"the AMI comes from parameter NoDefault ({SSM_AMI})"),
     ({"Ref": "Untyped"}, "the AMI comes from parameter Untyped (no default)"),
     (["x"], 'the AMI is ["x"]')],
)
def test_plt2_ami(image: Any, why: str | None) -> None:
    app = ec2_app(image_id=image)
    app.parameters.update({
        "Other": {"Type": SSM_AMI, "Default": "/my/ami"},
        "NotSsm": {"Type": "AWS::EC2::Image::Id", "Default": ECS_AMI},
        "NoDefault": {"Type": SSM_AMI},
        "Untyped": {"Description": "no type, no default"},
    })
    expected = [] if why is None else [("EcsExec-PLT2", "warning", "AsgLaunchTemplate",
                                        f"Asg: {why}.")]
    assert summary(app) == expected


def test_plt2_on_external_instances() -> None:
    app = ec2_app()
    app.props("Service")["LaunchType"] = "EXTERNAL"
    assert summary(app) == [(
        "EcsExec-PLT2", "warning", "Service",
        "Cannot verify: Service (service): external (ECS Anywhere) instances: their agent "
        "version cannot be known at synth time.")]
