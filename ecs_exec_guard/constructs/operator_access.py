"""Least-privilege operator access for ECS Exec: who may exec, into what, and no bypass.

``exec_operator_statements`` returns the statements; ``ExecOperatorPolicy`` wraps them in a
managed policy for teams that manage operator roles elsewhere. ``ExecEnabledService.grant_execute``
uses the same statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

#: The Session Manager targets that ECS Exec uses: denying StartSession on them forces every
#: session through ecs:ExecuteCommand (and its IAM conditions).
ECS_TASK_SESSION_TARGET = "arn:{partition}:ecs:*:*:task/*"


def exec_operator_statements(
    scope: Construct,
    *,
    cluster_name: str,
    container_name: str | None = None,
    task_tags: Mapping[str, str] | None = None,
    kms_key_arn: str | None = None,
) -> list[iam.PolicyStatement]:
    """Statements that let an operator exec into the tasks of one cluster, and nothing more.

    - ``ecs:ExecuteCommand`` on the cluster and its task ARNs only (never ``*``), narrowed by the
      ``ecs:container-name`` condition when ``container_name`` is given and, on the tasks, by
      ``aws:ResourceTag`` conditions for ``task_tags`` (tags the tasks carry);
    - ``ecs:DescribeTasks`` on the cluster's tasks (the CLI looks the task up first);
    - ``kms:GenerateDataKey`` on the exec session key when there is one;
    - an explicit Deny of ``ssm:StartSession`` on ECS task targets, so the operator cannot open
      a raw Session Manager session that bypasses ECS authorisation.
    """
    stack = Stack.of(scope)
    cluster_arn = stack.format_arn(service="ecs", resource="cluster", resource_name=cluster_name)
    task_arns = stack.format_arn(service="ecs", resource="task", resource_name=f"{cluster_name}/*")
    container_condition = (
        {"StringEquals": {"ecs:container-name": container_name}} if container_name else None
    )
    task_conditions: dict[str, dict[str, str]] = {}
    if container_name:
        task_conditions.setdefault("StringEquals", {})["ecs:container-name"] = container_name
    for key, value in (task_tags or {}).items():
        task_conditions.setdefault("StringEquals", {})[f"aws:ResourceTag/{key}"] = value
    statements = [
        iam.PolicyStatement(
            sid="EcsExecOnCluster",
            actions=["ecs:ExecuteCommand"],
            resources=[cluster_arn],
            conditions=container_condition,
        ),
        iam.PolicyStatement(
            sid="EcsExecOnTasks",
            actions=["ecs:ExecuteCommand"],
            resources=[task_arns],
            conditions=task_conditions or None,
        ),
        iam.PolicyStatement(
            sid="EcsExecDescribeTasks",
            actions=["ecs:DescribeTasks"],
            resources=[task_arns],
        ),
    ]
    if kms_key_arn is not None:
        statements.append(
            iam.PolicyStatement(
                sid="EcsExecSessionKey",
                actions=["kms:GenerateDataKey"],
                resources=[kms_key_arn],
            )
        )
    statements.append(deny_raw_ssm_sessions(scope))
    return statements


def deny_raw_ssm_sessions(scope: Construct) -> iam.PolicyStatement:
    partition = Stack.of(scope).partition
    return iam.PolicyStatement(
        sid="DenySsmSessionsOnEcsTasks",
        effect=iam.Effect.DENY,
        actions=["ssm:StartSession"],
        resources=[ECS_TASK_SESSION_TARGET.format(partition=partition)],
    )


class ExecOperatorPolicy(Construct):
    """A managed policy with :func:`exec_operator_statements`, for roles managed elsewhere.

    Attach ``.policy`` to operator roles, users or groups (``roles=``/``users=``/``groups=``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster_name: str,
        container_name: str | None = None,
        task_tags: Mapping[str, str] | None = None,
        kms_key_arn: str | None = None,
        roles: Sequence[iam.IRole] | None = None,
        users: Sequence[iam.IUser] | None = None,
        groups: Sequence[iam.IGroup] | None = None,
        managed_policy_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=managed_policy_name,
            description="ECS Exec into one cluster's tasks; raw SSM sessions on tasks denied",
            statements=exec_operator_statements(
                self,
                cluster_name=cluster_name,
                container_name=container_name,
                task_tags=task_tags,
                kms_key_arn=kms_key_arn,
            ),
            roles=list(roles) if roles else None,
            users=list(users) if users else None,
            groups=list(groups) if groups else None,
        )
