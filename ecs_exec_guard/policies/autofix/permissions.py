"""Permissions: what EcsExec-IAM1, IAM2 and IAM3 report (rules in ``analysis/rules/iam.py``).

A task role where the task definition has none; the four ssmmessages actions in a policy of
their own; the exec logging / KMS permissions the cluster's ExecuteCommandConfiguration needs.
Imported, immutable or Deny-ing roles are not worked around: they get a warning instead.
"""

from __future__ import annotations

import json
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from ...analysis.iam import EXEC_ACTIONS, Decision, Permissions
from ...analysis.intrinsics import Unknown, describe, is_unknown
from ...analysis.launches import Launch
from ...analysis.model import Resource, get_ci
from ...analysis.rules.iam import exec_log_requirements, key_policy_allows, task_role
from .batch import Batch
from .common import WARNING_CANNOT_FIX, owns, unique_id
from .launch_points import task_role_path
from .nag import ACK_NAG_IAM5_WILDCARD, NAG_IAM5_PREFIX, wildcard_findings
from .overrides import override
from .snapshot import Element

SSM_POLICY_ID = "EcsExecSsmMessagesPolicy"
LOG_POLICY_ID = "EcsExecLoggingPolicy"
TASK_ROLE_ID = "EcsExecTaskRole"

_SSM_REASON = (
    "ECS Exec's SSM agent needs ssmmessages:CreateControlChannel/CreateDataChannel/"
    "OpenControlChannel/OpenDataChannel, which support no resource-level permissions: "
    "Resource '*' is the narrowest possible (added by ecs-exec-guard EcsExecAutoFix)."
)
_LOG_REASON = (
    "ECS Exec session logging writes to log streams and objects whose names are chosen per "
    "session, and logs:DescribeLogGroups / s3:GetBucketLocation support no resource scoping "
    "(added by ecs-exec-guard EcsExecAutoFix)."
)


def exec_actions_needed(perms: Permissions) -> tuple[bool, list[str]]:
    """Whether a policy must grant the ssmmessages actions (allowed by no statement, but by
    the boundary), and the actions an explicit Deny or the boundary blocks (no grant helps)."""
    missing = False
    blocked: list[str] = []
    for action in EXEC_ACTIONS:
        decision, _ = perms.evaluate(action)
        if decision is Decision.IMPLICIT_DENY and _boundary_allows(perms, action):
            missing = True
        elif decision in (Decision.DENY, Decision.IMPLICIT_DENY):
            blocked.append(action)
    return missing, blocked


def fix_permissions(batch: Batch, td: Resource, launches: list[Launch]) -> None:
    td_el = batch.snap.element(td)
    if td_el is None:
        return
    role, raw = task_role(batch.ctx, td)
    if raw is not None and role is None:
        batch.warn(
            td_el.construct,
            WARNING_CANNOT_FIX,
            f"task role of {td_el.logical_id} is imported (not defined in this app): "
            "EcsExecAutoFix cannot add the ECS Exec permissions (ssmmessages:"
            "CreateControlChannel/CreateDataChannel/OpenControlChannel/OpenDataChannel on "
            "'*', and the exec logging permissions) to it; grant them where the role is "
            "defined.",
        )
        return
    # Decide on the snapshot first (pure Python): most roles need nothing.
    perms = batch.ctx.iam.permissions(role) if role is not None else Permissions()
    ssm_missing, blocked = exec_actions_needed(perms)
    log_needs = _logging_needs(batch, launches, perms, role, blocked)
    role_label = (
        f"task role {role.logical_id}" if role is not None else "the new task role"
    )
    if blocked:
        batch.warn(
            td_el.construct,
            WARNING_CANNOT_FIX,
            f"{role_label} of {td_el.logical_id} denies {', '.join(blocked)} (an explicit "
            "Deny or its permissions boundary); EcsExecAutoFix does not override a Deny.",
        )
    if not ssm_missing and not log_needs:
        return
    l2_role: iam.Role | None
    cfn_role: iam.CfnRole | None
    if role is None:
        l2_role, cfn_role = _create_task_role(batch, td, td_el), None
    else:
        role_el = batch.snap.element(role)
        target = _role_target(batch, td_el, role_el) if role_el is not None else None
        if target is None:
            return
        l2_role, cfn_role = target
    _grant(batch, l2_role, cfn_role, ssm_missing, log_needs)


