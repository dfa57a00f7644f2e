"""Questions the auto-fix asks the analyzer: ``key_policy_allows`` (does a KMS key's own policy
name a role for an action) and ``task_role`` (the role a task definition names).

The auto-fix asks it before adding kms:Decrypt to a task role (a key policy that names the role
needs no IAM grant); IAM3 reads the same key policies. Key policy principals as KMS documents
them: ``{"AWS": <role ARN>}``, the account root (which lets IAM policies grant), ``"*"``.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import JSON, Template, arn, document, exec_app, ref

from ecs_exec_guard.analysis.model import Model
from ecs_exec_guard.analysis.rules.base import Context
from ecs_exec_guard.analysis.rules.iam import key_policy_allows, task_role

ACCOUNT_ROOT = "arn:aws:iam::123456789012:root"


def context(*statements: JSON) -> tuple[Context, Template]:
    app = exec_app()
    app.add("ExecKey", "AWS::KMS::Key", KeyPolicy=document(*statements))
    return Context(Model([(app.name, app.body(), None)])), app


def allows(ctx: Context, key_ref: Any, action: str = "kms:Decrypt") -> bool:
    role = ctx.model.templates["App.template.json"].resources["TaskRole"]
    return key_policy_allows(ctx, role, action, key_ref)


def grant(principal: Any, action: Any = "kms:Decrypt", **extra: Any) -> JSON:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*",
            **extra}


@pytest.mark.parametrize(
    "key_ref",
    [ref("ExecKey"), arn("ExecKey"),
     {"Fn::Join": ["", ["arn:aws:kms:eu-west-1:123456789012:key/", ref("ExecKey")]]}],
    ids=["Ref", "GetAtt Arn", "ARN with a token"],
)
def test_a_key_policy_naming_the_role_allows_it(key_ref: Any) -> None:
    ctx, _ = context(grant({"AWS": arn("TaskRole")}))
    resolved = ctx.model.templates["App.template.json"].resolver.resolve(key_ref)
    assert allows(ctx, resolved) is True


@pytest.mark.parametrize(
    "statement",
    [
        grant({"AWS": ACCOUNT_ROOT}, "kms:*"),  # the account: IAM may grant it, not the key
        grant({"AWS": arn("TaskRole")}, "kms:Encrypt"),  # another action
        {**grant({"AWS": arn("TaskRole")}), "Effect": "Deny"},
        grant({"AWS": arn("TaskRole")}, Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}),
        grant({"AWS": arn("ExecutionRole")}),  # another role
    ],
    ids=["account root", "other action", "deny", "condition", "other role"],
)
def test_a_key_policy_that_does_not_name_the_role_for_the_action(statement: JSON) -> None:
    ctx, _ = context(statement)
    assert allows(ctx, ref("ExecKey")) is False


def test_a_key_outside_the_input_allows_nothing_known() -> None:
    ctx, _ = context(grant({"AWS": arn("TaskRole")}))
    assert allows(ctx, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd") is False
    assert allows(ctx, ref("TaskRole")) is False  # not a key at all


def test_a_key_policy_that_cannot_be_read_allows_nothing_known() -> None:
    app = exec_app()
    app.add("ExecKey", "AWS::KMS::Key", KeyPolicy={"Statement": "not a list",
                                                   "Principal": {"AWS": arn("TaskRole")}})
    ctx = Context(Model([(app.name, app.body(), None)]))
    assert allows(ctx, ref("ExecKey")) is False


def test_task_role_is_the_task_definitions_own_role() -> None:
    """``task_role``: what a fix to the task definition changes (its TaskRoleArn's role)."""
    app = exec_app()
    model = Model([(app.name, app.body(), None)])
    ctx = Context(model)
    resources = model.templates["App.template.json"].resources
    role, raw = task_role(ctx, resources["TaskDef"])
    assert role is resources["TaskRole"]
    assert raw == ctx.model.templates["App.template.json"].resources["TaskDef"].props[
        "TaskRoleArn"]
    app.props("TaskDef")["TaskRoleArn"] = "arn:aws:iam::123456789012:role/Elsewhere"
    model = Model([(app.name, app.body(), None)])
    role, raw = task_role(Context(model), model.templates["App.template.json"].resources[
        "TaskDef"])
    assert (role, raw) == (None, "arn:aws:iam::123456789012:role/Elsewhere")
    app.props("TaskDef")["TaskRoleArn"] = arn("ExecutionRole")
    model = Model([(app.name, app.body(), None)])
    role, _ = task_role(Context(model), model.templates["App.template.json"].resources["TaskDef"])
    assert role is model.templates["App.template.json"].resources["ExecutionRole"]
