"""CFG1's lookup of the exec log group that CloudWatchEncryptionEnabled needs encrypted, when
it is not a log group of the input: imported, or a resource of another type (issue 15:
mutation testing)."""

from __future__ import annotations

from typing import Any

from cfn import Template, allow, exec_app, ref

NEEDS = ("Cannot verify: ExecuteCommandConfiguration of Cluster: CloudWatchEncryptionEnabled "
         "needs log group {} to be KMS-encrypted, and it is not in the input.")


def encrypted_logging_to(app: Template, group: Any) -> list[tuple[str, str, str, str]]:
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "OVERRIDE",
        "LogConfiguration": {"CloudWatchLogGroupName": group,
                             "CloudWatchEncryptionEnabled": True}}}
    app.task_policy()["Statement"].append(allow(["logs:*"]))
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings]


def test_an_imported_log_group_says_why_it_is_unknown() -> None:
    app = exec_app()
    why = "Fn::ImportValue Shared:ExecLogs: no template of the input exports it"
    assert encrypted_logging_to(app, {"Fn::ImportValue": "Shared:ExecLogs"}) == [
        ("EcsExec-IAM4", "warning", "TaskDef",
         "Cannot verify: Task role TaskRole of TaskDef: "
         + "; ".join(f"logs:{action} on {why}"
                     for action in ("CreateLogStream", "DescribeLogStreams", "PutLogEvents"))
         + "."),
        ("EcsExec-CFG1", "warning", "Cluster", NEEDS.format(why)),
    ]


def test_a_resource_that_is_not_a_log_group_is_not_read_as_one() -> None:
    """A custom resource that makes the log group: its KmsKeyId (none) says nothing."""
    app = exec_app()
    app.add("ExecLogs", "Custom::LogGroup", ServiceToken="arn:aws:lambda:eu-west-1:"
            "123456789012:function:make-log-group")
    assert encrypted_logging_to(app, ref("ExecLogs")) == [(
        "EcsExec-CFG1", "warning", "Cluster", NEEDS.format("ExecLogs"))]


def test_a_log_group_named_by_the_same_parameter_is_found() -> None:
    """One parameter names the log group and the cluster's exec logging: that is the log
    group of the input (it used to be "not in the input")."""
    app = exec_app()
    app.parameters["ExecLogGroupName"] = {"Type": "String"}
    app.add("ExecLogs", "AWS::Logs::LogGroup", LogGroupName=ref("ExecLogGroupName"))
    assert encrypted_logging_to(app, ref("ExecLogGroupName")) == [(
        "EcsExec-CFG1", "error", "Cluster", "ExecuteCommandConfiguration of Cluster: "
        "CloudWatchEncryptionEnabled but log group ExecLogs has no KmsKeyId.")]
    app.props("ExecLogs")["KmsKeyId"] = "arn:aws:kms:eu-west-1:123456789012:key/abc"
    assert encrypted_logging_to(app, ref("ExecLogGroupName")) == []


def test_a_reference_to_a_log_group_is_not_looked_up_by_name() -> None:
    """The group named through a reference is that resource, even when another log group's
    name is written as the same reference."""
    app = exec_app()
    app.add("ExecLogs", "AWS::Logs::LogGroup")
    app.add("Other", "AWS::Logs::LogGroup", LogGroupName={"Fn::Sub": "${ExecLogs}"},
            KmsKeyId="arn:aws:kms:eu-west-1:123456789012:key/abc")
    assert encrypted_logging_to(app, {"Fn::Sub": "${ExecLogs}"}) == [(
        "EcsExec-CFG1", "error", "Cluster", "ExecuteCommandConfiguration of Cluster: "
        "CloudWatchEncryptionEnabled but log group ExecLogs has no KmsKeyId.")]
