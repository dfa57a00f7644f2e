"""EcsExecAutoFix.apply_to: one Aspect callback per synthesis, and the ordering users rely on.

Byte-identical output against ``Aspects.of(app).add(EcsExecAutoFix(), ...)`` on every test app
is checked in test_autofix.py (``test_both_entry_points_give_the_same_output``); here: when the
batch runs (after the user's own mutating aspects), that later aspects visit what it adds, the
fallback without aspect stabilization, the error when it never runs, and the snapshot's
bulk reading (stack ownership from one pre-order walk).
"""

from __future__ import annotations

from typing import Any

import autofix_apps as apps
import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.policies.autofix import EcsExecAutoFix
from ecs_exec_guard.policies.autofix.render import stack_owners

pytestmark = pytest.mark.slow


def _errors(assembly: cdk.cx_api.CloudAssembly) -> list[tuple[str, str]]:
    templates = {s.template_file: s.template for s in assembly.stacks}
    return sorted((f.rule_id, f.logical_id) for f in analyze(templates).errors)


@jsii.implements(cdk.IAspect)
class _TurnExecOn:
    """A user's mutating aspect: turns exec on for every service it visits."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, ecs.CfnService):
            node.enable_execute_command = True


@jsii.implements(cdk.IAspect)
class _Record:
    """A later (read-only) aspect: records the paths of the endpoints it visits."""

    def __init__(self) -> None:
        self.endpoints: list[str] = []

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, ec2.CfnVPCEndpoint):
            self.endpoints.append(node.node.path)


def _exec_off_app(**context: Any) -> tuple[cdk.App, cdk.Stack]:
    app = cdk.App(context={"@aws-cdk/core:failSynthOnValidationErrors": False, **context})
    stack = cdk.Stack(app, "Ordering")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._isolated_vpc(stack))
    apps._service(stack, cluster, exec_on=False, init=True)
    return app, stack


@pytest.mark.parametrize("user_aspect_first", [True, False])
def test_runs_after_the_users_mutating_aspects_and_later_aspects_see_its_work(
    user_aspect_first: bool,
) -> None:
    app, _ = _exec_off_app()
    record = _Record()
    if user_aspect_first:
        cdk.Aspects.of(app).add(_TurnExecOn(), priority=cdk.AspectPriority.MUTATING)
        fix = EcsExecAutoFix.apply_to(app)
    else:
        fix = EcsExecAutoFix.apply_to(app)
        cdk.Aspects.of(app).add(_TurnExecOn(), priority=cdk.AspectPriority.MUTATING)
    cdk.Aspects.of(app).add(record, priority=cdk.AspectPriority.READONLY)
    assembly = app.synth()
    # The batch saw exec turned on by the user's aspect, whichever was added first ...
    assert _errors(assembly) == []
    assert any("ssmmessages" in change for change in fix.changes), fix.changes
    # ... and the read-only aspect visited the endpoint the batch created.
    assert record.endpoints == ["Ordering/Vpc/EcsExecSsmMessagesEndpoint/Resource"]
    assert fix.stats.snapshots == 1
    assert fix.stats.visits <= 2  # the anchor, and the anchor after the App's Tree


def test_the_per_construct_aspect_is_visited_once_per_construct() -> None:
    """The cost apply_to avoids: Aspects.of(app).add calls Python back for every construct."""
    app, _ = _exec_off_app()
    classic = EcsExecAutoFix()
    cdk.Aspects.of(app).add(classic, priority=cdk.AspectPriority.MUTATING)
    facade = EcsExecAutoFix.apply_to(app)
    app.synth()
    assert classic.stats.visits == len(app.node.find_all()) - 2  # not the anchors
    assert facade.stats.visits == 2


def test_without_aspect_stabilization_it_runs_where_it_is() -> None:
    app, _ = _exec_off_app(**{"@aws-cdk/core:aspectStabilization": False})
    fix = EcsExecAutoFix.apply_to(app, enable_exec=True)
    assembly = app.synth()
    assert _errors(assembly) == []
    assert fix.stats.visits == 1 and fix.has_run


def test_an_anchor_never_visited_fails_synthesis() -> None:
    """Stabilization off for one synth only: the moved anchor is not visited; no silent pass."""
    app, _ = _exec_off_app()
    fix = EcsExecAutoFix.apply_to(app, enable_exec=True)
    with pytest.raises(RuntimeError, match=r"EcsExecAutoFix applied to .* did not run"):
        app.synth(aspect_stabilization=False)
    assert not fix.has_run


def test_apply_to_twice_runs_both_in_order() -> None:
    app, _ = _exec_off_app()
    first = EcsExecAutoFix.apply_to(app, enable_exec=True)
    second = EcsExecAutoFix.apply_to(app, enable_exec=True)
    assembly = app.synth()
    assert _errors(assembly) == []
    assert first.changes and second.changes == []


def test_apply_to_a_stack_fixes_that_stack_only() -> None:
    app = apps.new_app()
    stacks = []
    for name in ("Fixed", "Left"):
        stack = cdk.Stack(app, name)
        cluster = ecs.Cluster(stack, "Cluster", vpc=apps._isolated_vpc(stack))
        apps._service(stack, cluster, init=True)
        stacks.append(stack)
    fix = EcsExecAutoFix.apply_to(stacks[0])
    assembly = app.synth()
    assert {stack for _, stack in _error_stacks(assembly)} == {"Left"}
    assert fix.changes and all("Left" not in c for c in fix.changes)


def _error_stacks(assembly: cdk.cx_api.CloudAssembly) -> list[tuple[str, str]]:
    out = []
    for s in assembly.stacks:
        report = analyze({s.template_file: s.template})
        out += [(f.rule_id, s.stack_name) for f in report.errors]
    return out


# -- the snapshot reads stacks in bulk ------------------------------------------------------------


def test_stack_owners_match_stack_of_for_nested_stacks_and_stages() -> None:
    app = cdk.App()
    parent = cdk.Stack(app, "Parent")
    sqs.CfnQueue(parent, "Before")
    nested = cdk.NestedStack(parent, "Nested")
    sqs.CfnQueue(nested, "InNested")
    inner = cdk.NestedStack(Construct(nested, "Group"), "Inner")
    sqs.CfnQueue(inner, "InInner")
    sqs.CfnQueue(nested, "AfterInner")
    sqs.CfnQueue(Construct(parent, "Group"), "After")
    other = cdk.Stack(app, "Other")
    sqs.CfnQueue(other, "Q")
    stage = cdk.Stage(app, "Stage")
    sqs.CfnQueue(cdk.Stack(stage, "Staged"), "Q")
    constructs = app.node.find_all()
    owners = stack_owners(constructs)
    expected: dict[str, str] = {}
    got: dict[str, str] = {}
    for c, owner in zip(constructs, owners.of, strict=True):
        if isinstance(c, cdk.CfnResource):
            expected[c.node.path] = cdk.Stack.of(c).node.path
            assert owner is not None
            got[c.node.path] = owners.paths[owner]
    assert got == expected
    assert expected["Parent/Nested/Group/Inner/InInner"] == "Parent/Nested/Group/Inner"
    assert expected["Parent/Nested/AfterInner"] == "Parent/Nested"
    assert expected["Parent/Group/After"] == "Parent"
    assert expected["Stage/Staged/Q"] == "Stage/Staged"
