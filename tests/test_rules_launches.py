"""Where exec is requested: services, EventBridge rule targets, Scheduler schedule targets and
Step Functions ecs:runTask states; references across templates; Fn::Sub, Fn::Join and Fn::If."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cfn import (
    Template,
    arn,
    att,
    exactly,
    exec_app,
    fn_if,
    import_value,
    join,
    one,
    ref,
    rule_ids,
    sub,
)

from ecs_exec_guard.analysis import Severity

LAUNCHERS: dict[str, Callable[..., Any]] = {
    "events rule": Template.events_rule,
    "schedule": Template.schedule,
    "state machine": Template.state_machine,
}
LAUNCH_IDS = {"events rule": "Rule", "schedule": "Schedule", "state machine": "StateMachine"}


def launched_by(kind: str, **kwargs: Any) -> Template:
    """The compliant app with its service replaced by a launch of ``kind``."""
    app = exec_app()
    app.remove("Service")
    LAUNCHERS[kind](app, **kwargs)
    return app


def deploy_time_condition(app: Template, name: str = "IsProd") -> str:
    app.parameters["Env"] = {"Type": "String", "Default": "dev"}
    app.conditions[name] = {"Fn::Equals": [ref("Env"), "prod"]}
    return name


# -- other launch sites ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_compliant_launch(kind: str) -> None:
    report = launched_by(kind).analyze()
    assert report.findings == [] and report.launches_checked == 1


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_launch_with_exec_checks_the_task_definition(kind: str) -> None:
    app = launched_by(kind)
    app.container()["ReadonlyRootFilesystem"] = True
    f = one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")
    assert f.launches == (f"App.template.json/{LAUNCH_IDS[kind]}",)


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_launch_with_exec_checks_the_platform(kind: str) -> None:
    report = launched_by(kind, PlatformVersion="1.3.0").analyze()
    one(report, "EcsExec-PLT1", Severity.ERROR, LAUNCH_IDS[kind])


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_launch_with_exec_checks_the_network(kind: str) -> None:
    vpc_key = "AwsVpcConfiguration" if kind == "events rule" else "AwsvpcConfiguration"
    app = launched_by(kind, NetworkConfiguration={vpc_key: {
        "Subnets": [ref("PublicSubnet")], "SecurityGroups": [att("TaskSg", "GroupId")],
        "AssignPublicIp": "DISABLED"}})
    one(app.analyze(), "EcsExec-NET3", Severity.ERROR, LAUNCH_IDS[kind])


@pytest.mark.parametrize("exec_enabled", [False, None], ids=["off", "unset"])
@pytest.mark.parametrize("kind", LAUNCHERS)
def test_launch_without_exec_is_not_checked(kind: str, exec_enabled: bool | None) -> None:
    app = launched_by(kind, exec_enabled=exec_enabled, PlatformVersion="1.3.0")
    app.container()["ReadonlyRootFilesystem"] = True
    del app.props("TaskDef")["TaskRoleArn"]
    report = app.analyze()
    assert report.findings == [] and report.launches_checked == 0


def test_task_definition_shared_by_a_service_and_a_rule() -> None:
    app = exec_app()
    app.events_rule()
    app.container()["ReadonlyRootFilesystem"] = True
    f = one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")
    assert set(f.launches) == {"App.template.json/Service", "App.template.json/Rule"}


def test_state_machine_definition_as_an_object() -> None:
    app = exec_app()
    app.remove("Service")
    app.add("StateMachine", "AWS::StepFunctions::StateMachine", RoleArn=arn("ExecutionRole"),
            Definition={"StartAt": "Fan", "States": {"Fan": {
                "Type": "Parallel", "End": True, "Branches": [{"StartAt": "Run", "States": {
                    "Run": {"Type": "Task", "End": True,
                            "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken",
                            "Parameters": {"Cluster": arn("Cluster"),
                                           "TaskDefinition": ref("TaskDef"),
                                           "LaunchType": "FARGATE",
                                           "EnableExecuteCommand": True,
                                           "NetworkConfiguration": {"AwsvpcConfiguration": {
                                               "Subnets": [ref("IsolatedSubnet")]}}}}}}]}}})
    f = one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "StateMachine")
    assert "state Run" in f.message


def test_state_machine_other_task_states_are_not_launches() -> None:
    app = exec_app()
    app.remove("Service")
    app.add("StateMachine", "AWS::StepFunctions::StateMachine", RoleArn=arn("ExecutionRole"),
            Definition={"StartAt": "Call", "States": {"Call": {
                "Type": "Task", "End": True, "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"EnableExecuteCommand": True}}}})
    assert app.analyze().launches_checked == 0


def test_state_machine_exec_chosen_at_run_time_is_checked() -> None:
    app = launched_by("state machine", exec_enabled=None, PlatformVersion="1.3.0")
    definition = app.props("StateMachine")["DefinitionString"]["Fn::Join"][1]
    definition.insert(-2, ',"EnableExecuteCommand.$":"$.exec"')
    one(app.analyze(), "EcsExec-PLT1", Severity.ERROR, "StateMachine")


def test_state_machine_definition_that_cannot_be_read() -> None:
    app = launched_by("state machine")
    cond = deploy_time_condition(app)
    sm = app.props("StateMachine")
    sm["DefinitionString"] = fn_if(cond, sm["DefinitionString"], import_value("Elsewhere"))
    # When IsProd is false nothing of the task it runs is known: role, platform and network.
    findings = exactly(app.analyze(), ("EcsExec-IAM4", Severity.WARNING, "StateMachine"),
                       ("EcsExec-PLT1", Severity.WARNING, "StateMachine"),
                       ("EcsExec-NET7", Severity.WARNING, "StateMachine"))
    for f in findings:
        assert f.unverified
        assert "when IsProd is false, cannot verify: " in f.message
        assert f.message.endswith("when IsProd is true, it passes.")


def _behind_fn_if(kind: str, where: str, cond: str) -> Callable[[Template], None]:
    """Put a rule's Targets (or one target, or its EcsParameters) behind Fn::If ``cond``."""
    def wrap(app: Template) -> None:
        props = app.props(LAUNCH_IDS[kind])
        if kind == "schedule":
            target = props["Target"]
            if where == "target":
                props["Target"] = fn_if(cond, target, ref("AWS::NoValue"))
            else:
                target["EcsParameters"] = fn_if(cond, target["EcsParameters"],
                                                ref("AWS::NoValue"))
        elif where == "targets":
            props["Targets"] = fn_if(cond, props["Targets"], ref("AWS::NoValue"))
        elif where == "target":
            props["Targets"] = [fn_if(cond, props["Targets"][0], ref("AWS::NoValue"))]
        else:
            target = props["Targets"][0]
            target["EcsParameters"] = fn_if(cond, target["EcsParameters"], ref("AWS::NoValue"))
    return wrap


