"""Task role rules: IAM1 (a task role exists), IAM2 (ssmmessages), IAM3 (logging/KMS), IAM4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..iam import EXEC_ACTIONS, Decision, Permissions, parse_document
from ..instance_roles import host_role
from ..intrinsics import (
    Param,
    Unknown,
    as_text,
    describe,
    humanize,
    is_unknown,
    tokens_in,
    unknown_reason,
)
from ..launches import Launch, references
from ..model import KMS_KEY_ARN_PREFIX, Resource, as_list, get_ci, truthy
from ..network import container_hosts
from .base import Context, Rule
from .cluster import exec_configuration

LOG_STREAM_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")


def task_role(ctx: Context, td: Resource) -> tuple[Resource | None, Any]:
    """The task definition's own role (``TaskRoleArn``), whatever launches override.

    The rules check :meth:`Context.task_role_uses` (overrides included); this is what a fix
    to the task definition changes.
    """
    raw = td.props.get("TaskRoleArn")
    return ctx.iam.principal(raw, "AWS::IAM::Role"), raw


class IAM1(Rule):
    id = "EcsExec-IAM1"
    severity = Severity.ERROR
    reported_on = "task definition"
    description = (
        "An exec-enabled task definition has a task role (on EC2: or instances whose role "
        "allows exec)."
    )
    explanation = (
        "The SSM agent that ECS injects for exec authenticates with the task role's "
        "credentials. Without a task role (TaskRoleArn) a Fargate or Managed Instances task "
        "cannot open the Session Manager channels, and every execute-command call fails. On "
        "EC2 the agent falls back to the container instance's role, which then needs the four "
        "ssmmessages actions (and awsvpc tasks must not be cut off from the instance metadata "
        "by ECS_AWSVPC_BLOCK_IMDS)."
    )
    fix = (
        "Give the task definition a task role that allows the four ssmmessages actions: "
        "task_role=iam.Role(self, \"TaskRole\", "
        "assumed_by=iam.ServicePrincipal(\"ecs-tasks.amazonaws.com\")) in CDK (TaskRoleArn in "
        "CloudFormation), or apply EcsExecAutoFix, which creates one."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for use in ctx.task_role_uses():
            if use.raw is not None:  # a task role, the task definition's or an override
                continue
            td = use.task_definition
            errors: list[str] = []
            unknown: list[str] = []
            for launch in use.launches:
                kind, why = _fallback(ctx, td, launch)
                (errors if kind == "error" else unknown if kind == "unknown" else []).append(why)
            if errors:
                detail = "; ".join(dict.fromkeys(e for e in errors if e))
                yield self.finding(
                    td,
                    f"Task definition {td.logical_id} has no task role."
                    + (f" {detail}." if detail else ""),
                )
            elif unknown:
                yield self.finding(
                    td,
                    f"Task definition {td.logical_id} has no task role, so on EC2 the exec "
                    "agent uses the container instances' role: "
                    + "; ".join(dict.fromkeys(unknown)) + ".",
                    unverified=True,
                )


def _fallback(ctx: Context, td: Resource, launch: Launch) -> tuple[str, str]:
    """Whether a launch of a task definition without a task role can exec all the same:
    ("error", detail), ("unknown", why) or ("ok", "")."""
    facts = ctx.facts(launch)
    cap = facts.capacity
    compat = [str(c).upper() for c in as_list(td.props.get("RequiresCompatibilities"))]
    managed = any(
        get_ci(p.props, "ManagedInstancesProvider") is not None for p in cap.providers
    ) or (cap.kind == "EC2" and not cap.providers and compat == ["MANAGED_INSTANCES"])
    if cap.kind not in ("EC2", "UNKNOWN", "EXTERNAL") or managed:
        return "error", ""  # Fargate, Managed Instances: no instance role to fall back on
    if cap.kind != "EC2":
        return "unknown", f"{launch.label} runs on {cap.kind.lower()} capacity" + (
            f" ({cap.reason})" if cap.reason else "")
    hosts = container_hosts(ctx.model, cap, facts.cluster)
    if not hosts:
        return "unknown", (
            cap.reason or f"the container instances of {launch.label} are not in the input")
    awsvpc = facts.network_mode == "awsvpc"
    problems: list[str] = []
    unknown: list[str] = []
    for host in hosts:
        found = host_role(ctx.model, ctx.iam, host, awsvpc)
        if found.unreachable:
            problems.append(found.unreachable)
            continue
        if found.role is None:
            unknown.append(found.unknown)
            continue
        perms = ctx.iam.permissions(found.role)
        missing: list[str] = []
        for action in EXEC_ACTIONS:
            decision, reasons = perms.evaluate(action)
            if decision in (Decision.DENY, Decision.IMPLICIT_DENY):
                missing.append(action)
            elif decision is Decision.UNKNOWN:
                unknown.extend(f"{found.role.logical_id}: {action}: {r}" for r in reasons)
        if missing:
            problems.append(
                f"The role {found.role.logical_id} of its container instances "
                f"({host.resource.logical_id}), which exec falls back to on EC2, does not "
                f"allow {', '.join(missing)}"
            )
    if problems:
        return "error", "; ".join(problems)
    if unknown:
        return "unknown", "; ".join(unknown)
    return "ok", ""


class IAM2(Rule):
    id = "EcsExec-IAM2"
    severity = Severity.ERROR
    reported_on = "task role (the task definition when the role is not in the template)"
    description = "The task role allows the four ssmmessages actions that exec needs."
    explanation = (
        "ECS Exec's agent calls ssmmessages:CreateControlChannel, CreateDataChannel, "
        "OpenControlChannel and OpenDataChannel with the task role. These actions support no "
        "resource-level permissions, so they must be allowed on Resource '*'. An explicit Deny "
        "or a permissions boundary that lacks them blocks exec as surely as a missing Allow."
    )
    fix = (
        "Allow ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, "
        "ssmmessages:OpenControlChannel and ssmmessages:OpenDataChannel on '*' for the task role "
        "(in CDK enable_execute_command=True on the service adds them unless the role is imported "
        "or immutable; task_definition.add_to_task_role_policy(...) otherwise), remove any Deny "
        "of them, and allow them in the permissions boundary."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[Resource] = set()
        for use in ctx.task_role_uses():
            role = use.role
            if role is None or role in seen:
                continue
            seen.add(role)
            perms = ctx.iam.permissions(role)
            missing: list[str] = []
            why: list[str] = []
            for action in EXEC_ACTIONS:
                decision, reasons = perms.evaluate(action)
                if decision in (Decision.DENY, Decision.IMPLICIT_DENY):
                    missing.append(action)
                    why.extend(r for r in reasons if r not in why)
            if missing:
                detail = f" ({'; '.join(why)})" if why else ""
                yield self.finding(
                    role,
                    f"Task role {role.logical_id} of {use.subject} does not allow "
                    f"{', '.join(missing)}{detail}.",
                )


def exec_log_requirements(ctx: Context, cluster: Resource) -> tuple[list[tuple[str, Any]], str]:
    """(action, resource) pairs the task role needs for the cluster's exec configuration."""
    cfg = exec_configuration(cluster)
    if not isinstance(cfg, dict):
        return [], ""
    needs: list[tuple[str, Any]] = []
    logging = cfg.get("Logging", "DEFAULT")
    log_cfg = cfg.get("LogConfiguration")
    parts: list[str] = []
    if logging == "OVERRIDE" and isinstance(log_cfg, dict):
        group = log_cfg.get("CloudWatchLogGroupName")
        if group is not None:
            parts.append("CloudWatch Logs")
            name = as_text(group)
            stream: Any = (
                name
                if is_unknown(name)
                else "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                f"{name}:log-stream:ecs-execute-command"
            )
            needs.append(("logs:DescribeLogGroups", "*"))
            needs.extend((a, stream) for a in LOG_STREAM_ACTIONS)
        bucket = log_cfg.get("S3BucketName")
        if bucket is not None:
            parts.append("S3")
            name = as_text(bucket)
            prefix = log_cfg.get("S3KeyPrefix") or ""
            prefix_text = as_text(prefix)
            # The bucket's ARN whenever its name is known (a prefix known only at deploy time
            # leaves the object unknown, not the bucket).
            bucket_arn: Any = name if is_unknown(name) else f"arn:${{AWS::Partition}}:s3:::{name}"
            if is_unknown(name) or is_unknown(prefix_text):
                obj: Any = name if is_unknown(name) else prefix_text
            else:
                sep = "/" if prefix_text and not str(prefix_text).endswith("/") else ""
                obj = f"{bucket_arn}/{prefix_text}{sep}ecs-execute-command-output.log"
            needs.append(("s3:GetBucketLocation", "*"))
            needs.append(("s3:PutObject", obj))
            if truthy(log_cfg.get("S3EncryptionEnabled")):
                needs.append(("s3:GetEncryptionConfiguration", bucket_arn))
    what = f"logs exec sessions to {' and '.join(parts)}" if parts else ""
    key = cfg.get("KmsKeyId")
    if key is not None:
        needs.append(("kms:Decrypt", _kms_key_arn(ctx, key)))
        found = key_in_input(ctx, key)
        channel = (
            "encrypts the exec session channel (between the client and the container, not the "
            "logs) with "
            + (
                f"KMS key {found.logical_id}" if found
                else f"a KMS key that cannot be resolved ({key.reason})"
                if isinstance(key, Unknown)
                else f"KMS key {describe(key, cluster.template.name)}"
            )
        )
        what = f"{what} and {channel}" if what else channel
    return needs, what