def fix_override_role(batch: Batch, launch: Launch) -> None:
    """The role a launch sets in ``Overrides.TaskRoleArn`` (a pipe's): exec runs with it, so it
    gets the permissions; the task definition's own role is left alone for this launch."""
    el = batch.snap.element(launch.resource)
    if el is None:
        return
    raw = launch.task_role_override
    role = batch.ctx.iam.principal(raw, "AWS::IAM::Role")
    role_el = batch.snap.element(role) if role is not None else None
    if role is None or role_el is None:
        unresolved = isinstance(raw, Unknown)
        shown = "" if unresolved else f" {describe(raw, launch.resource.template.name)}"
        why = f" ({raw.reason})" if unresolved else ""
        batch.warn(
            el.construct,
            WARNING_CANNOT_FIX,
            f"the task role{shown} that {el.logical_id} sets in Overrides.TaskRoleArn{why} "
            "is not defined in this app: EcsExecAutoFix cannot add the "
            "ECS Exec permissions (ssmmessages:CreateControlChannel/CreateDataChannel/"
            "OpenControlChannel/OpenDataChannel on '*') to it; grant them where it is defined.",
        )
        return
    perms = batch.ctx.iam.permissions(role)
    ssm_missing, blocked = exec_actions_needed(perms)
    log_needs = _logging_needs(batch, [launch], perms, role, blocked)
    if blocked:
        batch.warn(
            el.construct,
            WARNING_CANNOT_FIX,
            f"task role {role.logical_id} (Overrides.TaskRoleArn of {el.logical_id}) denies "
            f"{', '.join(blocked)}; EcsExecAutoFix does not override a Deny.",
        )
    if not ssm_missing and not log_needs:
        return
    cfn_role = role_el.construct
    role_parent = cfn_role.node.scope
    if isinstance(role_parent, iam.Role) and owns(role_parent, cfn_role):
        _grant(batch, role_parent, None, ssm_missing, log_needs)
    else:
        _grant(batch, None, cast(iam.CfnRole, cfn_role), ssm_missing, log_needs)


def _grant(
    batch: Batch,
    l2_role: iam.Role | None,
    cfn_role: iam.CfnRole | None,
    ssm_missing: bool,
    log_needs: dict[str, tuple[list[str], Any, Any, Element]],
) -> None:
    """Add the ssmmessages policy and / or the exec logging policy to the role."""
    if ssm_missing:
        statement = iam.PolicyStatement(
            sid="EcsExecSsmMessages",
            actions=list(EXEC_ACTIONS),
            resources=["*"],
        )
        _add_policy(batch, l2_role, cfn_role, SSM_POLICY_ID, [statement], ssm=True)
    if log_needs:
        statements = [
            iam.PolicyStatement(
                actions=actions,
                resources=[_log_resource(batch, actions[0], cfg, exec_cfg, cluster)],
            )
            for actions, cfg, exec_cfg, cluster in log_needs.values()
        ]
        _add_policy(batch, l2_role, cfn_role, LOG_POLICY_ID, statements, ssm=False)


def _boundary_allows(perms: Permissions, action: str, target: str = "*") -> bool:
    if perms.boundary is None:
        return True
    return perms.boundary.evaluate(action, target)[0] is Decision.ALLOW