TARGET_SHAPES = [("events rule", "targets"), ("events rule", "target"),
                 ("events rule", "parameters"), ("schedule", "target"),
                 ("schedule", "parameters")]


@pytest.mark.parametrize(("kind", "where"), TARGET_SHAPES)
def test_target_behind_a_deploy_time_fn_if_is_checked_per_branch(kind: str, where: str) -> None:
    """The task an exec-enabled target runs exists on one branch: it is checked there."""
    app = launched_by(kind)
    app.container()["ReadonlyRootFilesystem"] = True
    _behind_fn_if(kind, where, deploy_time_condition(app))(app)
    report = app.analyze()
    assert report.launches_checked == 1
    (f,) = exactly(report, ("EcsExec-CTR1", Severity.WARNING, "TaskDef"))
    assert "when IsProd is true, Container(s) app of TaskDef" in f.message
    assert f.message.endswith("when IsProd is false, it passes.")


@pytest.mark.parametrize(("kind", "where"), TARGET_SHAPES)
def test_compliant_target_behind_a_deploy_time_fn_if(kind: str, where: str) -> None:
    app = launched_by(kind)
    _behind_fn_if(kind, where, deploy_time_condition(app))(app)
    report = app.analyze()
    assert (report.launches_checked, report.findings) == (1, [])


@pytest.mark.parametrize(("kind", "where"), TARGET_SHAPES)
def test_target_behind_fn_if_without_exec_is_not_a_launch(kind: str, where: str) -> None:
    app = launched_by(kind, exec_enabled=None)  # EnableExecuteCommand left out: exec is off
    _behind_fn_if(kind, where, deploy_time_condition(app))(app)
    report = app.analyze()
    assert (report.launches_checked, report.findings) == (0, [])


