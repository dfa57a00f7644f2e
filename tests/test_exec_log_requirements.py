"""What the task role needs for a cluster's exec configuration (``rules.iam.
exec_log_requirements``): each (action, resource) pair and the sentence that says why, for
CloudWatch Logs, S3 (prefix, encryption) and the session's KMS key by reference, ID, ARN, alias
or parameter (issue 15: mutation testing). A prefix known only at deploy time leaves the bucket
ARN known: IAM3 then checks s3:GetEncryptionConfiguration on the ARN, not on the bare name."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, allow, arn, exec_app, import_value, ref, sub

from ecs_exec_guard.analysis.intrinsics import Unknown
from ecs_exec_guard.analysis.model import Model
from ecs_exec_guard.analysis.rules.base import Context
from ecs_exec_guard.analysis.rules.iam import exec_log_requirements

T = "App.template.json"
GROUP = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
STREAM = ":log-stream:ecs-execute-command"
KEY = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/"
OBJECT = "ecs-execute-command-output.log"
CHANNEL = ("encrypts the exec session channel (between the client and the container, not the "
           "logs) with KMS key ")
TO_CLOUDWATCH = "logs exec sessions to CloudWatch Logs"
TO_S3 = "logs exec sessions to S3"
LOGS_REF = "{{ref|App.template.json|Logs}}"
BUCKET_REF = "{{ref|App.template.json|Bucket}}"
KEY_REF = "{{ref|App.template.json|Key}}"


def not_exported(name: str) -> Unknown:
    return Unknown(f"Fn::ImportValue {name}: no template of the input exports it")


def logs(stream: Any) -> list[tuple[str, Any]]:
    return [("logs:DescribeLogGroups", "*"), ("logs:CreateLogStream", stream),
            ("logs:DescribeLogStreams", stream), ("logs:PutLogEvents", stream)]


def override(**log_cfg: Any) -> dict[str, Any]:
    return {"Logging": "OVERRIDE", "LogConfiguration": log_cfg}


CASES: dict[str, tuple[Any, list[tuple[str, Any]], str]] = {
    "no configuration": (None, [], ""),
    "not an object": ("x", [], ""),
    "default logging": ({}, [], ""),
    "log configuration without OVERRIDE": (
        {"Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": "/exec"}}, [], ""),
    "cloudwatch by name": (override(CloudWatchLogGroupName="/exec"),
                           logs(f"{GROUP}/exec{STREAM}"), TO_CLOUDWATCH),
    "cloudwatch by reference": (override(CloudWatchLogGroupName=ref("Logs")),
                                logs(f"{GROUP}{LOGS_REF}{STREAM}"), TO_CLOUDWATCH),
    "cloudwatch imported": (override(CloudWatchLogGroupName=import_value("L")),
                            logs(not_exported("L")), TO_CLOUDWATCH),
    "s3": (override(S3BucketName="b"),
           [("s3:GetBucketLocation", "*"),
            ("s3:PutObject", f"arn:${{AWS::Partition}}:s3:::b/{OBJECT}")], TO_S3),
    "s3 with prefix and encryption": (
        override(S3BucketName="b", S3KeyPrefix="exec", S3EncryptionEnabled=True),
        [("s3:GetBucketLocation", "*"),
         ("s3:PutObject", f"arn:${{AWS::Partition}}:s3:::b/exec/{OBJECT}"),
         ("s3:GetEncryptionConfiguration", "arn:${AWS::Partition}:s3:::b")], TO_S3),
    "s3 with a prefix ending in a slash": (
        override(S3BucketName=ref("Bucket"), S3KeyPrefix="exec/", S3EncryptionEnabled="true"),
        [("s3:GetBucketLocation", "*"),
         ("s3:PutObject", f"arn:${{AWS::Partition}}:s3:::{BUCKET_REF}/exec/{OBJECT}"),
         ("s3:GetEncryptionConfiguration", f"arn:${{AWS::Partition}}:s3:::{BUCKET_REF}")],
        TO_S3),
    "s3 bucket imported": (
        override(S3BucketName=import_value("B"), S3EncryptionEnabled=True),
        [("s3:GetBucketLocation", "*"), ("s3:PutObject", not_exported("B")),
         ("s3:GetEncryptionConfiguration", not_exported("B"))], TO_S3),
    "s3 prefix imported": (
        override(S3BucketName="b", S3KeyPrefix=import_value("P"), S3EncryptionEnabled=True),
        [("s3:GetBucketLocation", "*"), ("s3:PutObject", not_exported("P")),
         ("s3:GetEncryptionConfiguration", "arn:${AWS::Partition}:s3:::b")], TO_S3),
    "both and a key": (
        {**override(CloudWatchLogGroupName="/exec", S3BucketName="b"), "KmsKeyId": ref("Key")},
        [*logs(f"{GROUP}/exec{STREAM}"), ("s3:GetBucketLocation", "*"),
         ("s3:PutObject", f"arn:${{AWS::Partition}}:s3:::b/{OBJECT}"),
         ("kms:Decrypt", KEY + KEY_REF)],
        f"logs exec sessions to CloudWatch Logs and S3 and {CHANNEL}Key"),
    "key by ARN": ({"KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/abc"},
                   [("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/abc")],
                   f'{CHANNEL}"arn:aws:kms:eu-west-1:123456789012:key/abc"'),
    "key by alias": ({"KmsKeyId": "alias/exec"}, [("kms:Decrypt", Unknown(
        "KMS key alias alias/exec (the key it names is not known at synth time)"))],
        f'{CHANNEL}"alias/exec"'),
    "key by alias ARN": (
        {"KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:alias/exec"},
        [("kms:Decrypt", Unknown("KMS key alias arn:aws:kms:eu-west-1:123456789012:alias/exec "
                                 "(the key it names is not known at synth time)"))],
        f'{CHANNEL}"arn:aws:kms:eu-west-1:123456789012:alias/exec"'),
    "key by ID": ({"KmsKeyId": "1234abcd-12ab"}, [("kms:Decrypt", KEY + "1234abcd-12ab")],
                  f'{CHANNEL}"1234abcd-12ab"'),
    "key from a parameter": ({"KmsKeyId": ref("KeyParam")},
                             [("kms:Decrypt", "{{par|App.template.json|KeyParam}}")],
                             f"{CHANNEL}parameter KeyParam"),
    "key imported": ({"KmsKeyId": import_value("K")}, [("kms:Decrypt", not_exported("K"))],
                     f"{CHANNEL.removesuffix('KMS key ')}a KMS key that cannot be resolved "
                     "(Fn::ImportValue K: no template of the input exports it)"),
    "key by GetAtt Arn": ({"KmsKeyId": arn("Key")}, [("kms:Decrypt", KEY + KEY_REF)],
                          f"{CHANNEL}Key"),
    "key in an ARN of its own": ({"KmsKeyId": sub("arn:aws:kms:r:a:key/${Key}")},
                                 [("kms:Decrypt", f"arn:aws:kms:r:a:key/{KEY_REF}")],
                                 f"{CHANNEL}Key"),
}


@pytest.mark.parametrize(("cfg", "needs", "what"), CASES.values(), ids=CASES.keys())
def test_exec_log_requirements(cfg: Any, needs: list[tuple[str, Any]], what: str) -> None:
    t = Template()
    t.add("Logs", "AWS::Logs::LogGroup")
    t.add("Bucket", "AWS::S3::Bucket")
    t.add("Key", "AWS::KMS::Key")
    t.parameters["KeyParam"] = {"Type": "String"}
    t.cluster(**({} if cfg is None else {"Configuration": {"ExecuteCommandConfiguration": cfg}}))
    model = Model([(t.name, t.body(), None)])
    cluster = model.templates[T].resources["Cluster"]
    assert exec_log_requirements(Context(model), cluster) == (needs, what)


def test_iam3_checks_encryption_on_the_bucket_arn_when_only_the_prefix_is_unknown() -> None:
    """It used to check s3:GetEncryptionConfiguration on the bucket's bare name, so that no
    Allow could cover it: a false IAM3 error."""
    app = exec_app()
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": override(
        S3BucketName="exec-logs", S3KeyPrefix=import_value("Shared:Prefix"),
        S3EncryptionEnabled=True)}
    app.task_policy()["Statement"].extend([
        allow("s3:GetBucketLocation"),
        allow(["s3:PutObject", "s3:GetEncryptionConfiguration"],
              [sub("arn:${AWS::Partition}:s3:::exec-logs"),
               sub("arn:${AWS::Partition}:s3:::exec-logs/*")])])
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == [(
        "EcsExec-IAM4", "warning", "TaskDef",
        "Cannot verify: Task role TaskRole of TaskDef: s3:PutObject on Fn::ImportValue "
        "Shared:Prefix: no template of the input exports it.")]