def _kms_key_arn(ctx: Context, key: Any) -> Any:
    """The key ARN that kms:Decrypt must cover, for a KmsKeyId given as a key ID or an ARN.

    IAM policies name keys by ARN; an alias names a key this tool cannot see (Unknown).
    """
    text = as_text(key)
    if isinstance(text, Unknown):
        return text
    if ctx.model.deref(key, "AWS::KMS::Key") is not None:
        return KMS_KEY_ARN_PREFIX + text  # Ref of the key: its ID
    if (text.startswith("arn:") and ":alias/" not in text) or isinstance(key, Param):
        return text  # an ARN, or a parameter: an ID or an ARN that only itself matches
    if text.startswith(("alias/", "arn:")):
        return Unknown(f"KMS key alias {text} (the key it names is not known at synth time)")
    return KMS_KEY_ARN_PREFIX + text


def key_in_input(ctx: Context, key_ref: Any) -> Resource | None:
    """The ``AWS::KMS::Key`` of the input that a key ID, ARN or reference names, if any."""
    key = ctx.model.deref(key_ref, "AWS::KMS::Key")
    if key is None and isinstance(key_ref, str):
        for tok in tokens_in(key_ref):
            key = ctx.model.deref(tok, "AWS::KMS::Key")
            if key:
                break
    return key


