"""Container rules: CTR1 (read-only root), CTR2 (init process), CTR3 (static credentials),
CTR4 (non-root user), CTR5 (pidMode task)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, clean, container, exec_app, fn_if, one, ref

from ecs_exec_guard.analysis import Severity

CTR = tuple(f"EcsExec-CTR{i}" for i in range(1, 6))


def test_compliant_containers() -> None:
    clean(exec_app().analyze())


# -- CTR1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "true", "True"])
def test_ctr1_read_only_root_filesystem(value: Any) -> None:
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = value
    f = one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")
    assert not f.unverified and "app" in f.message


@pytest.mark.parametrize("value", [False, "false"])
def test_ctr1_writable_root_filesystem(value: Any) -> None:
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = value
    clean(app.analyze())


def test_ctr1_read_only_root_behind_fn_if_cannot_be_verified() -> None:
    app = exec_app()
    app.parameters["Hardened"] = {"Type": "String", "AllowedValues": ["yes", "no"]}
    app.conditions["IsHardened"] = {"Fn::Equals": [ref("Hardened"), "yes"]}
    app.container()["ReadonlyRootFilesystem"] = fn_if("IsHardened", True, False)
    f = one(app.analyze(), "EcsExec-CTR1", Severity.WARNING, "TaskDef")
    assert f.unverified


def test_ctr1_only_the_declared_exec_containers_are_checked() -> None:
    app = exec_app()
    app.props("TaskDef")["ContainerDefinitions"] = [
        container("app"), container("sidecar", ReadonlyRootFilesystem=True)
    ]
    one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")
    app.resources["TaskDef"]["Metadata"] = {"ecs-exec-guard:exec-containers": ["app"]}
    clean(app.analyze())


def test_ctr1_not_reported_when_exec_is_off() -> None:
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = True
    app.props("Service")["EnableExecuteCommand"] = False
    assert app.analyze().findings == []


def test_ctr1_reported_once_for_a_task_definition_used_by_two_services() -> None:
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = True
    app.service("Service2")
    one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")


# -- CTR2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "linux_parameters",
    [None, {}, {"InitProcessEnabled": False}, {"Capabilities": {"Add": ["SYS_PTRACE"]}}],
)
def test_ctr2_no_init_process(linux_parameters: Any) -> None:
    app = exec_app()
    if linux_parameters is None:
        del app.container()["LinuxParameters"]
    else:
        app.container()["LinuxParameters"] = linux_parameters
    one(app.analyze(), "EcsExec-CTR2", Severity.WARNING, "TaskDef")


def test_ctr2_init_process_enabled() -> None:
    app = exec_app()
    app.container()["LinuxParameters"] = {"InitProcessEnabled": "true"}
    clean(app.analyze())


def test_ctr2_windows_containers_are_not_checked() -> None:
    app = exec_app()
    del app.container()["LinuxParameters"]
    app.props("TaskDef")["RuntimePlatform"] = {
        "OperatingSystemFamily": "WINDOWS_SERVER_2019_CORE", "CpuArchitecture": "X86_64"
    }
    clean(app.analyze())


# -- CTR3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("Environment", {"Name": "AWS_ACCESS_KEY_ID", "Value": "AKIAEXAMPLE"}),
        ("Environment", {"Name": "aws_secret_access_key", "Value": "x"}),
        ("Environment", {"Name": "AWS_ACCESS_KEY", "Value": "x"}),
        ("Secrets", {"Name": "AWS_SECRET_ACCESS_KEY",
                     "ValueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k"}),
    ],
)
def test_ctr3_static_credentials(key: str, entry: dict[str, Any]) -> None:
    app = exec_app()
    app.container()[key] = [{"Name": "LOG_LEVEL", "Value": "info"}, entry]
    f = one(app.analyze(), "EcsExec-CTR3", Severity.WARNING, "TaskDef")
    assert key in f.message


def test_ctr3_other_aws_variables_are_fine() -> None:
    app = exec_app()
    app.container()["Environment"] = [
        {"Name": "AWS_REGION", "Value": "eu-west-1"},
        {"Name": "AWS_SESSION_TOKEN_TTL", "Value": "3600"},
        {"Name": "MY_AWS_ACCESS_KEY_ID_NAME", "Value": "not a key"},
    ]
    clean(app.analyze())


# -- CTR4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["1000", "app", "1000:1000", "nobody:nogroup"])
def test_ctr4_non_root_user(user: str) -> None:
    app = exec_app()
    app.container()["User"] = user
    f = one(app.analyze(), "EcsExec-CTR4", Severity.WARNING, "TaskDef")
    assert user in f.message


@pytest.mark.parametrize("user", ["root", "0", "0:0", "root:root"])
def test_ctr4_root_user(user: str) -> None:
    app = exec_app()
    app.container()["User"] = user
    clean(app.analyze())


# -- CTR5 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["task", "TASK"])
def test_ctr5_pid_mode_task(mode: str) -> None:
    app = exec_app()
    app.props("TaskDef")["PidMode"] = mode
    one(app.analyze(), "EcsExec-CTR5", Severity.WARNING, "TaskDef")


def test_ctr5_pid_mode_host() -> None:
    app = exec_app()
    app.props("TaskDef")["PidMode"] = "host"
    clean(app.analyze())


def test_ctr5_pid_mode_behind_fn_if_cannot_be_verified() -> None:
    app = exec_app()
    app.parameters["Mode"] = {"Type": "String"}
    app.conditions["Shared"] = {"Fn::Equals": [ref("Mode"), "shared"]}
    app.props("TaskDef")["PidMode"] = fn_if("Shared", "task", {"Ref": "AWS::NoValue"})
    f = one(app.analyze(), "EcsExec-CTR5", Severity.WARNING, "TaskDef")
    assert f.unverified


def test_all_container_rules_at_once() -> None:
    app: Template = exec_app()
    app.props("TaskDef")["PidMode"] = "task"
    app.props("TaskDef")["ContainerDefinitions"] = [
        container("app", ReadonlyRootFilesystem=True, User="1000",
                  Environment=[{"Name": "AWS_ACCESS_KEY_ID", "Value": "x"}],
                  LinuxParameters={}),
    ]
    report = app.analyze()
    assert sorted(f.rule_id for f in report.findings) == list(CTR)
    assert {f.logical_id for f in report.findings} == {"TaskDef"}