@pytest.mark.parametrize(("kind", "where"), TARGET_SHAPES)
def test_target_behind_fn_if_on_a_known_condition_resolves(kind: str, where: str) -> None:
    app = launched_by(kind)
    app.conditions["Always"] = {"Fn::Equals": ["a", "a"]}
    _behind_fn_if(kind, where, "Always")(app)
    report = app.analyze()
    assert (report.launches_checked, report.findings) == (1, [])


# -- references across templates -------------------------------------------------------------


def test_task_definition_imported_from_another_template() -> None:
    tasks = exec_app("Tasks")
    tasks.remove("Service")
    tasks.export("Tasks:TaskDef", ref("TaskDef"))
    tasks.container()["ReadonlyRootFilesystem"] = True
    app = exec_app()
    app.props("Service")["TaskDefinition"] = import_value("Tasks:TaskDef")
    app.remove("TaskDef")
    report = app.analyze(tasks)
    f = one(report, "EcsExec-CTR1", Severity.ERROR, "TaskDef")
    assert f.template == "Tasks.template.json"
    assert f.launches == ("App.template.json/Service",)


def test_export_named_with_the_stack_name_is_not_confused_across_stacks() -> None:
    """Both templates spell ``${AWS::StackName}-Subnet``, but they name different stacks."""
    other = exec_app("Other")
    other.remove("Service")
    other.export(sub("${AWS::StackName}-Subnet"), ref("IsolatedSubnet"))
    app = exec_app()
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        import_value(sub("${AWS::StackName}-Subnet"))]
    report = app.analyze(other)
    one(report, "EcsExec-NET7", Severity.WARNING, "Service")


# -- Fn::Sub and Fn::Join with pseudo parameters ---------------------------------------------


@pytest.mark.parametrize(
    "role_arn",
    [
        sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${TaskRole}"),
        join("", ["arn:", ref("AWS::Partition"), ":iam::", ref("AWS::AccountId"), ":role/",
                  ref("TaskRole")]),
    ],
    ids=["Fn::Sub", "Fn::Join"],
)
def test_task_role_arn_built_from_the_role_name(role_arn: Any) -> None:
    app = exec_app()
    app.props("TaskDef")["TaskRoleArn"] = role_arn
    assert app.analyze().findings == []
    app.remove("TaskRoleDefaultPolicy")
    one(app.analyze(), "EcsExec-IAM2", Severity.ERROR, "TaskRole")


def test_fn_sub_with_variables() -> None:
    app = exec_app()
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        sub("${Id}", {"Id": ref("IsolatedSubnet")})]
    one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")


# -- Fn::If: cannot verify -------------------------------------------------------------------


def test_exec_behind_fn_if_is_checked() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    app.props("Service")["EnableExecuteCommand"] = fn_if(cond, True, False)
    app.container()["ReadonlyRootFilesystem"] = True
    f = one(app.analyze(), "EcsExec-CTR1", Severity.WARNING, "TaskDef")
    assert "when IsProd is true, Container(s) app of TaskDef have a read-only" in f.message


def test_task_definition_behind_fn_if() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    app.task_definition("OtherTaskDef", task_role=arn("TaskRole"))
    app.props("Service")["TaskDefinition"] = fn_if(cond, ref("TaskDef"), ref("OtherTaskDef"))
    # Both branches are checked, and both pass.
    assert app.analyze().findings == []
    app.props("OtherTaskDef")["ContainerDefinitions"][0]["ReadonlyRootFilesystem"] = True
    f = one(app.analyze(), "EcsExec-CTR1", Severity.WARNING, "OtherTaskDef")
    assert "when IsProd is false, Container(s) app of OtherTaskDef" in f.message


def test_network_configuration_behind_fn_if() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    svc = app.props("Service")
    svc["NetworkConfiguration"] = fn_if(cond, svc["NetworkConfiguration"], {"Ref": "AWS::NoValue"})
    report = app.analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Service")
    assert "when IsProd is false, cannot verify: Service (service): the launch has no awsvpc" \
        in f.message
    assert f.message.endswith("when IsProd is true, it passes.")
    assert rule_ids(report) == ["EcsExec-NET7"]


def test_fn_if_with_the_same_value_on_both_sides_resolves() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    app.props("TaskDef")["TaskRoleArn"] = fn_if(cond, arn("TaskRole"), arn("TaskRole"))
    assert app.analyze().findings == []
