"""Cluster and access rules: CFG1 (exec configuration), ACC1 (ssm:StartSession on tasks),
ACC2 (ecs:ExecuteCommand on '*') and ENB1 (every service has exec, with require_exec)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import (
    ACCOUNT_ROOT,
    Template,
    allow,
    arn,
    clean,
    deny,
    document,
    exec_app,
    join,
    one,
    ref,
    sub,
)

from ecs_exec_guard.analysis import Severity

TASK_ARNS = sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/*")


# -- CFG1 ------------------------------------------------------------------------------------


def with_exec_configuration(**cfg: Any) -> Template:
    app = exec_app()
    app.add("ExecLogs", "AWS::Logs::LogGroup")
    app.add("ExecBucket", "AWS::S3::Bucket")
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": cfg}
    app.task_policy()["Statement"].append(allow(["logs:*", "s3:*"]))
    return app


INVALID: dict[str, dict[str, Any]] = {
    "OVERRIDE without LogConfiguration": {"Logging": "OVERRIDE"},
    "OVERRIDE with an empty LogConfiguration": {"Logging": "OVERRIDE", "LogConfiguration": {}},
    "LogConfiguration with DEFAULT": {
        "Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": ref("ExecLogs")}},
    "LogConfiguration without Logging": {
        "LogConfiguration": {"CloudWatchLogGroupName": ref("ExecLogs")}},
    "CloudWatch encryption without a log group": {
        "Logging": "OVERRIDE",
        "LogConfiguration": {"S3BucketName": ref("ExecBucket"),
                             "CloudWatchEncryptionEnabled": True}},
    "S3 encryption without a bucket": {
        "Logging": "OVERRIDE",
        "LogConfiguration": {"CloudWatchLogGroupName": ref("ExecLogs"),
                             "S3EncryptionEnabled": "true"}},
}

VALID: dict[str, dict[str, Any]] = {
    "DEFAULT": {"Logging": "DEFAULT"},
    "NONE": {"Logging": "NONE"},
    "OVERRIDE with a log group": {
        "Logging": "OVERRIDE", "LogConfiguration": {"CloudWatchLogGroupName": ref("ExecLogs")}},
    "OVERRIDE with a bucket and encryption": {
        "Logging": "OVERRIDE",
        "LogConfiguration": {"S3BucketName": ref("ExecBucket"), "S3EncryptionEnabled": True}},
}


@pytest.mark.parametrize("cfg", INVALID.values(), ids=INVALID.keys())
def test_cfg1_invalid_exec_configuration(cfg: dict[str, Any]) -> None:
    report = with_exec_configuration(**cfg).analyze()
    f = one(report, "EcsExec-CFG1", Severity.ERROR, "Cluster")
    assert not f.unverified


@pytest.mark.parametrize("cfg", VALID.values(), ids=VALID.keys())
def test_cfg1_valid_exec_configuration(cfg: dict[str, Any]) -> None:
    clean(with_exec_configuration(**cfg).analyze())


def test_cfg1_logging_behind_fn_if_cannot_be_verified() -> None:
    app = with_exec_configuration(Logging={"Fn::If": ["Audit", "OVERRIDE", "DEFAULT"]})
    app.parameters["Env"] = {"Type": "String"}
    app.conditions["Audit"] = {"Fn::Equals": [ref("Env"), "prod"]}
    f = one(app.analyze(), "EcsExec-CFG1", Severity.WARNING, "Cluster")
    assert f.unverified


# -- ACC1 ------------------------------------------------------------------------------------


def with_operator(*statements: dict[str, Any]) -> Template:
    """The compliant app plus an operator role whose policy holds ``statements``."""
    app = exec_app()
    app.role("OperatorRole", principal={"AWS": ACCOUNT_ROOT})
    app.policy("OperatorPolicy", *statements, roles=["OperatorRole"])
    return app


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "arn:aws:ecs:*:*:task/*",
        TASK_ARNS,
        join("", ["arn:", ref("AWS::Partition"), ":ecs:", ref("AWS::Region"), ":",
                  ref("AWS::AccountId"), ":task/", ref("Cluster"), "/*"]),
    ],
    ids=["star", "ecs task wildcard", "Fn::Sub pseudo parameters", "Fn::Join with the cluster"],
)
def test_acc1_start_session_on_ecs_tasks(resource: Any) -> None:
    report = with_operator(allow("ssm:StartSession", resource)).analyze()
    f = one(report, "EcsExec-ACC1", Severity.WARNING, "OperatorPolicy")
    assert "OperatorRole" in f.message


def test_acc1_start_session_through_a_service_wildcard() -> None:
    report = with_operator(allow("SSM:Start*")).analyze()
    one(report, "EcsExec-ACC1", Severity.WARNING, "OperatorPolicy")


@pytest.mark.parametrize(
    "statements",
    [
        [allow("ssm:StartSession", "arn:aws:ec2:*:*:instance/*")],
        [allow("ssm:StartSession"), deny("ssm:StartSession", "arn:aws:ecs:*:*:task/*")],
        [allow("ssm:StartSession"), deny("ssm:*", TASK_ARNS)],
        [allow("ssm:StartSession"), deny("ssm:StartSession", join(
            "", ["arn:", ref("AWS::Partition"), ":ecs:*:*:task/*"]))],
        [allow("ssm:StartSession", sub("arn:${AWS::Partition}:ecs:*:*:task/${Cluster}/*")),
         deny("ssm:StartSession", "arn:aws:ecs:*:*:task/*")],
        [allow("ssm:StartSession", Condition={"StringEquals": {"ssm:resourceTag/Team": "a"}})],
        [allow("ssm:GetParameter")],
    ],
    ids=["instances only", "deny on tasks", "deny ssm:* via Fn::Sub", "deny as CDK writes it",
         "cluster allow, deny on all tasks", "condition",
         "another action"],
)
def test_acc1_not_reported(statements: list[dict[str, Any]]) -> None:
    clean(with_operator(*statements).analyze())


def test_acc1_deny_under_a_condition_does_not_count() -> None:
    report = with_operator(
        allow("ssm:StartSession"),
        deny("ssm:StartSession", "arn:aws:ecs:*:*:task/*",
             Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    ).analyze()
    one(report, "EcsExec-ACC1", Severity.WARNING, "OperatorPolicy")


def test_acc1_inline_policy_is_reported_on_the_role() -> None:
    app = exec_app()
    app.role("OperatorRole", principal={"AWS": ACCOUNT_ROOT}, Policies=[
        {"PolicyName": "ops", "PolicyDocument": document(allow("ssm:StartSession"))}])
    one(app.analyze(), "EcsExec-ACC1", Severity.WARNING, "OperatorRole")


def test_acc1_unattached_managed_policy() -> None:
    app = exec_app()
    app.managed_policy("OpsPolicy", allow("ssm:StartSession"))
    one(app.analyze(), "EcsExec-ACC1", Severity.WARNING, "OpsPolicy")


def test_acc1_user_through_its_group() -> None:
    app = exec_app()
    app.add("Operators", "AWS::IAM::Group")
    app.add("Alice", "AWS::IAM::User", Groups=[ref("Operators")])
    app.add("OperatorsPolicy", "AWS::IAM::Policy", PolicyName="ops",
            PolicyDocument=document(allow("ssm:StartSession")), Groups=[ref("Operators")])
    one(app.analyze(), "EcsExec-ACC1", Severity.WARNING, "OperatorsPolicy")


# -- ACC2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["ecs:ExecuteCommand", "ecs:*", "ECS:execute*"])
def test_acc2_execute_command_on_star(action: str) -> None:
    report = with_operator(allow(action)).analyze()
    f = one(report, "EcsExec-ACC2", Severity.WARNING, "OperatorPolicy")
    assert "OperatorRole" in f.message


@pytest.mark.parametrize(
    "statement",
    [
        allow("ecs:ExecuteCommand",
              Condition={"StringEquals": {"ecs:container-name": "app"}}),
        allow("ecs:ExecuteCommand", [arn("Cluster"), TASK_ARNS]),
        allow("ecs:DescribeTasks"),
    ],
    ids=["condition", "scoped", "another action"],
)
def test_acc2_not_reported(statement: dict[str, Any]) -> None:
    clean(with_operator(statement).analyze())


# -- ENB1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("exec_enabled", [False, None])
def test_enb1_service_without_exec(exec_enabled: bool | None) -> None:
    app = exec_app()
    if exec_enabled is None:
        del app.props("Service")["EnableExecuteCommand"]
    else:
        app.props("Service")["EnableExecuteCommand"] = exec_enabled
    report = app.analyze(require_exec=True)
    one(report, "EcsExec-ENB1", Severity.ERROR, "Service")
    assert [f.rule_id for f in report.findings] == ["EcsExec-ENB1"]


def test_enb1_only_with_require_exec() -> None:
    app = exec_app()
    app.props("Service")["EnableExecuteCommand"] = False
    assert app.analyze().findings == []


def test_enb1_service_with_exec() -> None:
    clean(exec_app().analyze(require_exec=True))
