"""CFG1's checks of a cluster's ExecuteCommandConfiguration, each problem with its message, and
several problems in one finding (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import allow, exec_app

PREFIX = "ExecuteCommandConfiguration of Cluster: "


def cfg1(cfg: Any, *, parameters: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """The report of the compliant app whose cluster has this exec configuration (the task
    role may log and decrypt; a log group /exec without a key is in the template)."""
    app = exec_app()
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": cfg}
    app.task_policy()["Statement"].append(allow(["logs:*", "s3:*", "kms:Decrypt"]))
    app.add("ExecLogs", "AWS::Logs::LogGroup", LogGroupName="/exec")
    app.parameters.update(parameters or {})
    return [(f.rule_id, f.severity.value, f.message) for f in app.analyze().findings]


def error(*problems: str) -> list[tuple[str, str, str]]:
    return [("EcsExec-CFG1", "error", PREFIX + "; ".join(problems) + ".")]


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [({"Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": "/exec"}},
      error("LogConfiguration is set but Logging is DEFAULT, not OVERRIDE")),
     ({"LogConfiguration": {"CloudWatchLogGroupName": "/exec"}},
      error("LogConfiguration is set but Logging is DEFAULT, not OVERRIDE")),
     ({"Logging": "NONE", "LogConfiguration": {}},
      error("LogConfiguration is set but Logging is NONE, not OVERRIDE")),
     ({"Logging": "OVERRIDE", "LogConfiguration": {}},
      error("Logging OVERRIDE has neither a log group nor an S3 bucket")),
     ({"Logging": "OVERRIDE"}, error("Logging OVERRIDE without a LogConfiguration")),
     ({"Logging": "OVERRIDE", "LogConfiguration": {
         "S3BucketName": "b", "CloudWatchEncryptionEnabled": True, "S3EncryptionEnabled": True}},
      error("CloudWatchEncryptionEnabled without CloudWatchLogGroupName")),
     ({"Logging": "OVERRIDE", "LogConfiguration": {
         "CloudWatchLogGroupName": "/exec", "S3EncryptionEnabled": "true"}},
      error("S3EncryptionEnabled without S3BucketName")),
     ({"Logging": "DEFAULT", "LogConfiguration": {
         "CloudWatchEncryptionEnabled": True, "S3EncryptionEnabled": True}},
      error("LogConfiguration is set but Logging is DEFAULT, not OVERRIDE",
            "CloudWatchEncryptionEnabled without CloudWatchLogGroupName",
            "S3EncryptionEnabled without S3BucketName")),
     ({"Logging": "OVERRIDE", "LogConfiguration": {
         "CloudWatchLogGroupName": "/exec", "CloudWatchEncryptionEnabled": True}},
      error("CloudWatchEncryptionEnabled but log group ExecLogs has no KmsKeyId")),
     # the flags off, or both destinations: nothing to say
     ({"Logging": "OVERRIDE", "LogConfiguration": {
         "CloudWatchLogGroupName": "/exec", "CloudWatchEncryptionEnabled": "false"}}, []),
     ({"Logging": "OVERRIDE", "LogConfiguration": {
         "CloudWatchLogGroupName": "/exec", "S3BucketName": "b"}}, []),
     ({"Logging": "NONE"}, []),
     ({}, [])],
)
def test_cfg1(cfg: Any, expected: list[tuple[str, str, str]]) -> None:
    assert cfg1(cfg) == expected


def test_cfg1_cannot_verify_a_configuration_known_at_deploy_time() -> None:
    assert cfg1({"Fn::ImportValue": "Shared:Cfg"}) == [(
        "EcsExec-CFG1", "warning", "Cannot verify: ExecuteCommandConfiguration of Cluster is "
        "Fn::ImportValue Shared:Cfg: no template of the input exports it.")]
    assert cfg1({"Logging": {"Ref": "LoggingMode"},
                 "LogConfiguration": {"CloudWatchEncryptionEnabled": True}},
                parameters={"LoggingMode": {"Type": "String"}}) == [(
        "EcsExec-CFG1", "warning",
        "Cannot verify: Logging of Cluster is parameter LoggingMode (set at deploy time).")]


def test_cfg1_checks_every_cluster_after_one_it_skips_or_cannot_read() -> None:
    app = exec_app()
    app.parameters["LoggingMode"] = {"Type": "String"}
    app.cluster("Unread", Configuration={"ExecuteCommandConfiguration": {
        "Logging": {"Ref": "LoggingMode"}}})
    app.cluster("Imported", Configuration={
        "ExecuteCommandConfiguration": {"Fn::ImportValue": "Shared:Cfg"}})
    app.cluster("Wrong", Configuration={"ExecuteCommandConfiguration": {"Logging": "OVERRIDE"}})
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == [
        ("EcsExec-CFG1", "warning", "Unread",
         "Cannot verify: Logging of Unread is parameter LoggingMode (set at deploy time)."),
        ("EcsExec-CFG1", "warning", "Imported",
         "Cannot verify: ExecuteCommandConfiguration of Imported is Fn::ImportValue Shared:Cfg: "
         "no template of the input exports it."),
        ("EcsExec-CFG1", "error", "Wrong", "ExecuteCommandConfiguration of Wrong: Logging "
                                           "OVERRIDE without a LogConfiguration."),
    ]


def test_a_log_configuration_without_override_needs_no_logs_endpoint() -> None:
    """In an isolated subnet, NET6 asks for the endpoints that exec logging uses: none for a
    LogConfiguration that Logging DEFAULT ignores (CFG1 says it is ignored)."""
    app = exec_app(subnet="isolated")
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": "/exec"}}}
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == [
        ("EcsExec-CFG1", "error", "Cluster", "ExecuteCommandConfiguration of Cluster: "
                                             "LogConfiguration is set but Logging is DEFAULT, "
                                             "not OVERRIDE.")]
