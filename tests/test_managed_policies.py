"""AWS managed policies known from the generated data file (issue 10.5): a known policy that
lacks the exec actions is IAM2 (error), one that grants them passes, an unknown name is IAM4."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cfn import EXEC_ACTIONS, aws_managed, describe, exec_app, one, sub

from ecs_exec_guard.analysis import Severity
from ecs_exec_guard.analysis import managed_policies as mp
from ecs_exec_guard.analysis.iam import Decision, Permissions, parse_document
from ecs_exec_guard.analysis.rules.access import ECS_TASK_TARGET
from ecs_exec_guard.analysis.rules.iam import LOG_STREAM_ACTIONS

IAM = ("EcsExec-IAM1", "EcsExec-IAM2", "EcsExec-IAM3", "EcsExec-IAM4")


def task_role_with(*managed_arns: Any) -> Any:
    app = exec_app()
    app.remove("TaskRoleDefaultPolicy")
    app.props("TaskRole")["ManagedPolicyArns"] = list(managed_arns)
    return app


# -- the data file --------------------------------------------------------------------------


def test_data_file_names_its_source_and_snapshot_date() -> None:
    raw = json.loads(mp.DATA_FILE.read_text(encoding="utf-8"))
    assert raw["snapshot"]["repository"] == "iann0036/iam-dataset"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", raw["snapshot"]["date"])
    assert re.fullmatch(r"[0-9a-f]{40}", raw["snapshot"]["commit"])
    assert raw["generator"] == "scripts/gen_managed_policies.py"
    assert tuple(raw["actions"]) == mp.TRACKED_ACTIONS
    assert len(raw["policies"]) > 1000  # every AWS managed policy, not a hand-picked few
    assert raw["snapshot"]["date"] in mp.snapshot_description()


def test_every_action_the_rules_ask_about_is_tracked() -> None:
    asked = {*EXEC_ACTIONS, *LOG_STREAM_ACTIONS, "logs:DescribeLogGroups", "s3:PutObject",
             "s3:GetBucketLocation", "s3:GetEncryptionConfiguration", "kms:Decrypt",
             "ssm:StartSession", "ecs:ExecuteCommand"}
    assert asked == set(mp.TRACKED_ACTIONS)


def test_recorded_statements_mention_only_tracked_actions() -> None:
    tracked = set(mp.TRACKED_ACTIONS)
    for name, statements in mp.load().policies.items():
        for st in statements:
            assert set(st["Action"]) <= tracked, name
            assert "NotAction" not in st, name
            assert st["Effect"] in ("Allow", "Deny"), name


def test_a_managed_policy_is_unknown_for_an_action_it_was_not_reduced_to() -> None:
    """The file keeps only the tracked actions: asking about another is not a 'no'."""
    perms = task_role_permissions("arn:aws:iam::aws:policy/AdministratorAccess")
    assert perms.evaluate("ssmmessages:OpenDataChannel")[0] is Decision.ALLOW
    decision, reasons = perms.evaluate("s3:GetObject")
    assert decision is Decision.UNKNOWN
    assert reasons == ["AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess is not "
                       "known for s3:GetObject"]


def task_role_permissions(arn: str) -> Permissions:
    from ecs_exec_guard.analysis.iam import IamIndex
    from ecs_exec_guard.analysis.model import Model

    app = task_role_with(arn)
    model = Model([(app.name, app.body(), None)])
    role = model.templates[app.name].resources["TaskRole"]
    return IamIndex(model).permissions(role)


# -- ARNs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", ("aws", "AdministratorAccess")),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", ("aws-cn", "ReadOnlyAccess")),
        ("arn:aws-us-gov:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
         ("aws-us-gov", "service-role/AmazonECSTaskExecutionRolePolicy")),
        ("arn:${AWS::Partition}:iam::aws:policy/job-function/ViewOnlyAccess",
         ("${AWS::Partition}", "job-function/ViewOnlyAccess")),
        ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),
        ("arn:aws-iso:iam::aws:policy/AdministratorAccess", None),
        ("arn:aws:iam::aws:role/AdministratorAccess", None),
        ("AdministratorAccess", None),
    ],
)
def test_parse_arn(arn: str, expected: tuple[str, str] | None) -> None:
    assert mp.parse_arn(arn) == expected


# -- IAM2 / IAM4 on task roles --------------------------------------------------------------

GRANTING = ["AmazonSSMManagedInstanceCore", "AmazonSSMFullAccess",
            "service-role/AmazonEC2RoleforSSM", "AmazonSSMManagedEC2InstanceDefaultPolicy",
            "AdministratorAccess", "PowerUserAccess"]


@pytest.mark.parametrize("name", GRANTING)
def test_aws_managed_policies_that_grant_exec(name: str) -> None:
    assert task_role_with(aws_managed(name)).analyze().findings == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore",
        sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"),
        aws_managed("AmazonSSMManagedInstanceCore"),
    ],
    ids=["aws", "aws-cn", "aws-us-gov", "Fn::Sub partition", "Fn::Join partition"],
)
def test_every_partition_spelling_is_known(arn: Any) -> None:
    assert task_role_with(arn).analyze().findings == []


def test_known_policies_without_the_actions_are_an_error() -> None:
    """The issue's example: X-Ray and the CloudWatch agent grant no ssmmessages action."""
    app = task_role_with(aws_managed("AWSXRayDaemonWriteAccess"),
                         aws_managed("CloudWatchAgentServerPolicy"))
    report = app.analyze()
    f = one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    assert f.message == (
        "Task role TaskRole of TaskDef does not allow ssmmessages:CreateControlChannel, "
        "ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel, "
        "ssmmessages:OpenDataChannel."
    )
    assert [x.rule_id for x in report.findings] == ["EcsExec-IAM2"], describe(report)