#: The account as a key-policy principal: its root ARN (any partition spelling) or its ID.
_ACCOUNT = re.compile(
    r"^(?:arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):iam::)?(?:\d{12}|\$\{AWS::AccountId\})"
    r"(?::root)?$"
)


def _key_policy_grants(ctx: Context, role: Resource, action: str, key: Resource) -> list[str]:
    """Who the key policy lets use ``action`` among the account ("account", so that IAM
    policies can grant it) and the role itself ("role"); ["unknown"] if it cannot be read."""
    statements, problems = parse_document(key.props.get("KeyPolicy"), key)
    if problems:
        return ["unknown"]
    found: list[str] = []
    for st in statements:
        if st.effect != "Allow" or st.has_condition or not st.matches_action(action):
            continue
        principal = st.principal if st.principal == "*" else get_ci(st.principal, "AWS")
        for value in as_list(principal):
            text = as_text(value)
            if text == "*" or (isinstance(text, str) and _ACCOUNT.match(text)):
                found.append("account")
            elif references(value, role):
                found.append("role")
            elif is_unknown(text):
                found.append("unknown")
    return found


def key_policy_allows(ctx: Context, role: Resource, action: str, key_ref: Any) -> bool:
    """Whether a KMS key of the input grants the action to the role itself in its key policy."""
    key = key_in_input(ctx, key_ref)
    return key is not None and "role" in _key_policy_grants(ctx, role, action, key)


