"""Launches that name the task definition by family (issue 10, item 3) and launches that
override the task role (item 4).

Shapes: CDK's ``EcsRunTask`` writes ``"TaskDefinition":"<family>"`` in the state machine's
DefinitionString (aws/aws-cdk, framework-integ aws-stepfunctions-tasks ecs
``integ.fargate-run-task-capacity-provider`` snapshot); RunTask takes ``family``,
``family:revision`` or a task definition ARN; EventBridge and Scheduler ECS targets pass
``taskRoleArn`` in the target's Input (the RunTask overrides); Step Functions puts it in
``Parameters.Overrides.TaskRoleArn``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cfn import (
    EXEC_ACTIONS,
    Template,
    allow,
    arn,
    describe,
    exactly,
    exec_app,
    join,
    one,
    ref,
    rule_ids,
)

from ecs_exec_guard.analysis import Severity, analyze
from ecs_exec_guard.analysis.launches import find_task_definition, task_definition_family
from ecs_exec_guard.analysis.model import Model

LAUNCHERS: dict[str, tuple[Callable[..., Any], str]] = {
    "events rule": (Template.events_rule, "TaskDefinitionArn"),
    "schedule": (Template.schedule, "TaskDefinitionArn"),
    "state machine": (Template.state_machine, "TaskDefinition"),
}
FAMILY = "taskdef"  # what cfn.Template.task_definition writes as Family for TaskDef


def launched_by(kind: str, **ecs: Any) -> Template:
    app = exec_app()
    app.remove("Service")
    LAUNCHERS[kind][0](app, **ecs)
    return app


def by_family(kind: str, name: Any) -> Template:
    return launched_by(kind, **{LAUNCHERS[kind][1]: name})


NAMES = {
    "family": FAMILY,
    "family:revision": f"{FAMILY}:7",
    "literal ARN": f"arn:aws:ecs:eu-west-1:123456789012:task-definition/{FAMILY}:3",
    "ARN without revision": f"arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/{FAMILY}",
    "ARN with pseudo parameters": join("", [
        "arn:", ref("AWS::Partition"), ":ecs:", ref("AWS::Region"), ":",
        ref("AWS::AccountId"), f":task-definition/{FAMILY}:1"]),
}


@pytest.mark.parametrize("kind", LAUNCHERS)
@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_family_links_to_the_task_definition(kind: str, name: Any) -> None:
    report = by_family(kind, name).analyze()
    assert report.findings == [], describe(report)
    assert report.launches_checked == 1


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_family_launch_checks_the_task_role(kind: str) -> None:
    """The missed error: a task role without the ssmmessages actions, reached by family."""
    app = by_family(kind, FAMILY)
    app.remove("TaskRoleDefaultPolicy")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-IAM2"], describe(report)
    one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_family_launch_checks_the_containers(kind: str) -> None:
    app = by_family(kind, f"{FAMILY}:2")
    app.container()["ReadonlyRootFilesystem"] = True
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-CTR1"], describe(report)
    one(report, "EcsExec-CTR1", Severity.ERROR, "TaskDef")


@pytest.mark.parametrize(
    "name",
    ["other-family", "arn:aws:ecs:eu-west-1:123456789012:task-definition/other:1",
     "taskdef:latest", "arn:aws:ecs:eu-west-1:123456789012:service/taskdef"],
)
def test_unknown_family_is_cannot_verify(name: str) -> None:
    report = by_family("state machine", name).analyze()
    # Without the task definition the network mode is unknown too.
    finding, net7 = exactly(report, ("EcsExec-IAM4", Severity.WARNING, "StateMachine"),
                            ("EcsExec-NET7", Severity.WARNING, "StateMachine"))
    assert "is not in the input" in finding.message
    assert finding.unverified and net7.unverified


def test_family_is_found_in_another_template() -> None:
    """A launch in one stack runs a task definition (with a literal family) of another."""
    runner = Template("Runner")
    runner.events_rule(TaskDefinitionArn=FAMILY)
    runner.props("Rule")["Targets"][0]["Arn"] = "arn:aws:ecs:eu-west-1:123456789012:cluster/c"
    runner.props("Rule")["Targets"][0]["RoleArn"] = "arn:aws:iam::123456789012:role/events"
    params = runner.props("Rule")["Targets"][0]["EcsParameters"]
    params["NetworkConfiguration"]["AwsVpcConfiguration"] = {
        "Subnets": [{"Fn::ImportValue": "App:Private"}],
        "SecurityGroups": [{"Fn::ImportValue": "App:TaskSg"}]}
    app = exec_app()
    app.remove("Service")
    app.export("App:Private", ref("PrivateSubnet"))
    app.export("App:TaskSg", {"Fn::GetAtt": ["TaskSg", "GroupId"]})
    app.remove("TaskRoleDefaultPolicy")
    report = runner.analyze(app)
    one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    # The cluster is an ARN: the capacity (FARGATE launch type) is known, the cluster is not.
    assert rule_ids(report) == ["EcsExec-IAM2"], describe(report)


def test_same_family_in_two_other_templates_is_ambiguous() -> None:
    first, second = exec_app("First"), exec_app("Second")
    runner = Template("Runner")
    runner.state_machine(TaskDefinition=FAMILY)
    model = Model([(t.name, t.body(), None) for t in (first, second, runner)])
    runner_tpl = model.templates["Runner.template.json"]
    assert find_task_definition(model, runner_tpl, FAMILY) is None
    first_tpl = model.templates["First.template.json"]
    found = find_task_definition(model, first_tpl, FAMILY)
    assert found is not None and found.template is first_tpl


def test_family_helper() -> None:
    assert task_definition_family("web") == "web"
    assert task_definition_family("web_2-a:12") == "web_2-a"
    assert task_definition_family("arn:aws:ecs:us-east-1:1:task-definition/web:3") == "web"
    assert task_definition_family("arn:${AWS::Partition}:ecs:r:a:task-definition/web") == "web"
    for other in ("", "web:", "web:x", "a b", "arn:aws:ecs:r:a:cluster/web",
                  "arn:aws:ecs:r:a:task-definition/"):
        assert task_definition_family(other) is None, other


# -- task role overrides (item 4) --------------------------------------------------------------


def override_role(app: Template, allowed: bool) -> None:
    """A second role for the launch to override the task role with."""
    app.role("OverrideRole")
    if allowed:
        app.policy("OverrideRolePolicy", allow(list(EXEC_ACTIONS)), roles=["OverrideRole"])


def with_override(kind: str, role: Any) -> Template:
    if kind == "state machine":
        return launched_by(kind, Overrides={"TaskRoleArn": role})
    app = launched_by(kind)
    target = app.props("Rule")["Targets"][0] if kind == "events rule" else \
        app.props("Schedule")["Target"]
    target["Input"] = join("", ['{"containerOverrides":[],"taskRoleArn":"', role, '"}'])
    return app


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_override_role_without_exec_permissions(kind: str) -> None:
    app = with_override(kind, arn("OverrideRole"))
    override_role(app, allowed=False)
    report = app.analyze()
    finding = one(report, "EcsExec-IAM2", Severity.ERROR, "OverrideRole")
    assert "(Overrides.TaskRoleArn)" in finding.message
    assert rule_ids(report) == ["EcsExec-IAM2"], describe(report)


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_override_role_is_used_instead_of_the_task_definitions(kind: str) -> None:
    """The task definition's own role lacks the actions, but every launch overrides it."""
    app = with_override(kind, arn("OverrideRole"))
    override_role(app, allowed=True)
    app.remove("TaskRoleDefaultPolicy")
    report = app.analyze()
    assert report.findings == [], describe(report)


