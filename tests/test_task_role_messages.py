"""IAM2 and IAM4 messages for the task role (issue 15: mutation testing): the actions missing
and why (Denies, a boundary), each reason once; a role or task definition outside the input;
Allows that only hold under a Condition."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import EXEC_ACTIONS, Template, allow, deny, exec_app, import_value

OPEN = "ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel"
NOT_CHECKED = "its task role and containers cannot be checked."
NET7 = ("EcsExec-NET7", "warning", "Service", "Cannot verify: Service (service): network mode: "
        "the task definition is not in the input.")


def denied_twice(app: Template) -> None:
    app.policy("DenyPolicy", deny("ssmmessages:OpenDataChannel"))
    app.policy("DenyPolicy2", deny("ssmmessages:Open*"))


def boundary(app: Template) -> None:
    app.props("TaskRole")["PermissionsBoundary"] = {"Ref": "Boundary"}
    app.managed_policy("Boundary", allow("ssmmessages:Create*"))


def one_action(app: Template) -> None:
    app.task_policy()["Statement"] = [allow(["ssmmessages:CreateControlChannel"])]


def imported_role(app: Template) -> None:
    app.props("TaskDef")["TaskRoleArn"] = "arn:aws:iam::123456789012:role/imported"


def unresolved_role(app: Template) -> None:
    app.props("TaskDef")["TaskRoleArn"] = import_value("Role")


def other_task_definition(app: Template) -> None:
    app.props("Service")["TaskDefinition"] = "arn:aws:ecs:eu-west-1:1:task-definition/x:1"


def unresolved_task_definition(app: Template) -> None:
    app.props("Service")["TaskDefinition"] = import_value("Td")


def under_a_condition(app: Template) -> None:
    app.task_policy()["Statement"] = [allow(list(EXEC_ACTIONS), Condition={"Bool": {"a": "b"}})]


CONDITIONAL = "an Allow in TaskRoleDefaultPolicy that only holds under a Condition"
CASES: dict[str, tuple[Any, list[tuple[str, str, str, str]]]] = {
    "denied twice": (denied_twice, [(
        "EcsExec-IAM2", "error", "TaskRole", f"Task role TaskRole of TaskDef does not allow "
        f"{OPEN} (explicitly denied in DenyPolicy2; explicitly denied in DenyPolicy).")]),
    "boundary": (boundary, [(
        "EcsExec-IAM2", "error", "TaskRole", f"Task role TaskRole of TaskDef does not allow "
        f"{OPEN} (the permissions boundary does not allow ssmmessages:OpenControlChannel; the "
        "permissions boundary does not allow ssmmessages:OpenDataChannel).")]),
    "one action": (one_action, [(
        "EcsExec-IAM2", "error", "TaskRole", "Task role TaskRole of TaskDef does not allow "
        f"ssmmessages:CreateDataChannel, {OPEN}.")]),
    "imported role": (imported_role, [(
        "EcsExec-IAM4", "warning", "TaskDef", 'Cannot verify: Task role "arn:aws:iam::'
        '123456789012:role/imported" of TaskDef is not in the input (imported); its exec '
        "permissions cannot be checked.")]),
    "unresolved role": (unresolved_role, [(
        "EcsExec-IAM4", "warning", "TaskDef", "Cannot verify: Task role of TaskDef cannot be "
        "resolved (Fn::ImportValue Role: no template of the input exports it); its exec "
        "permissions cannot be checked.")]),
    "task definition elsewhere": (other_task_definition, [(
        "EcsExec-IAM4", "warning", "Service", "Cannot verify: Service (service): task "
        f'definition "arn:aws:ecs:eu-west-1:1:task-definition/x:1" is not in the input; '
        f"{NOT_CHECKED}"), NET7]),
    "task definition unresolved": (unresolved_task_definition, [(
        "EcsExec-IAM4", "warning", "Service", "Cannot verify: Service (service): "
        f"Fn::ImportValue Td: no template of the input exports it; {NOT_CHECKED}"), NET7]),
    "under a condition": (under_a_condition, [(
        "EcsExec-IAM4", "warning", "TaskDef", "Cannot verify: Task role TaskRole of TaskDef: "
        + "; ".join(f"{action}: {CONDITIONAL}" for action in EXEC_ACTIONS) + ".")]),
}


@pytest.mark.parametrize(("change", "expected"), CASES.values(), ids=CASES.keys())
def test_task_role_messages(change: Any, expected: list[tuple[str, str, str, str]]) -> None:
    app = exec_app()
    change(app)
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == expected
