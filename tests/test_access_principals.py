"""Who ACC1/ACC2 look at (``rules.access``): which roles people may assume, by the keys of
their trust policy's principals, and the permissions as ACC1 reads them (a literal ``arn:aws``
partition as the stack's own; in an Allow, a reference to a resource of the input as any
value) (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, allow, deny, document

from ecs_exec_guard.analysis.iam import Permissions, parse_document
from ecs_exec_guard.analysis.model import Model
from ecs_exec_guard.analysis.rules.access import acts_for_people, admits_people, in_stack_partition


def trust(principal: Any, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}


SERVICE = {"Service": "ecs-tasks.amazonaws.com"}
TRUSTS: dict[str, tuple[Any, bool]] = {
    "Service": (document(trust(SERVICE)), False),
    "Account": (document(trust({"AWS": "arn:aws:iam::123456789012:root"})), True),
    "AccountLowerCase": (document(trust({"aws": "arn:aws:iam::123456789012:root"})), True),
    "Federated": (document(trust({"Federated": "cognito-identity.amazonaws.com"})), True),
    "CanonicalUser": (document(trust({"CanonicalUser": "abc"})), True),
    "Anyone": (document(trust("*")), True),
    "UnknownKey": (document(trust({"Service": "ecs-tasks.amazonaws.com", "Other": "x"})), True),
    # a Deny of people admits no one
    "DenyPeople": (document(trust(SERVICE), trust({"AWS": "*"}, "Deny")), False),
    "NotAnObject": ("x", True),
    "BadStatement": (document("x"), True),
    "NoTrustPolicy": (None, True),
}


def principals() -> dict[str, Any]:
    t = Template()
    for name, (policy, _) in TRUSTS.items():
        props = {} if policy is None else {"AssumeRolePolicyDocument": policy}
        t.add(name, "AWS::IAM::Role", **props)
    t.add("User", "AWS::IAM::User")
    t.add("Group", "AWS::IAM::Group")
    return dict(Model([(t.name, t.body(), None)]).templates[t.name].resources)


@pytest.mark.parametrize("name", TRUSTS)
def test_roles_that_people_may_assume(name: str) -> None:
    role = principals()[name]
    assert admits_people(role) is TRUSTS[name][1]
    assert acts_for_people(role) is TRUSTS[name][1]


def test_users_and_groups_always_act_for_people() -> None:
    resources = principals()
    assert acts_for_people(resources["User"]) is True
    assert acts_for_people(resources["Group"]) is True


def test_permissions_as_acc1_reads_them() -> None:
    cluster = "{{ref|App.template.json|Cluster}}"
    statements, _ = parse_document(document(
        allow("ssm:*", ["arn:aws:ecs:*:*:task/*", "arn:aws-cn:ecs:*",
                        f"arn:aws:ecs:r:a:task/{cluster}/*", "x:arn:aws:y", 5]),
        deny("ssm:*", ["arn:aws:ecs:*:*:task/*", f"arn:aws:ecs:*:*:task/{cluster}/*"]),
        {"Effect": "Allow", "Action": "x", "NotResource": [f"arn:aws:s3:::{cluster}"]},
    ), None)
    original = Permissions(statements=statements, unknown_sources=["u"],
                           partial_sources=[(frozenset({"x"}), "p")],
                           boundary=Permissions(statements=statements[:1]))
    converted = in_stack_partition(original)
    allow_resources = ("arn:${AWS::Partition}:ecs:*:*:task/*", "arn:${AWS::Partition}:ecs:*",
                       "arn:${AWS::Partition}:ecs:r:a:task/*/*", "x:arn:aws:y", "5")
    assert [(s.effect, s.resources, s.not_resources) for s in converted.statements] == [
        ("Allow", allow_resources, None),
        ("Deny", ("arn:${AWS::Partition}:ecs:*:*:task/*",
                  f"arn:${{AWS::Partition}}:ecs:*:*:task/{cluster}/*"), None),
        ("Allow", None, (f"arn:${{AWS::Partition}}:s3:::{cluster}",)),
    ]
    assert converted.unknown_sources == ["u"]
    assert converted.partial_sources == [(frozenset({"x"}), "p")]
    assert converted.boundary is not None
    assert [s.resources for s in converted.boundary.statements] == [allow_resources]
    assert in_stack_partition(Permissions()).boundary is None