def _role_target(
    batch: Batch, td_el: Element, role_el: Element
) -> tuple[iam.Role | None, iam.CfnRole | None] | None:
    """The L2 role (or raw L1 role) to attach policies to; None (with a warning) if not."""
    td_parent = td_el.construct.node.scope
    if isinstance(td_parent, ecs.TaskDefinition):
        task_role_l2 = td_parent.task_role
        if not isinstance(task_role_l2, iam.Role):
            batch.warn(
                td_el.construct,
                WARNING_CANNOT_FIX,
                f"task role {role_el.logical_id} of {td_el.logical_id} is immutable "
                "(without_policy_updates / mutable=False): aws-cdk-lib drops statements "
                "added to it, so EcsExecAutoFix leaves it alone; grant the ECS Exec "
                "permissions (ssmmessages:CreateControlChannel/CreateDataChannel/"
                "OpenControlChannel/OpenDataChannel on '*') to it explicitly.",
            )
            return None
    cfn_role = role_el.construct
    role_parent = cfn_role.node.scope
    if isinstance(role_parent, iam.Role) and owns(role_parent, cfn_role):
        return role_parent, None
    return None, cast(iam.CfnRole, cfn_role)


def _create_task_role(batch: Batch, td: Resource, td_el: Element) -> iam.Role:
    cfn_td = cast(ecs.CfnTaskDefinition, td_el.construct)
    scope = cast(Construct, cfn_td.node.scope)
    role_id = unique_id(scope, f"{cfn_td.node.id}{TASK_ROLE_ID}")
    role = iam.Role(
        scope,
        role_id,
        assumed_by=cast(iam.IPrincipal, iam.ServicePrincipal("ecs-tasks.amazonaws.com")),
        description="ECS task role for ECS Exec (created by ecs-exec-guard EcsExecAutoFix)",
    )
    path = task_role_path(td)
    if path is not None:
        override(cfn_td, path, role.role_arn)  # a Batch job's task (no L1 property)
    else:
        cfn_td.task_role_arn = role.role_arn  # CfnTaskDefinition, CfnDaemonTaskDefinition
    batch.info(cfn_td, f"created task role {role.node.path} (it had none) for ECS Exec.")
    return role


def _logging_needs(
    batch: Batch,
    launches: list[Launch],
    perms: Permissions,
    role: Resource | None,
    blocked: list[str],
) -> dict[str, tuple[list[str], Any, Any, Element]]:
    """What the clusters' exec logging / KMS need and the role lacks, grouped by resource:
    key -> (actions, LogConfiguration, ExecuteCommandConfiguration, cluster element)."""
    clusters: list[Resource] = []
    for launch in launches:
        cluster = batch.ctx.facts(launch).cluster
        if cluster is not None and cluster not in clusters:
            clusters.append(cluster)
    by_resource: dict[str, tuple[list[str], Any, Any, Element]] = {}
    for cluster in clusters:
        needs, _ = exec_log_requirements(batch.ctx, cluster)
        el = batch.snap.element(cluster)
        if not needs or el is None:
            continue
        exec_cfg = get_ci(el.raw.get("Configuration"), "ExecuteCommandConfiguration")
        cfg = get_ci(exec_cfg, "LogConfiguration")
        for action, target in needs:
            if is_unknown(target):
                continue
            decision, _ = perms.evaluate(action, target)
            if (
                decision is Decision.IMPLICIT_DENY
                and action.startswith("kms:")
                and role is not None
                and key_policy_allows(batch.ctx, role, action, target)
            ):
                continue
            if decision is Decision.DENY or (
                decision is Decision.IMPLICIT_DENY
                and not _boundary_allows(perms, action, target)
            ):
                if action not in blocked:
                    blocked.append(action)
                continue
            if decision is not Decision.IMPLICIT_DENY:
                continue
            key = json.dumps(
                _raw_resource(action, cfg, exec_cfg), sort_keys=True, default=str
            )
            entry = by_resource.setdefault(key, ([], cfg, exec_cfg, el))
            if action not in entry[0]:
                entry[0].append(action)
    return by_resource


