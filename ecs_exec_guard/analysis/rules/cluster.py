"""Cluster rule: CFG1 (a valid ExecuteCommandConfiguration)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..intrinsics import Param, describe, is_unknown, unknown_reason
from ..model import Resource, truthy
from .base import Context, Rule


def exec_configuration(cluster: Resource) -> Any:
    """The cluster's Configuration.ExecuteCommandConfiguration (resolved), or None."""
    cfg = cluster.props.get("Configuration")
    return cfg.get("ExecuteCommandConfiguration") if isinstance(cfg, dict) else None


def exec_endpoint_services(cluster: Resource) -> set[str]:
    """The services exec sessions call from the task for the cluster's configuration: ``logs``
    (CloudWatch logging), ``s3`` (S3 logging) and ``kms`` (a KMS key for the session)."""
    cfg = exec_configuration(cluster)
    if not isinstance(cfg, dict):
        return set()
    services: set[str] = set()
    log_cfg = cfg.get("LogConfiguration")
    if cfg.get("Logging") == "OVERRIDE" and isinstance(log_cfg, dict):
        if log_cfg.get("CloudWatchLogGroupName") is not None:
            services.add("logs")
        if log_cfg.get("S3BucketName") is not None:
            services.add("s3")
    if cfg.get("KmsKeyId") is not None:
        services.add("kms")
    return services


class CFG1(Rule):
    id = "EcsExec-CFG1"
    severity = Severity.ERROR
    reported_on = "cluster"
    description = "The cluster's ExecuteCommandConfiguration is consistent."
    explanation = (
        "ECS rejects or ignores an exec configuration whose parts do not fit: a LogConfiguration "
        "is only used with Logging OVERRIDE, OVERRIDE needs a CloudWatch log group or an S3 "
        "bucket, and each encryption flag needs its log group or bucket. With "
        "CloudWatchEncryptionEnabled the log group itself must be KMS-encrypted, or sessions "
        "fail to start (\"encryption is not set up on the selected CloudWatch Logs log group\")."
    )
    fix = (
        "In the cluster's execute_command_configuration use "
        "logging=ecs.ExecuteCommandLogging.OVERRIDE with "
        "log_configuration=ecs.ExecuteCommandLogConfiguration(cloud_watch_log_group=..., "
        "s3_bucket=...) (Logging OVERRIDE with a LogConfiguration in CloudFormation); set "
        "cloud_watch_encryption_enabled / s3_encryption_enabled (CloudWatchEncryptionEnabled / "
        "S3EncryptionEnabled) only with them, and give an encrypted log group a KMS key "
        "(logs.LogGroup(encryption_key=...); KmsKeyId in CloudFormation)."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cluster in ctx.model.resources("AWS::ECS::Cluster"):
            exec_cfg = exec_configuration(cluster)
            if exec_cfg is None:
                continue
            if not isinstance(exec_cfg, dict):
                yield self.finding(
                    cluster,
                    f"ExecuteCommandConfiguration of {cluster.logical_id} is "
                    f"{unknown_reason(exec_cfg)}.",
                    unverified=True,
                )
                continue
            logging = exec_cfg.get("Logging", "DEFAULT")
            log_cfg = exec_cfg.get("LogConfiguration")
            problems: list[str] = []
            if is_unknown(logging):
                yield self.finding(
                    cluster, f"Logging of {cluster.logical_id} is {unknown_reason(logging)}.",
                    unverified=True,
                )
                continue
            if log_cfg is not None and logging != "OVERRIDE":
                problems.append(f"LogConfiguration is set but Logging is {logging}, not OVERRIDE")
            if isinstance(log_cfg, dict):
                group = log_cfg.get("CloudWatchLogGroupName")
                bucket = log_cfg.get("S3BucketName")
                if logging == "OVERRIDE" and group is None and bucket is None:
                    problems.append("Logging OVERRIDE has neither a log group nor an S3 bucket")
                if truthy(log_cfg.get("CloudWatchEncryptionEnabled")) and group is None:
                    problems.append("CloudWatchEncryptionEnabled without CloudWatchLogGroupName")
                elif truthy(log_cfg.get("CloudWatchEncryptionEnabled")):
                    encrypted, name = _log_group_encrypted(ctx, group)
                    if encrypted is False:
                        problems.append(
                            f"CloudWatchEncryptionEnabled but log group {name} has no KmsKeyId"
                        )
                    elif encrypted is None:
                        yield self.finding(
                            cluster,
                            f"ExecuteCommandConfiguration of {cluster.logical_id}: "
                            f"CloudWatchEncryptionEnabled needs log group {name} to be "
                            "KMS-encrypted, and it is not in the input.",
                            unverified=True,
                        )
                if truthy(log_cfg.get("S3EncryptionEnabled")) and bucket is None:
                    problems.append("S3EncryptionEnabled without S3BucketName")
            elif logging == "OVERRIDE":
                problems.append("Logging OVERRIDE without a LogConfiguration")
            if problems:
                yield self.finding(
                    cluster,
                    f"ExecuteCommandConfiguration of {cluster.logical_id}: "
                    + "; ".join(problems) + ".",
                )


def _log_group_encrypted(ctx: Context, group: Any) -> tuple[bool | None, str]:
    """Whether the exec log group has a KmsKeyId (None: not in the input), and its name."""
    res = ctx.model.deref(group, "AWS::Logs::LogGroup")
    # By name: a literal, or a parameter that also names a log group of the input.
    if res is None and isinstance(group, str | Param):
        for candidate in ctx.model.resources("AWS::Logs::LogGroup"):
            if candidate.props.get("LogGroupName") == group:
                res = candidate
    if res is None:
        return None, unknown_reason(group) if is_unknown(group) else describe(group)
    return res.props.get("KmsKeyId") is not None, res.logical_id
