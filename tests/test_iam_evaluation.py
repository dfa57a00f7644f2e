"""IAM evaluation for one principal (``iam.Permissions``, ``iam.IamIndex``): the decision and
its reasons for every kind of statement, a permissions boundary, and which policies reach a
role, user or group by reference, name or ARN (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, allow, deny, document, ref

from ecs_exec_guard.analysis.iam import Decision, IamIndex, Permissions, parse_document
from ecs_exec_guard.analysis.intrinsics import Unknown
from ecs_exec_guard.analysis.model import Model

ACTION = "ssmmessages:OpenDataChannel"
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
CONDITION = {"Bool": {"aws:SecureTransport": "true"}}


def permissions(*statements: Any, boundary: list[Any] | None = None,
                unknown: tuple[str, ...] = ()) -> Permissions:
    parsed, problems = parse_document({"Statement": list(statements)}, None)
    assert problems == []
    perms = Permissions(statements=parsed, unknown_sources=list(unknown))
    if boundary is not None:
        perms.boundary = Permissions(statements=parse_document({"Statement": boundary}, None)[0])
    return perms


CASES = {
    "allow": (permissions(allow("ssmmessages:*")), Decision.ALLOW, []),
    "not-action": (permissions({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
                   Decision.ALLOW, []),
    "not-action-excludes": (
        permissions({"Effect": "Allow", "NotAction": "ssmmessages:*", "Resource": "*"}),
        Decision.IMPLICIT_DENY, []),
    "not-resource-all": (
        permissions({"Effect": "Allow", "Action": "ssmmessages:*", "NotResource": "*"}),
        Decision.IMPLICIT_DENY, []),
    "not-resource-other": (
        permissions({"Effect": "Allow", "Action": "ssmmessages:*",
                     "NotResource": "arn:aws:s3:::bucket"}),
        Decision.ALLOW, []),
    "deny": (permissions(ALLOW_ALL, deny(ACTION)), Decision.DENY, ["explicitly denied"]),
    "deny-under-condition": (permissions(ALLOW_ALL, deny(ACTION, Condition=CONDITION)),
                             Decision.UNKNOWN, ["a Deny under a Condition"]),
    "deny-on-unknown-resource": (permissions(ALLOW_ALL, deny(ACTION, Unknown("imported"))),
                                 Decision.UNKNOWN, ["a Deny on an unresolvable resource"]),
    "allow-under-condition": (permissions(allow(ACTION, Condition=CONDITION)), Decision.UNKNOWN,
                              ["an Allow that only holds under a Condition"]),
    "allow-on-unknown-resource": (
        permissions(allow(ACTION, Unknown("imported"))), Decision.UNKNOWN,
        ["an Allow on a resource that cannot be resolved (imported)"]),
    "allow-without-resource": (permissions({"Effect": "Allow", "Action": ACTION}),
                               Decision.UNKNOWN,
                               ["an Allow on a resource that cannot be resolved"]),
    "nothing": (permissions(), Decision.IMPLICIT_DENY, []),
    "unknown-source": (permissions(unknown=("policy X is not known",)), Decision.UNKNOWN,
                       ["policy X is not known"]),
    "boundary-allows": (permissions(allow(ACTION), boundary=[allow("ssmmessages:*")]),
                        Decision.ALLOW, []),
    "boundary-lacks": (permissions(allow(ACTION), boundary=[allow("s3:*")]),
                       Decision.IMPLICIT_DENY,
                       [f"the permissions boundary does not allow {ACTION}"]),
    "boundary-denies": (permissions(allow(ACTION), boundary=[ALLOW_ALL, deny(ACTION)]),
                        Decision.DENY, [f"the permissions boundary does not allow {ACTION}"]),
    "boundary-under-condition": (
        permissions(allow(ACTION), boundary=[allow(ACTION, Condition=CONDITION)]),
        Decision.UNKNOWN, ["permissions boundary: an Allow that only holds under a Condition"]),
    "boundary-under-condition-nothing-allowed": (
        permissions(boundary=[allow(ACTION, Condition=CONDITION)]),
        Decision.IMPLICIT_DENY, []),
    "boundary-and-deny": (permissions(allow(ACTION), deny(ACTION), boundary=[allow("s3:*")]),
                          Decision.DENY, ["explicitly denied"]),
}


@pytest.mark.parametrize(("perms", "decision", "reasons"), CASES.values(), ids=CASES.keys())
def test_evaluate(perms: Permissions, decision: Decision, reasons: list[str]) -> None:
    assert perms.evaluate(ACTION) == (decision, reasons)


def test_documents_and_statements_that_cannot_be_read() -> None:
    assert parse_document(Unknown("imported"), None) == ([], ["policy document is imported"])
    assert parse_document([1], None) == ([], ["policy document is not an object"])
    statements, problems = parse_document({"Statement": [
        "x", {"Effect": "Maybe"}, allow([ACTION, Unknown("u")])]}, None)
    assert problems == ["a statement is not an object", 'a statement has Effect "Maybe"']
    assert [(s.effect, s.actions, s.resources, s.unknown) for s in statements] == [
        ("Allow", (ACTION,), ("*",), "u")]


# -- which policies reach a principal -----------------------------------------------------------


def principals() -> tuple[Model, IamIndex]:
    t = Template()
    t.role("Role", RoleName="exec-role")
    t.add("Group", "AWS::IAM::Group", GroupName="ops")
    t.add("User", "AWS::IAM::User", UserName="alice", Groups=[ref("Group"), "missing-group"])
    t.add("ByName", "AWS::IAM::Policy", PolicyName="p",
          PolicyDocument=document(allow("ssmmessages:Create*")), Roles=["exec-role"])
    t.add("ByArn", "AWS::IAM::ManagedPolicy",
          PolicyDocument=document(allow("ssmmessages:OpenControl*")),
          Roles=[{"Fn::Sub": "arn:aws:iam::123456789012:role/${Role}"}], Groups=[ref("Group")])
    t.add("RoleInline", "AWS::IAM::RolePolicy", RoleName=ref("Role"), PolicyName="x",
          PolicyDocument=document(deny(ACTION, Condition=CONDITION)))
    t.add("UserInline", "AWS::IAM::UserPolicy", UserName="alice", PolicyName="y",
          PolicyDocument=document(allow(ACTION)))
    t.add("GroupInline", "AWS::IAM::GroupPolicy", GroupName="ops", PolicyName="z",
          PolicyDocument=document(allow("ssmmessages:CreateDataChannel", Condition=CONDITION)))
    model = Model([(t.name, t.body(), None)])
    return model, IamIndex(model)


ACTIONS = ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
           "ssmmessages:OpenControlChannel", ACTION)
MISSING_GROUP = 'group "missing-group" is not in the input'
UNDER_CONDITION = "an Allow in GroupInline that only holds under a Condition"


@pytest.mark.parametrize(
    ("principal", "sources", "unknown", "decisions"),
    [("Role", ["ByName", "ByArn", "RoleInline"], [],
      [(Decision.ALLOW, []), (Decision.ALLOW, []), (Decision.ALLOW, []),
       (Decision.IMPLICIT_DENY, [])]),
     ("User", ["UserInline", "ByArn", "GroupInline"], [MISSING_GROUP],
      [(Decision.UNKNOWN, [MISSING_GROUP]), (Decision.UNKNOWN, [UNDER_CONDITION, MISSING_GROUP]),
       (Decision.ALLOW, []), (Decision.ALLOW, [])]),
     ("Group", ["ByArn", "GroupInline"], [],
      [(Decision.IMPLICIT_DENY, []), (Decision.UNKNOWN, [UNDER_CONDITION]),
       (Decision.ALLOW, []), (Decision.IMPLICIT_DENY, [])])],
)
def test_policies_reach_roles_users_and_groups(
    principal: str, sources: list[str], unknown: list[str], decisions: list[Any]
) -> None:
    model, iam = principals()
    perms = iam.permissions(model.templates["App.template.json"].resources[principal])
    assert [s.source.logical_id for s in perms.statements if s.source] == sources
    assert perms.unknown_sources == unknown
    assert [perms.evaluate(action) for action in ACTIONS] == decisions
