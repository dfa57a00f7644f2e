"""ACC1/ACC2 apply where people act (issue 10.9): users, groups, roles that an account, a user,
a role, a SAML or a web-identity principal may assume, and the policies attached to them; not
roles that only AWS services assume. Also the IAM escapes of issue 15.2 (NotResource in a
task-role statement, ACC2 through NotAction)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import (
    ACCOUNT_ROOT,
    EXEC_ACTIONS,
    Template,
    allow,
    aws_managed,
    describe,
    document,
    exec_app,
    join,
    one,
    ref,
)

from ecs_exec_guard.analysis import Severity

ACC_START = (
    "allows ssm:StartSession on ECS task targets with no Deny: it can bypass "
    "ecs:ExecuteCommand authorisation."
)
ACC_EXEC = "allows ecs:ExecuteCommand on '*' with no Condition."


def summary(app: Template) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.logical_id, f.message) for f in app.analyze().findings]


def with_role(principal: Any, *statements: dict[str, Any]) -> Template:
    """The compliant app plus a role trusting ``principal`` whose policy holds ``statements``."""
    app = exec_app()
    app.role("SomeRole", principal=principal)
    app.policy("SomePolicy", *statements, roles=["SomeRole"])
    return app


BROAD = (allow("ssm:StartSession"), allow("ecs:ExecuteCommand"))
BOTH = [
    ("EcsExec-ACC1", "SomePolicy", f"SomePolicy (via SomeRole) {ACC_START}"),
    ("EcsExec-ACC2", "SomePolicy", f"SomePolicy (via SomeRole) {ACC_EXEC}"),
]

PEOPLE = {
    "account root, CDK's Fn::Join": {"AWS": ACCOUNT_ROOT},
    "account root, literal partition": {"AWS": "arn:aws:iam::123456789012:root"},
    "account root, gov partition": {"AWS": "arn:aws-us-gov:iam::123456789012:root"},
    "bare account ID": {"AWS": "123456789012"},
    "Ref AWS::AccountId": {"AWS": ref("AWS::AccountId")},
    "a user": {"AWS": "arn:aws:iam::123456789012:user/alice"},
    "another role": {"AWS": join("", ["arn:", ref("AWS::Partition"), ":iam::",
                                      ref("AWS::AccountId"), ":role/admins"])},
    "SAML": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
    "web identity (GitHub OIDC)": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    },
    "everyone": "*",
    "service and account": {"Service": "ec2.amazonaws.com", "AWS": ACCOUNT_ROOT},
}


@pytest.mark.parametrize("principal", PEOPLE.values(), ids=PEOPLE.keys())
def test_roles_people_assume_are_checked(principal: Any) -> None:
    assert summary(with_role(principal, *BROAD)) == BOTH


SERVICES = {
    "CloudFormation (Copilot's execution role)": {"Service": "cloudformation.amazonaws.com"},
    "ECS tasks": {"Service": "ecs-tasks.amazonaws.com"},
    "several services": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
    "EC2 instances": {"Service": "ec2.amazonaws.com"},
}


@pytest.mark.parametrize("principal", SERVICES.values(), ids=SERVICES.keys())
def test_roles_only_services_assume_are_not_checked(principal: Any) -> None:
    assert summary(with_role(principal, *BROAD)) == []


def test_copilot_style_cloudformation_execution_role_is_not_reported() -> None:
    """Copilot's environment stack gives CloudFormation a role with broad inline permissions
    (an Allow of NotAction on '*'); CloudFormation and Lambda assume it (the trust policy of
    CloudformationExecutionRole in aws/copilot-cli's environment testdata): no person can, so
    no ACC finding."""
    app = exec_app()
    app.role("CloudformationExecutionRole",
             principal={"Service": ["cloudformation.amazonaws.com", "lambda.amazonaws.com"]},
             Policies=[{"PolicyName": "executeCfn", "PolicyDocument": document(
                 {"Effect": "Allow", "NotAction": ["organizations:*", "account:*"],
                  "Resource": "*"})}])
    assert summary(app) == []


def test_twin_role_that_the_account_assumes_with_the_same_policy_is_reported() -> None:
    app = exec_app()
    app.role("EnvironmentManagerRole", principal={"AWS": ACCOUNT_ROOT},
             Policies=[{"PolicyName": "root", "PolicyDocument": document(
                 {"Effect": "Allow", "NotAction": ["organizations:*", "account:*"],
                  "Resource": "*"})}])
    assert summary(app) == [
        ("EcsExec-ACC1", "EnvironmentManagerRole", f"EnvironmentManagerRole {ACC_START}"),
        ("EcsExec-ACC2", "EnvironmentManagerRole", f"EnvironmentManagerRole {ACC_EXEC}"),
    ]


def test_a_task_role_with_administrator_access_is_not_an_operator() -> None:
    app = exec_app()
    app.props("TaskRole")["ManagedPolicyArns"] = [aws_managed("AdministratorAccess")]
    assert summary(app) == []


def test_a_trust_policy_that_cannot_be_read_is_checked() -> None:
    """Not knowing who may assume the role is no proof that only services do."""
    app = with_role({"AWS": ACCOUNT_ROOT}, *BROAD)
    app.parameters["Trust"] = {"Type": "String"}
    app.props("SomeRole")["AssumeRolePolicyDocument"] = ref("Trust")
    assert summary(app) == BOTH


def test_a_policy_shared_by_a_service_role_and_a_person_is_reported_once() -> None:
    app = with_role({"Service": "lambda.amazonaws.com"}, *BROAD)
    app.add("Alice", "AWS::IAM::User")
    app.props("SomePolicy")["Users"] = [ref("Alice")]
    assert summary(app) == [
        ("EcsExec-ACC1", "SomePolicy", f"SomePolicy (via Alice) {ACC_START}"),
        ("EcsExec-ACC2", "SomePolicy", f"SomePolicy (via Alice) {ACC_EXEC}"),
    ]


def test_a_managed_policy_attached_to_nothing_in_the_input_is_still_checked() -> None:
    app = exec_app()
    app.managed_policy("OpsPolicy", *BROAD)
    assert summary(app) == [
        ("EcsExec-ACC1", "OpsPolicy", f"OpsPolicy {ACC_START}"),
        ("EcsExec-ACC2", "OpsPolicy", f"OpsPolicy {ACC_EXEC}"),
    ]


def test_a_managed_policy_attached_only_to_a_service_role_is_not() -> None:
    app = exec_app()
    app.role("LambdaRole", service="lambda.amazonaws.com")
    app.managed_policy("OpsPolicy", *BROAD, Roles=[ref("LambdaRole")])
    assert summary(app) == []


# -- issue 15.2: IAM escapes ----------------------------------------------------------------


def test_acc2_sees_execute_command_through_not_action_on_star() -> None:
    app = with_role({"AWS": ACCOUNT_ROOT},
                    {"Effect": "Allow", "NotAction": ["iam:*", "ssm:*"], "Resource": "*"})
    assert summary(app) == [("EcsExec-ACC2", "SomePolicy", f"SomePolicy (via SomeRole) {ACC_EXEC}")]


def test_acc2_twin_not_action_that_excludes_ecs() -> None:
    app = with_role({"AWS": ACCOUNT_ROOT},
                    {"Effect": "Allow", "NotAction": ["iam:*", "ssm:*", "ecs:*"],
                     "Resource": "*"})
    assert summary(app) == []


def test_not_resource_star_in_a_task_role_statement_grants_nothing() -> None:
    app = exec_app()
    app.props("TaskRoleDefaultPolicy")["PolicyDocument"] = document(
        {"Effect": "Allow", "Action": "ssmmessages:*", "NotResource": "*"})
    report = app.analyze()
    f = one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    assert f.message == (
        f"Task role TaskRole of TaskDef does not allow {', '.join(EXEC_ACTIONS)}."
    )
    assert [x.rule_id for x in report.findings] == ["EcsExec-IAM2"], describe(report)


def test_not_resource_twin_excluding_another_resource_grants_the_actions() -> None:
    app = exec_app()
    app.props("TaskRoleDefaultPolicy")["PolicyDocument"] = document(
        {"Effect": "Allow", "Action": "ssmmessages:*",
         "NotResource": "arn:aws:s3:::secrets/*"})
    assert app.analyze().findings == []
