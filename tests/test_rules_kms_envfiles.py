"""Issue 10.10: CTR3 reports EnvironmentFiles as cannot-verify; IAM3 says the KMS key encrypts
the session channel (not the logs) and checks that the key policy of a key in the template lets
IAM policies grant kms:Decrypt to the task role (the account root, or the role itself)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ACCOUNT_ROOT, Template, allow, arn, document, exec_app, join, ref
from test_rules_iam import CLOUDWATCH, LOG_STATEMENTS, logging_app


def summary(app: Template) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings]


# -- CTR3: environment files ----------------------------------------------------------------


def test_ctr3_environment_files_cannot_be_verified() -> None:
    app = exec_app()
    app.add("ConfigBucket", "AWS::S3::Bucket")
    app.container()["EnvironmentFiles"] = [
        {"Type": "s3", "Value": join("", [arn("ConfigBucket"), "/app.env"])}]
    assert summary(app) == [(
        "EcsExec-CTR3", "warning", "TaskDef",
        "Cannot verify: TaskDef loads environment files arn:${AWS::Partition}:s3:::ConfigBucket"
        "/app.env (app): static AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) "
        "there would override the task role for exec, and the files cannot be read at synth "
        "time.",
    )]


def test_ctr3_twin_without_environment_files() -> None:
    app = exec_app()
    app.add("ConfigBucket", "AWS::S3::Bucket")
    app.container()["Environment"] = [{"Name": "CONFIG", "Value": "s3://bucket/app.env"}]
    assert summary(app) == []


def test_ctr3_static_keys_and_environment_files_are_two_findings() -> None:
    app = exec_app()
    app.container()["EnvironmentFiles"] = [
        {"Type": "s3", "Value": "arn:aws:s3:::config/app.env"}]
    app.container()["Environment"] = [{"Name": "AWS_ACCESS_KEY_ID", "Value": "AKIAEXAMPLE"}]
    out = summary(app)
    assert [(r, s, lid) for r, s, lid, _ in out] == [
        ("EcsExec-CTR3", "warning", "TaskDef"),
        ("EcsExec-CTR3", "warning", "TaskDef"),
    ]
    assert out[0][3] == ("TaskDef sets static AWS credentials: AWS_ACCESS_KEY_ID in "
                         "Environment of app.")
    assert out[1][3].startswith("Cannot verify: TaskDef loads environment files "
                                "arn:aws:s3:::config/app.env (app): ")


# -- IAM3: the KMS key ----------------------------------------------------------------------

CHANNEL = ("Cluster Cluster logs exec sessions to CloudWatch Logs and encrypts the exec "
           "session channel (between the client and the container, not the logs) with KMS key "
           "ExecKey")


def kms_app(*key_statements: dict[str, Any], decrypt: bool = True) -> Template:
    """CloudWatch logging and a KMS key whose policy holds ``key_statements``; the task role
    allows the log actions, and kms:Decrypt on the key when ``decrypt``."""
    app = logging_app(**CLOUDWATCH, kms=True)
    app.props("ExecKey")["KeyPolicy"] = document(*key_statements)
    app.task_policy()["Statement"].extend(LOG_STATEMENTS)
    if decrypt:
        app.task_policy()["Statement"].append(allow("kms:Decrypt", arn("ExecKey")))
    return app


def key_statement(principal: Any, action: Any = "kms:*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*",
            **extra}


@pytest.mark.parametrize(
    "statement",
    [
        key_statement({"AWS": ACCOUNT_ROOT}),  # what CDK writes for a new Key
        key_statement({"AWS": "arn:aws:iam::123456789012:root"}),
        key_statement({"AWS": "arn:aws-cn:iam::123456789012:root"}, "kms:Decrypt"),
        key_statement({"AWS": ref("AWS::AccountId")}, ["kms:Decrypt", "kms:Encrypt"]),
        key_statement({"AWS": "123456789012"}, "kms:*"),
    ],
    ids=["CDK root", "literal root", "aws-cn root, Decrypt", "account ID ref", "bare ID"],
)
def test_iam3_key_policy_lets_iam_grant_decrypt(statement: dict[str, Any]) -> None:
    assert summary(kms_app(statement)) == []


def test_iam3_key_policy_that_names_neither_the_account_nor_the_role() -> None:
    app = kms_app(key_statement({"AWS": "arn:aws:iam::123456789012:role/KeyAdmins"},
                                ["kms:Create*", "kms:Describe*", "kms:Put*"]))
    assert summary(app) == [(
        "EcsExec-IAM3", "error", "TaskRole",
        f"{CHANNEL}, but task role TaskRole does not allow kms:Decrypt on ExecKey: its key "
        "policy allows it neither to the account (so no IAM policy can grant it) nor to "
        "TaskRole.",
    )]


def test_iam3_key_policy_root_only_under_a_condition_does_not_count() -> None:
    app = kms_app(key_statement({"AWS": ACCOUNT_ROOT}, Condition={
        "StringEquals": {"kms:CallerAccount": "210987654321"}}))
    assert [f[0] for f in summary(app)] == ["EcsExec-IAM3"]


def test_iam3_key_policy_granting_the_role_itself_is_enough() -> None:
    app = kms_app(key_statement({"AWS": arn("TaskRole")}, "kms:Decrypt"), decrypt=False)
    assert summary(app) == []


def test_iam3_without_decrypt_anywhere_names_the_channel() -> None:
    app = kms_app(key_statement({"AWS": ACCOUNT_ROOT}), decrypt=False)
    assert summary(app) == [(
        "EcsExec-IAM3", "error", "TaskRole",
        f"{CHANNEL}, but task role TaskRole does not allow kms:Decrypt on "
        "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/ExecKey.",
    )]


def test_iam4_key_policy_that_cannot_be_read() -> None:
    app = kms_app()
    app.parameters["KeyPolicy"] = {"Type": "String"}
    app.props("ExecKey")["KeyPolicy"] = ref("KeyPolicy")
    out = summary(app)
    assert [(r, s, lid) for r, s, lid, _ in out] == [("EcsExec-IAM4", "warning", "TaskDef")]
    assert out[0][3] == ("Cannot verify: Task role TaskRole of TaskDef: kms:Decrypt: the key "
                         "policy of ExecKey cannot be read.")