class IAM3(Rule):
    id = "EcsExec-IAM3"
    severity = Severity.ERROR
    reported_on = "task role"
    description = (
        "The task role has the permissions that the cluster's exec logging and encryption need."
    )
    explanation = (
        "When the cluster's ExecuteCommandConfiguration logs sessions to CloudWatch Logs or S3, "
        "the agent in the task writes with the task role; when it names a KMS key (KmsKeyId), "
        "that key encrypts the session channel between the client and the container (not the "
        "logs), and the agent decrypts with the task role. Missing logs:DescribeLogGroups/"
        "CreateLogStream/DescribeLogStreams/PutLogEvents, s3:PutObject/GetBucketLocation (and "
        "GetEncryptionConfiguration), or kms:Decrypt makes sessions fail to start. An IAM "
        "grant of kms:Decrypt only works when the key policy lets the account's IAM policies "
        "grant it (the account root principal) or names the role itself."
    )
    fix = (
        "Allow on the task role (task_definition.add_to_task_role_policy(...) in CDK): "
        "logs:DescribeLogGroups on '*' and logs:CreateLogStream, logs:DescribeLogStreams, "
        "logs:PutLogEvents on the log group; s3:GetBucketLocation on '*', s3:PutObject on "
        "bucket/prefix*, s3:GetEncryptionConfiguration on the bucket when S3 encryption is on; "
        "kms:Decrypt on the key, with a key policy that allows the account root (kms:* or "
        "kms:Decrypt) or the task role. EcsExecAutoFix adds the role's permissions."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[tuple[Resource, Resource]] = set()
        for use in ctx.task_role_uses():
            role = use.role
            if role is None:
                continue
            for launch in use.launches:
                cluster = ctx.facts(launch).cluster
                if cluster is None or (role, cluster) in seen:
                    continue
                seen.add((role, cluster))
                needs, what = exec_log_requirements(ctx, cluster)
                missing = _missing(ctx, role, ctx.iam.permissions(role), needs)[0]
                if missing:
                    yield self.finding(
                        role,
                        f"Cluster {cluster.logical_id} {what}, but task role {role.logical_id} "
                        f"does not allow {'; '.join(missing)}.",
                    )


def _missing(
    ctx: Context, role: Resource, perms: Permissions, needs: list[tuple[str, Any]]
) -> tuple[list[str], list[str]]:
    by_target: dict[str, list[str]] = {}
    unknown: list[str] = []
    blocked: list[str] = []
    for action, target in needs:
        if is_unknown(target):
            unknown.append(f"{action} on {unknown_reason(target)}")
            continue
        decision, reasons = perms.evaluate(action, target)
        key = key_in_input(ctx, target) if action.startswith("kms:") else None
        grants = _key_policy_grants(ctx, role, action, key) if key is not None else []
        if decision is Decision.IMPLICIT_DENY and "role" in grants:
            continue  # the key policy grants it to the role itself
        if key is not None and decision is not Decision.DENY and "account" not in grants:
            if "role" in grants:
                continue
            if "unknown" in grants:
                unknown.append(f"{action}: the key policy of {key.logical_id} cannot be read")
                continue
            blocked.append(
                f"{action} on {key.logical_id}: its key policy allows it neither to the "
                f"account (so no IAM policy can grant it) nor to {role.logical_id}"
            )
            continue
        if decision in (Decision.DENY, Decision.IMPLICIT_DENY):
            actions = by_target.setdefault(target, [])
            if action not in actions:
                actions.append(action)
        elif decision is Decision.UNKNOWN:
            unknown.append(f"{action}: {'; '.join(reasons)}")
    missing = [
        ", ".join(actions) + ("" if target == "*" else f" on {_short(target)}")
        for target, actions in by_target.items()
    ]
    return missing + blocked, unknown


def _short(target: str) -> str:
    """An ARN for a message: resource tokens as logical IDs, pseudo parameters kept."""
    return humanize(target)


class IAM4(Rule):
    id = "EcsExec-IAM4"
    severity = Severity.WARNING
    reported_on = "task definition"
    description = "The task role's exec permissions can be verified from the templates."
    explanation = (
        "An imported role, a managed policy this tool does not know, a policy document that "
        "does not resolve, or an Allow that only holds under a Condition means the synthesized "
        "templates cannot show that the task role allows exec. aws-cdk-lib silently drops "
        "statements added to imported or immutable roles, so 'CDK added it' is no proof."
    )
    fix = (
        "Use a task role defined in the app, or confirm out of band that the imported role "
        "allows the ssmmessages actions (and the logging/KMS actions) and acknowledge this "
        "finding with the reason."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            facts = ctx.facts(launch)
            if facts.task_definition is None and launch.exec_enabled is not False:
                td_value = launch.task_definition
                why = (
                    unknown_reason(td_value)
                    if is_unknown(td_value)
                    else f"task definition {describe(td_value, launch.resource.template.name)}"
                    " is not in the input"
                )
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: {why}; its task role and containers cannot be checked.",
                    unverified=True,
                )
        for use in ctx.task_role_uses():
            role, raw, launches = use.role, use.raw, use.launches
            if raw is None:
                continue
            if role is None:
                where = (
                    f"cannot be resolved ({unknown_reason(raw)})"
                    if is_unknown(raw)
                    else "is not in the input (imported)"
                )
                home = use.reported_on.template.name
                shown = "" if is_unknown(raw) else f" {describe(raw, home)}"
                yield self.finding(
                    use.reported_on,
                    f"Task role{shown} of {use.subject} {where};"
                    " its exec permissions cannot be checked.",
                    unverified=True,
                )
                continue
            perms = ctx.iam.permissions(role)
            reasons: list[str] = []
            for action in EXEC_ACTIONS:
                decision, unsure = perms.evaluate(action)
                if decision is Decision.UNKNOWN:
                    reasons.extend(f"{action}: {w}" for w in unsure)
            clusters = {c for lc in launches if (c := ctx.facts(lc).cluster) is not None}
            for cluster in sorted(clusters, key=lambda c: (c.template.name, c.logical_id)):
                needs, _ = exec_log_requirements(ctx, cluster)
                reasons.extend(_missing(ctx, role, perms, needs)[1])
            if reasons:
                unique = list(dict.fromkeys(reasons))
                yield self.finding(
                    use.reported_on,
                    f"Task role {role.logical_id} of {use.subject}: " + "; ".join(unique) + ".",
                    unverified=True,
                )
