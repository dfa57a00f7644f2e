"""The auto-fix's snapshot renders each stack in one call (policies/autofix/render.py).

What that brings, each against the shape that tells it apart: both entry points run after every
other aspect of the pass, property overrides the user made are seen, resources are paired with
their constructs by type order, with logical IDs read where the order cannot tell (a resource
type whose constructs do not each render one resource), and the one trace the render leaves in
the cloud assembly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import autofix_apps as apps
import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.policies.autofix import EcsExecAutoFix
from ecs_exec_guard.policies.autofix.common import construct_key
from ecs_exec_guard.policies.autofix.render import align, resource_type
from ecs_exec_guard.policies.autofix.snapshot import Snapshot

pytestmark = pytest.mark.slow


def _findings(assembly: cdk.cx_api.CloudAssembly) -> list[tuple[str, str, str]]:
    templates = {s.template_file: s.template for s in assembly.stacks}
    return sorted(
        (f.rule_id, f.severity.value, f.logical_id) for f in analyze(templates).findings
    )


def _fix(app: cdk.App, entry: str) -> EcsExecAutoFix:
    return apps.add_fixes(app, 1, entry=entry)[0]


@jsii.implements(cdk.IAspect)
class _TurnExecOn:
    """A user's aspect at the default priority: turns exec on for every service it visits."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, ecs.CfnService):
            node.enable_execute_command = True


@pytest.mark.parametrize("entry", apps.ENTRIES)
def test_both_entry_points_run_after_the_other_aspects_of_the_pass(entry: str) -> None:
    """``Aspects.of(app).add`` used to take its batch on its first visit (the App), before a
    user's aspect of a later priority had visited the services: exec was still off then, so
    nothing was fixed. Both entry points now take it at an anchor at the end of the scope."""
    app = apps.new_app()
    stack = cdk.Stack(app, "Ordering")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._isolated_vpc(stack))
    apps._service(stack, cluster, exec_on=False, init=True)
    fix = _fix(app, entry)
    cdk.Aspects.of(app).add(_TurnExecOn(), priority=cdk.AspectPriority.DEFAULT)
    assembly = app.synth()
    assert _findings(assembly) == []
    assert any("ssmmessages" in change for change in fix.changes), fix.changes
    assert fix.stats.snapshots == 1


@pytest.mark.parametrize("entry", apps.ENTRIES)
def test_a_users_property_override_is_seen_and_repaired(entry: str) -> None:
    """The user made the container read-only with a raw override (CDK keeps overrides
    private): the rendered template shows it, so the fix repairs it (CTR1 gone)."""
    app = apps.new_app()
    stack = cdk.Stack(app, "Overridden")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._nat_vpc(stack))
    service = apps._service(stack, cluster, readonly=False, init=True)
    cfn_td = service.task_definition.node.default_child
    assert isinstance(cfn_td, ecs.CfnTaskDefinition)
    cfn_td.add_property_override("ContainerDefinitions.0.ReadonlyRootFilesystem", True)
    fix = _fix(app, entry)
    assembly = app.synth()
    assert _findings(assembly) == []
    assert [c for c in fix.changes if "ReadonlyRootFilesystem to false" in c], fix.changes


def test_a_type_whose_constructs_do_not_each_render_is_read_by_logical_id() -> None:
    """An ``iam.Policy`` with no statement renders nothing, so the stack's policies cannot be
    paired by order; their logical IDs are read instead. Every element of the snapshot is the
    construct whose logical ID it has."""
    app = apps.new_app()
    stack = cdk.Stack(app, "Skipped")
    empty = iam.Policy(stack, "Empty")  # renders no AWS::IAM::Policy
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._nat_vpc(stack))
    service = apps._service(stack, cluster, init=True)
    service.task_definition.add_to_task_role_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"])
    )
    snap = Snapshot(app.node.find_all())
    elements = list(snap.elements.values())
    policies = [el for el in elements if el.type == "AWS::IAM::Policy"]
    assert [el.construct.node.path for el in policies] == [
        "Skipped/ServiceTask/TaskRole/DefaultPolicy/Resource"
    ]
    assert [el.logical_id for el in elements] == stack.resolve(
        [el.construct.logical_id for el in elements]
    )
    assert construct_key(empty.node.default_child) not in snap.by_construct


def test_align_pairs_by_type_order_and_reads_where_counts_differ() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Align")
    queues = [sqs.CfnQueue(stack, f"Q{i}") for i in range(3)]
    extra = sqs.CfnQueue(stack, "Renamed")
    extra.override_logical_id("Custom")
    constructs: list[tuple[cdk.CfnResource, str | None]] = [
        (c, resource_type(c)) for c in [*queues, extra]
    ]
    template: dict[str, Any] = json.loads(
        json.dumps(app.synth().get_stack_artifact(stack.artifact_id).template)
    )
    resources = template["Resources"]
    paired = align(stack, constructs, resources)
    assert {lid: c.node.id for lid, c in paired.items()} == {
        lid: c.node.id for lid, c in zip(resources, [*queues, extra], strict=True)
    }
    # One resource missing from the template (as a construct that renders nothing would
    # leave it): the type's logical IDs are read, and the others still pair.
    del resources["Custom"]
    paired = align(stack, constructs, resources)
    assert sorted(c.node.id for c in paired.values()) == ["Q0", "Q1", "Q2"]
    assert all(resources[lid]["Type"] == "AWS::SQS::Queue" for lid in paired)


def _template_file_entries(outdir: Path) -> list[dict[str, Any]]:
    metadata = json.loads((outdir / "Isolated.metadata.json").read_text())
    return [e for es in metadata.values() for e in es if e["type"] == "aws:cdk:templateFile"]


def test_the_render_repeats_one_metadata_entry_per_stack(tmp_path: Path) -> None:
    """The one trace of the render in the cloud assembly (README says so): CDK notes the
    template file's name in the stack's metadata each time it renders it, so the entry CDK
    writes anyway appears twice."""
    fixed, plain = tmp_path / "fixed", tmp_path / "plain"
    apps.isolated_vpc(outdir=str(fixed), entry="apply_to").synth()
    apps.isolated_vpc(0, outdir=str(plain)).synth()
    entry = {"type": "aws:cdk:templateFile", "data": "Isolated.template.json"}
    assert _template_file_entries(plain) == [entry]
    assert _template_file_entries(fixed) == [entry, entry]
