"""Operator access rules: ACC1 (ssm:StartSession bypass), ACC2 (ecs:ExecuteCommand on '*')."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..iam import Decision, IamIndex, Permissions, Statement, parse_document
from ..model import Resource, get_ci
from .base import Context, Rule

ECS_TASK_TARGET = "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/cluster/0"
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


#: Trust-policy principal keys that stand for people (or for whoever they delegate to):
#: accounts, users and roles (``AWS``), SAML and web-identity providers (``Federated``).
PEOPLE_PRINCIPALS = ("AWS", "Federated", "CanonicalUser")


def admits_people(role: Resource) -> bool:
    """Whether anyone but an AWS service may assume the role.

    True when an Allow of the trust policy names an account, user, role, SAML or web-identity
    principal, or ``*``; and when the trust policy cannot be read (an unresolvable document
    or principal is not taken as a proof that only services act). False only for roles that
    AWS services alone assume (a task role, a CloudFormation execution role, a Lambda role).
    """
    document = role.props.get("AssumeRolePolicyDocument")
    if not isinstance(document, dict):
        return True
    statements, problems = parse_document(document, role)
    if problems:
        return True
    for st in statements:
        if st.effect != "Allow":
            continue
        principal = st.principal
        if not isinstance(principal, dict):
            return True  # "*", an unresolved value, or NotPrincipal
        if any(get_ci(principal, key) is not None for key in PEOPLE_PRINCIPALS):
            return True
        if set(principal) - {"Service"}:
            return True  # a key this tool does not know
    return False


def acts_for_people(principal: Resource) -> bool:
    """Users and groups always; roles when :func:`admits_people`."""
    return principal.type != "AWS::IAM::Role" or admits_people(principal)


def principals_and_policies(ctx: Context) -> list[tuple[Resource, Permissions]]:
    """Every principal of the input that people act as (users, groups, roles that people or
    other accounts may assume), with its permissions; then every policy attached to no
    principal of the input (it may be attached to people elsewhere). Roles that only AWS
    services assume, and the policies attached only to them, are left out: a task role or a
    CloudFormation execution role with broad permissions opens no shell to anyone."""
    iam: IamIndex = ctx.iam
    out: list[tuple[Resource, Permissions]] = []
    for principal in ctx.model.resources(*IamIndex.PRINCIPAL_TYPES):
        if acts_for_people(principal):
            out.append((principal, iam.permissions(principal)))
    attached = {p for policies in iam.attached.values() for p in policies}
    for policy in ctx.model.resources(*POLICY_TYPES):
        if policy in attached:
            continue
        statements, problems = parse_document(policy.props.get("PolicyDocument"), policy)
        out.append((policy, Permissions(statements=statements, unknown_sources=problems)))
    return out


_LITERAL_PARTITION = re.compile(r"^arn:aws[a-z-]*:")
_TOKEN = re.compile(r"\{\{(?:ref|att|par)\|[^{}]*\}\}")  # no brace inside: linear


def _patterns(values: tuple[Any, ...] | None, widen: bool) -> tuple[Any, ...] | None:
    if values is None:
        return None
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            value = _LITERAL_PARTITION.sub("arn:${AWS::Partition}:", value)
            if widen:
                value = _TOKEN.sub("*", value)
        out.append(value)
    return tuple(out)


def in_stack_partition(perms: Permissions) -> Permissions:
    """The permissions with a literal partition (``arn:aws:``) read as the stack's own.

    ``arn:aws:ecs:*:*:task/*`` and ``arn:${AWS::Partition}:ecs:*:*:task/*`` name the same
    tasks wherever the policy works at all, so ACC1 treats them alike. In Allow resources a
    reference to a resource of the input (a cluster) may be any value: an Allow on one
    cluster's tasks still opens raw sessions on ECS tasks.
    """

    def convert(st: Statement) -> Statement:
        return dataclasses.replace(
            st,
            resources=_patterns(st.resources, widen=st.effect == "Allow"),
            not_resources=_patterns(st.not_resources, widen=False),
        )

    return Permissions(
        statements=[convert(st) for st in perms.statements],
        unknown_sources=perms.unknown_sources,
        partial_sources=perms.partial_sources,
        boundary=in_stack_partition(perms.boundary) if perms.boundary is not None else None,
    )


def _carrier(st: Statement, owner: Resource) -> Resource:
    return st.source if st.source is not None else owner


def _once(
    rule: Rule, seen: set[Resource], st: Statement, owner: Resource, what: str
) -> Finding | None:
    """A finding on the policy or role carrying ``st``, once per carrier."""
    carrier = _carrier(st, owner)
    if carrier in seen:
        return None
    seen.add(carrier)
    via = "" if carrier == owner else f" (via {owner.logical_id})"
    return rule.finding(carrier, f"{carrier.logical_id}{via} {what}")


class ACC1(Rule):
    id = "EcsExec-ACC1"
    severity = Severity.WARNING
    reported_on = "the policy / role carrying it"
    description = (
        "No principal may start a raw SSM session on ECS tasks without a matching Deny."
    )
    explanation = (
        "ssm:StartSession on ECS task targets (arn:aws:ecs:<region>:<account>:task/...) or on "
        "'*' opens a Session Manager shell in a container without going through "
        "ecs:ExecuteCommand, so ECS-level restrictions (cluster, container-name conditions, "
        "tags) do not apply."
    )
    fix = (
        "Scope ssm:StartSession to instances/documents that need it and add an explicit Deny of "
        "ssm:StartSession on arn:aws:ecs:*:*:task/* (grant_execute and the operator policy "
        "helper add it)."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[Resource] = set()
        for owner, original in principals_and_policies(ctx):
            perms = in_stack_partition(original)
            allowing = [
                st
                for st in perms.allowing("ssm:StartSession", ECS_TASK_TARGET)
                if not st.has_condition and st.covers(ECS_TASK_TARGET) is True
            ]
            if not allowing:
                continue
            decision, _ = perms.evaluate("ssm:StartSession", ECS_TASK_TARGET)
            if decision is Decision.DENY:
                continue
            for st in allowing:
                found = _once(
                    self, seen, st, owner,
                    "allows ssm:StartSession on ECS task targets with no Deny: it can bypass "
                    "ecs:ExecuteCommand authorisation.",
                )
                if found is not None:
                    yield found


class ACC2(Rule):
    id = "EcsExec-ACC2"
    severity = Severity.WARNING
    reported_on = "the policy / role carrying it"
    description = "ecs:ExecuteCommand is not allowed on '*' without a Condition."
    explanation = (
        "ecs:ExecuteCommand on '*' lets the principal open a root shell in every container of "
        "every cluster in the account. Scope it to cluster/task ARNs and narrow it with "
        "conditions such as ecs:container-name or aws:ResourceTag."
    )
    fix = (
        "Allow ecs:ExecuteCommand only on the task ARNs of the clusters concerned, with an "
        "ecs:container-name or tag condition (ExecEnabledService.grant_execute does this)."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[Resource] = set()
        for owner, perms in principals_and_policies(ctx):
            for st in perms.statements:
                if st.effect != "Allow" or st.has_condition:
                    continue
                if not st.matches_action("ecs:ExecuteCommand"):
                    continue
                if not (st.resources and "*" in st.resources):
                    continue
                found = _once(
                    self, seen, st, owner, "allows ecs:ExecuteCommand on '*' with no Condition."
                )
                if found is not None:
                    yield found