def test_service_and_overriding_launch_each_check_their_role() -> None:
    app = with_override("state machine", arn("OverrideRole"))
    override_role(app, allowed=False)
    app.service()
    report = app.analyze()
    one(report, "EcsExec-IAM2", Severity.ERROR, "OverrideRole")
    assert rule_ids(report) == ["EcsExec-IAM2"], describe(report)


@pytest.mark.parametrize("kind", LAUNCHERS)
def test_imported_override_role_is_cannot_verify_on_the_launch(kind: str) -> None:
    app = with_override(kind, "arn:aws:iam::123456789012:role/elsewhere")
    report = app.analyze()
    launch_id = {"events rule": "Rule", "schedule": "Schedule"}.get(kind, "StateMachine")
    finding = one(report, "EcsExec-IAM4", Severity.WARNING, launch_id)
    assert "role/elsewhere" in finding.message and "Overrides.TaskRoleArn" in finding.message
    assert rule_ids(report) == ["EcsExec-IAM4"], describe(report)


def test_override_chosen_at_run_time_is_cannot_verify() -> None:
    app = launched_by("state machine", Overrides={"TaskRoleArn.$": "$.role"})
    report = app.analyze()
    finding = one(report, "EcsExec-IAM4", Severity.WARNING, "StateMachine")
    assert "TaskRoleArn.$" in finding.message


def test_input_without_a_task_role_keeps_the_task_definitions_role() -> None:
    app = launched_by("events rule")
    app.props("Rule")["Targets"][0]["Input"] = json.dumps(
        {"containerOverrides": [{"name": "app", "command": ["true"]}]})
    app.remove("TaskRoleDefaultPolicy")
    report = app.analyze()
    one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    assert rule_ids(report) == ["EcsExec-IAM2"], describe(report)


def test_analyze_api_links_families_without_paths() -> None:
    app = by_family("schedule", FAMILY)
    report = analyze({app.name: app.body()})
    assert report.launches_checked == 1 and report.findings == []