def test_twin_known_policy_with_the_actions_passes() -> None:
    app = task_role_with(aws_managed("AWSXRayDaemonWriteAccess"),
                         aws_managed("AmazonSSMManagedInstanceCore"))
    assert app.analyze().findings == []


def test_service_role_path_is_honoured() -> None:
    report = task_role_with(
        aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")).analyze()
    assert [f.rule_id for f in report.findings] == ["EcsExec-IAM2"], describe(report)


def test_a_known_name_under_the_wrong_path_cannot_be_verified() -> None:
    """``policy/AmazonECSTaskExecutionRolePolicy`` does not exist: AWS publishes it under
    ``service-role/``. Not silently known, not silently an error."""
    report = task_role_with("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy").analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "AWS publishes AmazonECSTaskExecutionRolePolicy as policy/service-role/" in f.message
    assert [x.rule_id for x in report.findings] == ["EcsExec-IAM4"], describe(report)


def test_an_unknown_partition_cannot_be_verified() -> None:
    report = task_role_with("arn:aws-iso:iam::aws:policy/AmazonSSMManagedInstanceCore").analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "is not known to this tool" in f.message


def test_read_only_policies_grant_no_session_channel() -> None:
    report = task_role_with(aws_managed("ReadOnlyAccess")).analyze()
    assert [f.rule_id for f in report.findings] == ["EcsExec-IAM2"], describe(report)


# -- ACC1 / ACC2 through AWS managed policies -----------------------------------------------


def test_acc_rules_see_aws_managed_policies_of_people() -> None:
    app = exec_app()
    app.add("Admin", "AWS::IAM::User",
            ManagedPolicyArns=[aws_managed("AmazonSSMFullAccess")])
    report = app.analyze()
    f = one(report, "EcsExec-ACC1", Severity.WARNING, "Admin")
    assert f.message.startswith("Admin allows ssm:StartSession on ECS task targets")
    assert [x.rule_id for x in report.findings] == ["EcsExec-ACC1"], describe(report)


def test_recorded_statements_evaluate_like_template_statements() -> None:
    statements, problems = parse_document(
        {"Statement": mp.load().policies["AmazonSSMFullAccess"]}, None)
    assert problems == []
    perms = Permissions(statements=statements)
    assert perms.evaluate("ssm:StartSession", ECS_TASK_TARGET)[0] is Decision.ALLOW
    assert perms.evaluate("ecs:ExecuteCommand")[0] is Decision.IMPLICIT_DENY
