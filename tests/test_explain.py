"""`ecs-exec-guard explain`: the chain of facts behind one launch's verdict.

A healthy app (the compliant template of tests/cfn.py) and its broken twin (isolated subnet
without an endpoint, read-only root filesystem, a Deny on one ssmmessages action, egress on
port 80 only) are explained as text and as Mermaid; snapshots pin both renderings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfn import ALLOW_ALL_EGRESS, EXEC_ACTIONS, Template, arn, deny, exec_app, ref

from ecs_exec_guard.analysis.explain import BROKEN, OK, UNKNOWN, ExplainError, Link, explain
from ecs_exec_guard.analysis.explain_render import render_mermaid, render_text
from ecs_exec_guard.cli import main


def healthy() -> Template:
    t = exec_app()
    t.resources["Service"]["Metadata"] = {"aws:cdk:path": "App/Web/Service/Service"}
    return t


def broken() -> Template:
    t = healthy()
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("IsolatedSubnet")
    ]
    t.container()["ReadonlyRootFilesystem"] = True
    t.policy("DenyData", deny("ssmmessages:OpenDataChannel"), roles=["TaskRole"])
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
    ]
    return t


def chains(t: Template, target: str = "Service") -> list[Link]:
    return explain({t.name: t.body()}, target)


def walk(link: Link) -> list[Link]:
    return [link, *(x for c in link.children for x in walk(c))]


def by_kind(chain: list[Link], kind: str) -> list[Link]:
    return [x for c in chain for x in walk(c) if x.kind == kind]


def test_healthy_chain_holds_everywhere() -> None:
    chain = chains(healthy())
    assert [c.verdict for c in chain] == [OK]
    assert {x.verdict for x in walk(chain[0])} <= {OK, "info"}
    actions = by_kind(chain, "action")
    assert [a.title for a in actions] == [
        "ssmmessages:CreateControlChannel: allow",
        "ssmmessages:CreateDataChannel: allow",
        "ssmmessages:OpenControlChannel: allow",
        "ssmmessages:OpenDataChannel: allow",
    ]
    # The private subnet's way out: route table, NAT gateway, its subnet, the internet gateway.
    gateways = [g.title for g in by_kind(chain, "gateway")]
    assert gateways == ["Nat (AWS::EC2::NatGateway)", "Igw (AWS::EC2::InternetGateway)"]


def test_broken_chain_names_each_broken_link() -> None:
    chain = chains(broken())
    assert chain[0].verdict == BROKEN
    broken_titles = [x.title for x in walk(chain[0]) if x.verdict == BROKEN]
    assert broken_titles == [
        "Service (AWS::ECS::Service) [App/Web/Service/Service]: service",
        "task definition TaskDef (AWS::ECS::TaskDefinition)",
        "task role TaskRole (AWS::IAM::Role)",
        "ssmmessages:OpenDataChannel: deny",
        "Deny in DenyData: Action ssmmessages:OpenDataChannel; Resource *",
        'container app',
        "network (mode awsvpc)",
        "subnet IsolatedSubnet (AWS::EC2::Subnet)",
        "route table IsolatedSubnetRouteTable (AWS::EC2::RouteTable)",
        "egress TCP 443 to the internet (0.0.0.0/0)",
        "no ssmmessages endpoint in the VPC",
    ]
    # The findings of `check` are on the links they concern.
    td = by_kind(chain, "task-definition")[0]
    assert any(d.startswith("EcsExec-CTR1 (error):") for d in td.details), td.details


def test_unknown_facts_are_links_that_cannot_be_verified() -> None:
    t = healthy()
    t.props("TaskDef")["TaskRoleArn"] = "arn:aws:iam::123456789012:role/Imported"
    chain = chains(t)
    role = by_kind(chain, "task-role")[0]
    assert (role.title, role.verdict) == (
        "task role arn:aws:iam::123456789012:role/Imported",
        UNKNOWN,
    )
    assert role.details == ["not in the input: its permissions cannot be read"]


def test_launch_by_construct_path_and_by_template_and_id() -> None:
    t = healthy()
    by_id = render_text(chains(t, "Service"))
    assert render_text(chains(t, "App/Web/Service/Service")) == by_id
    assert render_text(chains(t, "App.template.json/Service")) == by_id


def test_launch_by_the_construct_a_user_wrote() -> None:
    # An L2/L3 service's L1 sits at App/Web/Service/Service; users name "Web" or "App/Web"
    # (README's `explain Web cdk.out`), as CDK's own warnings name the construct.
    t = healthy()
    by_id = render_text(chains(t, "Service"))
    assert render_text(chains(t, "Web")) == by_id
    assert render_text(chains(t, "App/Web")) == by_id
    assert render_text(chains(t, "/App/Web/")) == by_id


def test_a_construct_name_shared_by_two_launches_is_refused() -> None:
    one, other = healthy(), healthy()
    other.resources["Service"]["Metadata"] = {"aws:cdk:path": "Other/Web/Service/Service"}
    inputs = {"App.template.json": one.body(), "Other.template.json": other.body()}
    with pytest.raises(ExplainError) as err:
        explain(inputs, "Web")
    assert str(err.value) == (
        "'Web' names several launches (App/Web/Service/Service, Other/Web/Service/Service): "
        "give one's construct path or logical ID"
    )
    assert [c.title for c in explain(inputs, "Other/Web")] == [
        "Service (AWS::ECS::Service) [Other/Web/Service/Service]: service"
    ]
    # Part of a segment is not a name.
    with pytest.raises(ExplainError, match="no launch named 'We'"):
        explain(inputs, "We")


def test_unknown_launch_lists_the_launches() -> None:
    with pytest.raises(ExplainError) as err:
        chains(healthy(), "Nope")
    assert str(err.value) == (
        "no launch named 'Nope' in the input (launches: App/Web/Service/Service)"
    )


@pytest.mark.parametrize("name", ["healthy", "broken"])
def test_text_snapshot(name: str, snapshot: Any) -> None:
    t = {"healthy": healthy, "broken": broken}[name]()
    assert render_text(chains(t)) == snapshot


@pytest.mark.parametrize("name", ["healthy", "broken"])
def test_mermaid_snapshot(name: str, snapshot: Any) -> None:
    t = {"healthy": healthy, "broken": broken}[name]()
    text = render_mermaid(chains(t))
    assert text == snapshot
    assert text.startswith("flowchart TD\n")
    if name == "broken":
        assert "classDef broken" in text and "linkStyle" in text
        assert "\n    class " in text and " broken\n" in text


def test_mermaid_escapes_labels() -> None:
    t = healthy()
    t.container()["Name"] = 'a"b<c>|d'
    text = render_mermaid(chains(t))
    assert 'container a#quot;b#lt;c#gt;#124;d' in text


# -- the subcommand -------------------------------------------------------------------------


def write(tmp_path: Path, t: Template) -> Path:
    path = tmp_path / "App.template.json"
    path.write_text(json.dumps(t.body(), indent=1), encoding="utf-8")
    return path


def test_cli_explain_text_mermaid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, broken())
    assert main(["explain", "Service", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("[BROKEN] Service (AWS::ECS::Service) [App/Web/Service/Service]")
    assert main(["explain", "App/Web/Service/Service", str(path), "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD\n")
    assert main(["explain", "Service", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc[0]["verdict"] == "broken" and doc[0]["kind"] == "launch"


def test_cli_explain_unknown_launch_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, healthy())
    assert main(["explain", "Nope", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "ecs-exec-guard: error: no launch named 'Nope' in the input "
        "(launches: App/Web/Service/Service)"
    ]


def test_icmp_egress_reads_as_type_and_code_and_cdk_placeholder_is_named() -> None:
    # aws-cdk-lib's SecurityGroup(allow_all_outbound=False) writes this rule (its
    # "Disallow all traffic" placeholder); for ICMP, FromPort/ToPort are type and code.
    t = broken()
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
         "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}
    ]
    (sg,) = by_kind(chains(t), "security-group")
    assert sg.details == [
        "egress icmp type 252 code 86 to 255.255.255.255/32 "
        "(CDK's placeholder for allow_all_outbound=False: no traffic)"
    ]
    # The twin: a real ICMP rule (echo request) is shown as such, with no placeholder note.
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "FromPort": 8, "IpProtocol": "icmp", "ToPort": -1}
    ]
    (sg,) = by_kind(chains(t), "security-group")
    assert sg.details == ["egress icmp type 8 code -1 to 0.0.0.0/0"]


def test_allow_all_egress_constant_is_unchanged() -> None:
    # The broken twin replaces exactly this rule; keep the healthy app's egress as documented.
    assert healthy().props("TaskSg")["SecurityGroupEgress"] == ALLOW_ALL_EGRESS


def test_the_launchs_task_role_override_is_the_role_explained() -> None:
    # A state machine whose runTask state overrides the task role with one lacking exec's
    # permissions: IAM2 is on that role, and explain follows it (not the task definition's).
    t = exec_app()
    t.remove("Service")
    t.state_machine(Overrides={"TaskRoleArn": arn("OverrideRole")})
    t.role("OverrideRole")
    chain = chains(t, "StateMachine")
    td = by_kind(chain, "task-definition")[0]
    assert "task role overridden by the launch (Overrides.TaskRoleArn)" in td.details
    role = by_kind(chain, "task-role")[0]
    assert (role.title, role.verdict) == ("task role OverrideRole (AWS::IAM::Role)", BROKEN)
    assert [a.title for a in by_kind(chain, "action")] == [
        f"{action}: implicit-deny" for action in EXEC_ACTIONS
    ]


# -- network ACLs (NET8's facts) --------------------------------------------------------------


def with_task_acl(allow_return_traffic: bool) -> Template:
    """The healthy app with a network ACL on the tasks' subnet, in the shape CDK's
    NetworkAcl.add_entry writes (AWS::EC2::NetworkAclEntry, SubnetNetworkAclAssociation):
    outbound 443 allowed; inbound 1024-65535 (the return traffic) allowed or not."""
    t = healthy()
    t.add("TaskAcl", "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    t.add("TaskAclAssociation", "AWS::EC2::SubnetNetworkAclAssociation",
          SubnetId=ref("PrivateSubnet"), NetworkAclId=ref("TaskAcl"))
    t.add("TaskAclOut443", "AWS::EC2::NetworkAclEntry", NetworkAclId=ref("TaskAcl"),
          RuleNumber=100, Protocol=6, RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0",
          PortRange={"From": 443, "To": 443})
    if allow_return_traffic:
        t.add("TaskAclInEphemeral", "AWS::EC2::NetworkAclEntry", NetworkAclId=ref("TaskAcl"),
              RuleNumber=100, Protocol=6, RuleAction="allow", Egress=False,
              CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    return t


def test_acl_that_blocks_the_return_traffic_is_a_broken_link() -> None:
    chain = chains(with_task_acl(allow_return_traffic=False))
    (acl,) = [a for a in by_kind(chain, "acl") if a.title == "network ACL TaskAcl"]
    assert acl.verdict == BROKEN
    assert acl.details == [
        "inbound TCP 1024-65535 from 0.0.0.0/0: deny (no entry allows it)"
    ]
    net = by_kind(chain, "network")[0]
    assert net.verdict == BROKEN
    assert any(d.startswith("EcsExec-NET8 (error):") for d in net.details), net.details


def test_acl_that_lets_exec_through_holds() -> None:
    chain = chains(with_task_acl(allow_return_traffic=True))
    (acl,) = [a for a in by_kind(chain, "acl") if a.title == "network ACL TaskAcl"]
    assert (acl.verdict, acl.details) == (
        OK, ["lets exec's TCP 443 and its return traffic through"]
    )
    assert chain[0].verdict == OK
