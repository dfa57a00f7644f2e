"""What the auto-fix saves in bridge calls, each against the shape that tells it apart.

A rule of a security group goes into its ``SecurityGroup`` when the group's L1 is that L2's
default child, told from the construct tree's pre-order (no call); a new rule or endpoint gets
its ID by trying the base ID first (``add_child``: one call when it is free, the next free one
when it is taken); a service whose cluster and subnets are both in one of several identical
network stacks has its unresolved properties read once, not once per property.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import autofix_apps as apps
import aws_cdk as cdk
import jsii._kernel.providers.process as jsii_process
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from l3_apps import isolated_vpc

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.policies.autofix import EcsExecAutoFix
from ecs_exec_guard.policies.autofix.common import add_child
from ecs_exec_guard.policies.autofix.snapshot import Snapshot

pytestmark = pytest.mark.slow


def _errors(app: cdk.App) -> list[tuple[str, str]]:
    assembly = app.synth()
    templates = {s.template_file: s.template for s in assembly.stacks}
    return sorted(
        (f.rule_id, f.logical_id)
        for f in analyze(templates).findings
        if f.severity.value == "error"
    )


class _Calls:
    """The bridge requests sent while active, by kind and member name."""

    def __init__(self) -> None:
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.active = False

    def of(self, member: str) -> int:
        return sum(n for (_, name), n in self.counts.items() if name == member)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Calls]:
    seen = _Calls()
    send = jsii_process._NodeProcess.send

    def counting(self: Any, request: Any, response_type: Any) -> Any:
        if seen.active:
            member = getattr(request, "property", None) or getattr(request, "method", None)
            seen.counts[(type(request).__name__, str(member or getattr(request, "fqn", "")))] += 1
        return send(self, request, response_type)

    monkeypatch.setattr(jsii_process._NodeProcess, "send", counting)
    yield seen


# -- add_child ------------------------------------------------------------------------------


def _ingress(scope: cdk.Stack) -> Any:
    return lambda rid: ec2.CfnSecurityGroupIngress(scope, rid, ip_protocol="tcp")


def test_add_child_uses_the_base_id_when_it_is_free(calls: _Calls) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    calls.active = True
    rule = add_child(stack, "Rule", _ingress(stack))
    calls.active = False
    assert rule.node.id == "Rule"
    assert sum(calls.counts.values()) == 1  # the create; no lookup first


def test_add_child_takes_the_next_free_id_when_the_base_is_taken() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    ec2.CfnSecurityGroupIngress(stack, "Rule", ip_protocol="tcp")
    ec2.CfnSecurityGroupIngress(stack, "Rule2", ip_protocol="tcp")
    assert add_child(stack, "Rule", _ingress(stack)).node.id == "Rule3"
    assert [c.node.id for c in stack.node.children] == ["Rule", "Rule2", "Rule3"]


def test_add_child_raises_what_is_not_a_taken_id() -> None:
    stack = cdk.Stack(cdk.App(), "S")

    def broken(rid: str) -> Any:
        raise RuntimeError("Invalid value for ip_protocol")

    with pytest.raises(RuntimeError, match="ip_protocol"):
        add_child(stack, "Rule", broken)


# -- which SecurityGroup owns an L1 -----------------------------------------------------------


def test_the_security_group_of_an_l1_is_told_from_the_tree_order() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[])
    group = ec2.SecurityGroup(stack, "Group", vpc=vpc)
    # A second CfnSecurityGroup under an L2 group: not its default child.
    extra = ec2.CfnSecurityGroup(group, "Extra", group_description="x", vpc_id=vpc.vpc_id)
    bare = ec2.CfnSecurityGroup(stack, "Bare", group_description="y", vpc_id=vpc.vpc_id)
    snap = Snapshot(app.node.find_all())
    by_id = {el.construct.node.path: el for el in snap.elements.values()}
    found = snap.security_group_l2(by_id["S/Group/Resource"])
    assert found is not None and found.node.path == "S/Group"
    assert snap.security_group_l2(by_id[extra.node.path]) is None
    assert snap.security_group_l2(by_id[bare.node.path]) is None


def test_a_rule_of_a_second_l1_under_a_security_group_goes_next_to_that_l1(
    tmp_path: Path,
) -> None:
    """The fix's egress rule for a task group that is a CfnSecurityGroup added under an L2
    SecurityGroup (not its default child): named after the L1, beside it, as before."""
    app = apps.new_app(str(tmp_path))
    stack = cdk.Stack(app, "S")
    vpc = isolated_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    holder = ec2.SecurityGroup(stack, "Holder", vpc=vpc)
    task_group = ec2.CfnSecurityGroup(
        holder, "Tasks", group_description="tasks", vpc_id=vpc.vpc_id,
        security_group_egress=[
            ec2.CfnSecurityGroup.EgressProperty(ip_protocol="udp", cidr_ip="10.0.0.0/8",
                                                from_port=53, to_port=53)
        ],
    )
    service = apps._service(stack, cluster, init=True)
    service.node.default_child.add_property_override(  # type: ignore[union-attr]
        "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", [task_group.attr_group_id]
    )
    EcsExecAutoFix.apply_to(app)
    assert _errors(app) == []
    children = [c.node.id for c in holder.node.children]
    assert "TasksEcsExecHttpsEgress" in children
    assert "EcsExecHttpsEgress" not in children


# -- rule IDs already taken -----------------------------------------------------------------


@pytest.mark.parametrize("entry", apps.ENTRIES)
def test_an_ingress_rule_whose_id_is_taken_gets_the_next_one(entry: str, tmp_path: Path) -> None:
    app = apps.new_app(str(tmp_path))
    stack = cdk.Stack(app, "S")
    vpc = isolated_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    service = apps._service(stack, cluster, init=True)
    group = service.connections.security_groups[0]
    cdk.CfnOutput(group, "EcsExecEndpointIngress", value="taken by the user")
    apps.add_fixes(app, 1, entry=entry)
    assert _errors(app) == []
    rules = [c for c in group.node.children if isinstance(c, ec2.CfnSecurityGroupIngress)]
    assert [r.node.id for r in rules] == ["EcsExecEndpointIngress2"]


# -- ambiguous cross-stack references ---------------------------------------------------------


def _two_network_stacks(
    services: int, outdir: str | None = None
) -> tuple[cdk.App, list[ecs.FargateService]]:
    """Network1 and Network2, each with the same ``Vpc`` and ``Cluster`` (same logical IDs);
    every service runs on Network2's cluster: its Cluster and its subnets are references that
    only the reference tokens tell apart (the bench app's shape)."""
    app = apps.new_app(outdir)
    clusters = []
    for name in ("Network1", "Network2"):
        net = cdk.Stack(app, name)
        clusters.append(ecs.Cluster(net, "Cluster", vpc=isolated_vpc(net)))
    stack = cdk.Stack(app, "Services")
    made = [apps._service(stack, clusters[1], f"Service{i}", init=True) for i in range(services)]
    return app, made


def test_a_service_whose_cluster_and_subnets_are_ambiguous_is_read_once(
    calls: _Calls,
) -> None:
    app, services = _two_network_stacks(3)
    calls.active = True
    snap = Snapshot(app.node.find_all())
    calls.active = False
    assert calls.of("cfnProperties") == 3  # one read per service: NetworkConfiguration
    assert calls.of("cluster") == 0  # Cluster came from that same read
    cluster_refs = set()
    for service in services:
        el = snap.by_construct[service.node.default_child.__jsii_ref__.ref]  # type: ignore[union-attr]
        linked = snap.templates["Services.template.json"]["Resources"][el.logical_id]
        cluster_refs.add(str(linked["Properties"]["Cluster"]))
    assert len(cluster_refs) == 1 and "Network2" in next(iter(cluster_refs))


def test_the_fix_of_services_on_the_second_of_two_identical_stacks_lands_there(
    tmp_path: Path,
) -> None:
    app, _ = _two_network_stacks(2, str(tmp_path))
    EcsExecAutoFix.apply_to(app)
    assert _errors(app) == []
    assembly = app.synth()
    network1 = assembly.get_stack_by_name("Network1").template["Resources"]
    network2 = assembly.get_stack_by_name("Network2").template["Resources"]
    assert not any(r["Type"] == "AWS::EC2::VPCEndpoint" for r in network1.values())
    assert [r["Type"] for r in network2.values()].count("AWS::EC2::VPCEndpoint") == 1