def _raw_resource(action: str, cfg: Any, exec_cfg: Any) -> Any:
    if action in ("logs:DescribeLogGroups", "s3:GetBucketLocation"):
        return "*"
    if action.startswith("logs:"):
        return ["logs", get_ci(cfg, "CloudWatchLogGroupName")]
    if action == "s3:PutObject":
        return ["s3obj", get_ci(cfg, "S3BucketName"), get_ci(cfg, "S3KeyPrefix")]
    if action.startswith("s3:"):
        return ["s3", get_ci(cfg, "S3BucketName")]
    return ["kms", get_ci(exec_cfg, "KmsKeyId")]


def _log_resource(batch: Batch, action: str, cfg: Any, exec_cfg: Any, cluster: Element) -> Any:
    """The IAM resource (a CDK value) for one exec logging action."""
    template = cluster.template

    def value(raw: Any) -> Any:
        return batch.snap.cdk_value(raw, template, cluster, "Configuration")

    if action in ("logs:DescribeLogGroups", "s3:GetBucketLocation"):
        return "*"
    partition = cdk.Aws.PARTITION
    if action.startswith("logs:"):
        group = value(get_ci(cfg, "CloudWatchLogGroupName"))
        return (
            f"arn:{partition}:logs:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:log-group:"
            f"{group}:*"
        )
    if action.startswith("s3:"):
        bucket = value(get_ci(cfg, "S3BucketName"))
        if action == "s3:PutObject":
            prefix = value(get_ci(cfg, "S3KeyPrefix") or "")
            return f"arn:{partition}:s3:::{bucket}/{prefix}*"
        return f"arn:{partition}:s3:::{bucket}"
    key = get_ci(exec_cfg, "KmsKeyId")
    if key is None:
        return None
    key_value = value(key)
    # KmsKeyId may be a key ID (a literal, or the Ref of an AWS::KMS::Key); IAM policies
    # name keys by ARN.
    is_id = (isinstance(key, dict) and set(key) == {"Ref"}) or (
        isinstance(key, str) and not key.startswith(("arn:", "alias/"))
    )
    if is_id:
        return f"arn:{partition}:kms:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:key/{key_value}"
    return key_value


def _add_policy(
    batch: Batch,
    l2_role: iam.Role | None,
    cfn_role: iam.CfnRole | None,
    policy_id: str,
    statements: list[iam.PolicyStatement],
    *,
    ssm: bool,
) -> None:
    what = (
        "the four ssmmessages actions on '*' that ECS Exec needs"
        if ssm
        else "the exec session logging / KMS permissions the cluster's exec configuration "
        "needs"
    )
    document = iam.PolicyDocument(statements=statements)
    policy: IConstruct
    if l2_role is not None:
        pid = unique_id(l2_role, policy_id)
        l2_policy = iam.Policy(l2_role, pid, document=document)
        l2_role.attach_inline_policy(l2_policy)
        policy = l2_policy
        owner: IConstruct = l2_role
    else:
        assert cfn_role is not None
        scope = cast(Construct, cfn_role.node.scope)
        pid = unique_id(scope, f"{cfn_role.node.id}{policy_id}")
        policy = iam.CfnPolicy(
            scope,
            pid,
            policy_document=document,
            policy_name=f"ecs-exec-guard-{'ssmmessages' if ssm else 'logging'}",
            roles=[cfn_role.ref],
        )
        owner = cfn_role
    batch.info(owner, f"added policy {policy.node.path} with {what}.")
    if not batch.o.acknowledge_inherent_nag_findings:
        return
    if ssm:
        cdk.Validations.of(policy).acknowledge(
            cdk.Acknowledgment(id=ACK_NAG_IAM5_WILDCARD, reason=_SSM_REASON)
        )
        return
    resolved = cdk.Stack.of(policy).resolve(document)
    ids = [f"{NAG_IAM5_PREFIX}[Resource::{flat}]" for flat in wildcard_findings(resolved)]
    if ids:
        cdk.Validations.of(policy).acknowledge(
            *[cdk.Acknowledgment(id=i, reason=_LOG_REASON) for i in ids]
        )
