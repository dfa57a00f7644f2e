"""Exec logging and encryption (issue 11 item 6): CFG1 on an unencrypted log group with
CloudWatchEncryptionEnabled, and NET6's endpoints (kms whenever the cluster sets a KmsKeyId,
no s3 for CloudWatch-only logging).

Shapes: AWS::ECS::Cluster ``Configuration.ExecuteCommandConfiguration`` {KmsKeyId, Logging,
LogConfiguration{CloudWatchLogGroupName, CloudWatchEncryptionEnabled, S3BucketName}} and
AWS::Logs::LogGroup ``KmsKeyId``/``LogGroupName`` (cfn-lint schemas). The failure without a
key on the log group is exec-checker issue #79.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, allow, arn, att, describe, exec_app, one, ref, rule_ids

from ecs_exec_guard.analysis import Severity


def exec_config(app: Template, **cfg: Any) -> None:
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": cfg}
    app.task_policy()["Statement"].append(allow(["logs:*", "s3:*", "kms:Decrypt"]))


def log_group(app: Template, *, encrypted: bool, name: str | None = None) -> None:
    app.add("ExecKey", "AWS::KMS::Key", KeyPolicy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"}]})  # IAM policies may grant it (IAM3)
    props = app.add("ExecLogs", "AWS::Logs::LogGroup", RetentionInDays=30)
    if encrypted:
        props["KmsKeyId"] = arn("ExecKey")
    if name is not None:
        props["LogGroupName"] = name


def encrypted_logging(group: Any) -> dict[str, Any]:
    return {"Logging": "OVERRIDE", "LogConfiguration": {
        "CloudWatchLogGroupName": group, "CloudWatchEncryptionEnabled": True}}


# -- CFG1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", [ref("ExecLogs"), "/exec/sessions"], ids=["ref", "name"])
def test_cfg1_cloudwatch_encryption_on_a_log_group_without_a_key(group: Any) -> None:
    app = exec_app()
    log_group(app, encrypted=False, name="/exec/sessions")
    exec_config(app, **encrypted_logging(group))
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-CFG1"], describe(report)
    assert one(report, "EcsExec-CFG1", Severity.ERROR, "Cluster").message == (
        "ExecuteCommandConfiguration of Cluster: CloudWatchEncryptionEnabled but log group "
        "ExecLogs has no KmsKeyId.")


@pytest.mark.parametrize("group", [ref("ExecLogs"), "/exec/sessions"], ids=["ref", "name"])
def test_cfg1_cloudwatch_encryption_on_an_encrypted_log_group(group: Any) -> None:
    app = exec_app()
    log_group(app, encrypted=True, name="/exec/sessions")
    exec_config(app, **encrypted_logging(group))
    assert app.analyze().findings == []


def test_cfg1_cloudwatch_encryption_on_a_log_group_outside_the_input() -> None:
    app = exec_app()
    exec_config(app, **encrypted_logging("/shared/exec-sessions"))
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-CFG1"], describe(report)
    f = one(report, "EcsExec-CFG1", Severity.WARNING, "Cluster")
    assert f.message == (
        'Cannot verify: ExecuteCommandConfiguration of Cluster: CloudWatchEncryptionEnabled '
        'needs log group "/shared/exec-sessions" to be KMS-encrypted, and it is not in the '
        "input.")


def test_cfg1_log_group_without_a_key_is_fine_without_encryption() -> None:
    app = exec_app()
    log_group(app, encrypted=False)
    exec_config(app, Logging="OVERRIDE",
                LogConfiguration={"CloudWatchLogGroupName": ref("ExecLogs")})
    assert app.analyze().findings == []


# -- NET6 ---------------------------------------------------------------------------------------


def isolated_with(**cfg: Any) -> Template:
    app = exec_app(subnet="isolated")
    log_group(app, encrypted=True)
    app.add("ExecBucket", "AWS::S3::Bucket")
    exec_config(app, **cfg)
    return app


@pytest.mark.parametrize(
    ("cfg", "missing"),
    [
        ({"Logging": "DEFAULT", "KmsKeyId": ref("ExecKey")}, "kms"),
        ({"Logging": "NONE", "KmsKeyId": att("ExecKey", "Arn")}, "kms"),
        ({"Logging": "OVERRIDE",
          "LogConfiguration": {"CloudWatchLogGroupName": ref("ExecLogs")}}, "logs"),
        ({"Logging": "OVERRIDE", "KmsKeyId": ref("ExecKey"),
          "LogConfiguration": {"S3BucketName": ref("ExecBucket")}}, "kms, s3"),
    ],
    ids=["KMS key, default logging", "KMS key, no logging", "CloudWatch only", "S3 and KMS"],
)
def test_net6_endpoints_the_exec_configuration_needs(cfg: dict[str, Any], missing: str) -> None:
    report = isolated_with(**cfg).analyze()
    assert rule_ids(report) == ["EcsExec-NET6"], describe(report)
    assert one(report, "EcsExec-NET6", Severity.WARNING, "Service").message.endswith(
        f"but the VPC has no {missing} endpoint.")


def test_net6_kms_endpoint_present() -> None:
    app = isolated_with(Logging="DEFAULT", KmsKeyId=ref("ExecKey"))
    app.endpoint("KmsEndpoint", "kms")
    assert app.analyze().findings == []


def test_net6_no_kms_endpoint_needed_with_a_nat_route() -> None:
    app = exec_app()
    log_group(app, encrypted=True)
    exec_config(app, Logging="DEFAULT", KmsKeyId=ref("ExecKey"))
    assert app.analyze().findings == []
