"""IAM3/IAM4 on the exec KMS key of the input, for each key-policy principal (issue 15:
mutation testing): the account (root ARN in any spelling, its ID, ``*``) lets IAM policies
grant kms:Decrypt; the task role named in the key policy needs no IAM grant; another principal,
a Condition, a Deny or another action grants nothing; an unresolvable principal or policy
cannot be read."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ACCOUNT_ROOT, allow, arn, document, exec_app, import_value

IAM3 = ("Cluster Cluster encrypts the exec session channel (between the client and the "
        "container, not the logs) with KMS key Key, but task role TaskRole does not allow "
        "kms:Decrypt on {}.")
NO_IAM_GRANT = IAM3.format("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/Key")
BLOCKED = IAM3.format("Key: its key policy allows it neither to the account (so no IAM policy "
                      "can grant it) nor to TaskRole")
UNREADABLE = ("Cannot verify: Task role TaskRole of TaskDef: kms:Decrypt: the key policy of Key "
              "cannot be read.")
ROOT = {"AWS": "arn:aws:iam::123456789012:root"}


def statement(principal: Any, action: str = "kms:Decrypt", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*",
            **extra}


POLICIES: dict[str, tuple[Any, list[Any], list[Any]]] = {
    # key policy: (findings with the IAM grant, findings without it)
    "account root ARN": (document(statement(ROOT, "kms:*")), [],
                         [("EcsExec-IAM3", "error", "TaskRole", NO_IAM_GRANT)]),
    "account root joined": (document(statement({"AWS": ACCOUNT_ROOT}, "kms:*")), [],
                            [("EcsExec-IAM3", "error", "TaskRole", NO_IAM_GRANT)]),
    "account ID": (document(statement({"AWS": "123456789012"})), [],
                   [("EcsExec-IAM3", "error", "TaskRole", NO_IAM_GRANT)]),
    "anyone": (document(statement("*")), [],
               [("EcsExec-IAM3", "error", "TaskRole", NO_IAM_GRANT)]),
    "the task role": (document(statement({"AWS": arn("TaskRole")})), [], []),
    "another role": (document(statement({"AWS": "arn:aws:iam::123456789012:role/other"})),
                     [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)],
                     [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)]),
    "under a condition": (document(statement(ROOT, "kms:*", Condition={"Bool": {"a": "b"}})),
                          [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)],
                          [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)]),
    "a deny": (document({**statement(ROOT, "kms:*"), "Effect": "Deny"}),
               [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)],
               [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)]),
    "another action": (document(statement(ROOT, "kms:Encrypt")),
                       [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)],
                       [("EcsExec-IAM3", "error", "TaskRole", BLOCKED)]),
    "imported principal": (document(statement({"AWS": import_value("P")})),
                           [("EcsExec-IAM4", "warning", "TaskDef", UNREADABLE)],
                           [("EcsExec-IAM4", "warning", "TaskDef", UNREADABLE)]),
    "imported policy": (import_value("KeyPolicy"),
                        [("EcsExec-IAM4", "warning", "TaskDef", UNREADABLE)],
                        [("EcsExec-IAM4", "warning", "TaskDef", UNREADABLE)]),
}


@pytest.mark.parametrize(("policy", "with_grant", "without_grant"), POLICIES.values(),
                         ids=POLICIES.keys())
def test_key_policy_principals(policy: Any, with_grant: list[Any],
                               without_grant: list[Any]) -> None:
    for grant, expected in ((True, with_grant), (False, without_grant)):
        app = exec_app()
        app.add("Key", "AWS::KMS::Key", KeyPolicy=policy)
        app.props("Cluster")["Configuration"] = {
            "ExecuteCommandConfiguration": {"KmsKeyId": arn("Key")}}
        if grant:
            app.task_policy()["Statement"].append(allow("kms:Decrypt", arn("Key")))
        assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
                for f in app.analyze().findings] == expected, grant
