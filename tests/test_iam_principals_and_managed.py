"""Which principal a reference names (``IamIndex.principal``), and what managed policies and
permissions boundaries bring to a principal's permissions (``IamIndex.permissions``): policies
of the input, AWS managed policies known only for some actions, and ones this tool cannot know
(issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, allow, arn, aws_managed, document, import_value, ref, sub

from ecs_exec_guard.analysis.iam import Decision, IamIndex
from ecs_exec_guard.analysis.model import Model

ROLE, USER, GROUP = "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"


@pytest.mark.parametrize(
    ("value", "ptype", "found"),
    [(ref("R"), ROLE, "R"), (arn("R"), ROLE, "R"),
     ("arn:aws:iam::1:role/path/r-name", ROLE, "R"), ("r-name", ROLE, "R"),
     (sub("arn:aws:iam::1:role/${R}"), ROLE, "R"),
     ("nope", ROLE, None), (5, ROLE, None),
     ("u-name", USER, "U"), ("arn:aws:iam::1:user/u-name", USER, "U"), ("g-name", GROUP, "G"),
     ("r-name", USER, None),  # a role's name is no user's
     (ref("Topic"), ROLE, None), (sub("arn:aws:iam::1:role/${Topic}"), ROLE, None)],
)
def test_principal(value: Any, ptype: str, found: str | None) -> None:
    t = Template()
    t.role("R", RoleName="r-name")
    t.add("U", "AWS::IAM::User", UserName="u-name")
    t.add("G", "AWS::IAM::Group", GroupName="g-name")
    t.add("Topic", "AWS::SNS::Topic")
    model = Model([(t.name, t.body(), None)])
    principal = IamIndex(model).principal(model.templates[t.name].resolver.resolve(value), ptype)
    assert (principal.logical_id if principal else None) == found


ACTION = "ssmmessages:OpenDataChannel"
SSM_CORE = "AWS managed policy arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
READ_ONLY = "AWS managed policy arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"
UNKNOWN_ARN = "managed policy arn:aws:iam::123456789012:policy/unknown is not known to this tool"
IMPORTED = ("a managed policy cannot be resolved (Fn::ImportValue {}: no template of the input "
            "exports it)")


def permissions(logical_id: str) -> Any:
    t = Template()
    t.managed_policy("Mine", allow(ACTION))
    t.role("R", ManagedPolicyArns=[
        ref("Mine"), aws_managed("AmazonSSMManagedInstanceCore"),
        "arn:aws:iam::123456789012:policy/unknown", import_value("P"),
        aws_managed("ReadOnlyAccess")])
    inline = [{"PolicyName": "x", "PolicyDocument": document(allow("*"))}]
    t.role("B", PermissionsBoundary=aws_managed("AmazonSSMManagedInstanceCore"), Policies=inline)
    t.role("C", PermissionsBoundary=import_value("Bd"),
           Policies=[{"policyName": "x", "policyDocument": document(allow("*"))}])
    model = Model([(t.name, t.body(), None)])
    return IamIndex(model).permissions(model.templates[t.name].resources[logical_id])


def test_managed_policies_of_every_kind() -> None:
    perms = permissions("R")
    assert perms.unknown_sources == [UNKNOWN_ARN, IMPORTED.format("P")]
    assert [what for _, what in perms.partial_sources] == [SSM_CORE, READ_ONLY]
    assert [s.source.logical_id for s in perms.statements if s.source] == ["Mine"]
    assert perms.evaluate(ACTION) == (Decision.ALLOW, [])
    assert perms.evaluate("s3:GetObject") == (Decision.UNKNOWN, [
        UNKNOWN_ARN, IMPORTED.format("P"), f"{SSM_CORE} is not known for s3:GetObject",
        f"{READ_ONLY} is not known for s3:GetObject"])


def test_an_aws_managed_boundary() -> None:
    perms = permissions("B")
    assert perms.boundary is not None
    assert [what for _, what in perms.boundary.partial_sources] == [SSM_CORE]
    assert perms.evaluate(ACTION) == (Decision.ALLOW, [])
    assert perms.evaluate("s3:GetObject") == (Decision.UNKNOWN, [
        f"permissions boundary: {SSM_CORE} is not known for s3:GetObject"])


def test_a_boundary_that_cannot_be_resolved_and_inline_keys_in_any_case() -> None:
    perms = permissions("C")
    assert perms.boundary is not None
    assert perms.boundary.unknown_sources == [IMPORTED.format("Bd")]
    assert [s.actions for s in perms.statements] == [("*",)]
    assert perms.evaluate(ACTION) == (Decision.UNKNOWN, [
        f"permissions boundary: {IMPORTED.format('Bd')}"])
