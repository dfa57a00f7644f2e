"""Security-group rules as ``GroupIndex`` reads them and ``egress_verdict`` judges them (issue 15
item 1): the whole rule lists, each way a rule can admit TCP 443 or fail to be judged, the
reasons given, and what the checks charge to the network budget.

Shapes: AWS::EC2::SecurityGroup SecurityGroupIngress / SecurityGroupEgress (IpProtocol,
FromPort, ToPort, CidrIp, CidrIpv6, Source/DestinationSecurityGroupId,
Source/DestinationPrefixListId), AWS::EC2::SecurityGroupIngress / SecurityGroupEgress (GroupId),
AWS::EC2::PrefixList Entries[].Cidr (cfn-lint schemas); CDK's ``restrictDefaultSecurityGroup``
writes a ``Custom::VpcRestrictDefaultSG`` whose DefaultSecurityGroupId is
``Fn::GetAtt <Vpc>.DefaultSecurityGroup``.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, ref
from netindex import index_of, res

from ecs_exec_guard.analysis.intrinsics import GetAtt, Param, Ref
from ecs_exec_guard.analysis.network import SgRule, egress_allows, egress_verdict
from ecs_exec_guard.analysis.network.groups import covers_https, ip_network, same_group

T = "App.template.json"


def rule(protocol: Any, low: Any = None, high: Any = None, **peer: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"IpProtocol": protocol, **peer}
    if low is not None:
        out["FromPort"] = low
    if high is not None:
        out["ToPort"] = high
    return out


def groups_app() -> Template:
    t = Template()
    t.vpc()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.parameters["Peer"] = {"Type": "String"}
    t.security_group("Open")  # no egress rule: allows all
    t.security_group("Empty", egress=[])  # an empty list: allows all as well
    t.security_group("Https", egress=[rule("tcp", 443, 443, CidrIp="0.0.0.0/0")],
                     ingress=[rule("tcp", 443, 443, SourceSecurityGroupId=att("Open", "GroupId")),
                              rule("-1", CidrIpv6="::/0"),
                              rule("tcp", 443, 443, SourcePrefixListId=ref("Pl"))])
    t.security_group("Closed", egress=[rule("icmp", 252, 86, CidrIp="255.255.255.255/32")])
    t.add("ClosedEgress", "AWS::EC2::SecurityGroupEgress", GroupId=att("Closed", "GroupId"),
          IpProtocol="tcp", FromPort=443, ToPort=443,
          DestinationSecurityGroupId=att("Https", "GroupId"))
    t.add("HttpsIngress", "AWS::EC2::SecurityGroupIngress", GroupId=ref("Https"),
          IpProtocol="6", FromPort=1, ToPort=65535, SourcePrefixListId=ref("Pl"))
    t.add("HttpsIngress2", "AWS::EC2::SecurityGroupIngress", GroupId=ref("Https"),
          IpProtocol="tcp", FromPort=443, ToPort=443, SourceSecurityGroupId=ref("Closed"))
    t.add("ClosedEgress2", "AWS::EC2::SecurityGroupEgress", GroupId=ref("Closed"),
          IpProtocol="tcp", FromPort=443, ToPort=443, DestinationPrefixListId=ref("Pl"))
    t.add("OutsideIngress", "AWS::EC2::SecurityGroupIngress", GroupId="sg-0123456789abcdef0",
          IpProtocol="-1", CidrIp="0.0.0.0/0")
    t.add("OutsideEgress", "AWS::EC2::SecurityGroupEgress", GroupId="sg-0123456789abcdef0",
          IpProtocol="-1", CidrIp="0.0.0.0/0")
    t.security_group("Params", egress=[
        rule("tcp", 443, 443, DestinationSecurityGroupId=ref("Peer")),
        rule("tcp", 443, 443, DestinationPrefixListId="pl-0123456789abcdef0")])
    t.add("Pl", "AWS::EC2::PrefixList", AddressFamily="IPv4", MaxEntries=2, PrefixListName="pl",
          Entries=[{"Cidr": "10.0.0.0/16"}, {"Cidr": "192.168.0.0/16"}])
    t.add("BadPl", "AWS::EC2::PrefixList", AddressFamily="IPv4", MaxEntries=2,
          PrefixListName="bad", Entries=ref("Peer"))
    t.add("Restrict", "Custom::VpcRestrictDefaultSG",
          DefaultSecurityGroupId=att("Vpc", "DefaultSecurityGroup"))
    t.add("RestrictOutside", "Custom::VpcRestrictDefaultSG",
          DefaultSecurityGroupId="sg-0123456789abcdef0")
    t.add("RestrictOdd", "Custom::VpcRestrictDefaultSG",
          DefaultSecurityGroupId=att("Open", "GroupId"))  # not a VPC's default group
    # Rules of resources that are not security groups are nobody's.
    t.add("OddIngress", "AWS::EC2::SecurityGroupIngress", GroupId=ref("Vpc"),
          IpProtocol="-1", CidrIp="0.0.0.0/0")
    t.add("OddEgress", "AWS::EC2::SecurityGroupEgress", GroupId=ref("Vpc"),
          IpProtocol="-1", CidrIp="0.0.0.0/0")
    return t


def test_the_rules_of_every_group() -> None:
    model, index = index_of(groups_app())
    g = index.groups
    sg = {name: res(model, name) for name in ("Open", "Empty", "Https", "Closed", "Params")}
    assert dict(g.ingress) == {
        sg["Https"]: [
            SgRule("tcp", 443, 443, None, Ref(T, "Open"), None, None),
            SgRule("-1", None, None, None, None, None, "::/0"),
            SgRule("tcp", 443, 443, None, None, Ref(T, "Pl"), None),
            SgRule("6", 1, 65535, None, None, Ref(T, "Pl"), None),
            SgRule("tcp", 443, 443, None, Ref(T, "Closed"), None, None),
        ],
    }
    assert dict(g.egress) == {
        sg["Https"]: [SgRule("tcp", 443, 443, "0.0.0.0/0", None, None, None)],
        sg["Closed"]: [
            SgRule("icmp", 252, 86, "255.255.255.255/32", None, None, None),
            SgRule("tcp", 443, 443, None, Ref(T, "Https"), None, None),
            SgRule("tcp", 443, 443, None, None, Ref(T, "Pl"), None),
        ],
        sg["Params"]: [
            SgRule("tcp", 443, 443, None, Param(T, "Peer"), None, None),
            SgRule("tcp", 443, 443, None, None, "pl-0123456789abcdef0", None),
        ],
    }
    assert g.inline_egress == {sg["Open"]: False, sg["Empty"]: False, sg["Https"]: True,
                               sg["Closed"]: True, sg["Params"]: True}
    assert g.restricted_default_sg == {res(model, "Vpc")}
    assert g.egress_rules(sg["Open"]) is None
    assert g.egress_rules(sg["Empty"]) is None
    assert g.egress_rules(sg["Closed"]) == g.egress[sg["Closed"]]
    assert g.prefix_list_cidrs(Ref(T, "Pl")) == ["10.0.0.0/16", "192.168.0.0/16"]
    assert g.prefix_list_cidrs(Ref(T, "BadPl")) is None
    assert g.prefix_list_cidrs(Ref(T, "Https")) is None  # not a prefix list
    assert g.prefix_list_cidrs("pl-0123456789abcdef0") is None


@pytest.mark.parametrize(
    ("protocol", "low", "high", "expected"),
    [
        ("-1", None, None, True), ("ALL", None, None, True), (-1, None, None, True),
        ("tcp", 443, 443, True), ("TCP", "400", "500", True), (6, 0, 65535, True),
        ("6", -1, -1, True), ("tcp", -1, 443, True), ("tcp", 444, -1, False),
        ("tcp", 444, 500, False),
        ("tcp", 1, 442, False), ("tcp", 443, None, None), ("tcp", "x", 443, None),
        ("udp", 443, 443, False), ("17", 443, 443, False), ("icmp", -1, -1, False),
        (Param(T, "P"), 443, 443, None),
    ],
)
def test_covers_https(protocol: Any, low: Any, high: Any, expected: bool | None) -> None:
    assert covers_https(SgRule(protocol, low, high, "0.0.0.0/0", None, None)) is expected


def test_ip_network() -> None:
    assert str(ip_network("10.0.0.5/16")) == "10.0.0.0/16"
    assert str(ip_network("2001:db8::/32")) == "2001:db8::/32"
    assert ip_network("nope") is None
    assert ip_network(None) is None
    assert ip_network(Ref(T, "Vpc")) is None


def test_same_group() -> None:
    model, _ = index_of(groups_app())
    https, opened = Ref(T, "Https"), Ref(T, "Open")
    outside_a = GetAtt("Other.template.json", "Sg", "GroupId")
    outside_b = GetAtt("Other.template.json", "Sg", "GroupId")
    assert same_group(model, https, GetAtt(T, "Https", "GroupId")) is True
    assert same_group(model, https, opened) is False
    assert same_group(model, https, "sg-0123456789abcdef0") is False
    assert same_group(model, "sg-0123456789abcdef0", https) is False
    assert same_group(model, outside_a, outside_b) is True
    assert same_group(model, outside_a, GetAtt("Other.template.json", "Sg2", "GroupId")) is False
    assert same_group(model, outside_a, https) is False
    assert same_group(model, https, outside_a) is False
    assert same_group(model, "sg-0123456789abcdef0", "sg-0123456789abcdef0") is True
    assert same_group(model, "sg-0123456789abcdef0", "sg-0123456789abcdef1") is False
    assert same_group(model, 5, 5) is False


def verdict(*groups: Any, dest_groups: Any = (), dest_cidrs: Any = ("0.0.0.0/0",)) -> Any:
    model, index = index_of(groups_app())
    out = egress_verdict(model, index.groups, list(groups), list(dest_groups), list(dest_cidrs))
    assert egress_allows(model, index, list(groups), list(dest_groups), list(dest_cidrs)) == out
    return out


def test_egress_verdicts() -> None:
    https, closed, params = Ref(T, "Https"), Ref(T, "Closed"), Ref(T, "Params")
    assert verdict(Ref(T, "Open")) == (True, "")
    assert verdict(Ref(T, "Empty")) == (True, "")
    assert verdict(https) == (True, "")
    assert verdict(closed) == (False, "")
    assert verdict(closed, dest_groups=[https]) == (True, "")
    assert verdict(closed, dest_groups=[Ref(T, "Open")]) == (False, "")
    assert verdict() == (False, "")
    assert verdict(params) == (None, (
        "an egress rule of Params cannot be resolved (prefix list \"pl-0123456789abcdef0\" is "
        "not in the input)"))
    assert verdict(params, closed) == verdict(params)
    assert verdict(params, https) == (True, "")
    assert verdict("sg-0123456789abcdef0", Param(T, "Peer")) == (None, (
        'security group "sg-0123456789abcdef0" is not in the input; a security group cannot '
        "be resolved (parameter Peer (set at deploy time))"))
    assert verdict(Ref(T, "Vpc")) == (None, "security group Vpc is not in the input")


def test_each_reason_once() -> None:
    t = groups_app()
    t.security_group("Task", egress=[
        rule("tcp", 443, 443, DestinationPrefixListId="pl-0123456789abcdef0"),
        rule("tcp", 443, 443, DestinationPrefixListId="pl-0123456789abcdef1"),
        rule("tcp", 443, 443, DestinationPrefixListId="pl-0123456789abcdef0"),
    ])
    model, index = index_of(t)
    assert egress_verdict(model, index.groups, [Ref(T, "Task"), Ref(T, "Params")], [],
                          ["0.0.0.0/0"]) == (None, (
        'an egress rule of Task cannot be resolved (prefix list "pl-0123456789abcdef0" is not '
        'in the input; prefix list "pl-0123456789abcdef1" is not in the input); an egress rule '
        'of Params cannot be resolved (prefix list "pl-0123456789abcdef0" is not in the '
        "input)"))


def test_the_default_security_group_of_a_vpc() -> None:
    default = GetAtt(T, "Vpc", "DefaultSecurityGroup")
    other = GetAtt(T, "OtherVpc", "DefaultSecurityGroup")
    outside = GetAtt(T, "Imported", "DefaultSecurityGroup")
    # CDK restricted Vpc's default group: it has no rules, so it lets nothing out.
    assert verdict(default) == (False, "")
    assert verdict(default, Ref(T, "Https")) == (True, "")
    assert verdict(other) == (True, "")
    assert verdict(default, other) == (True, "")
    assert verdict(outside) == (None, "the VPC default security group")
    assert verdict(outside, Ref(T, "Closed")) == (None, "the VPC default security group")
    assert verdict(outside, Ref(T, "Https")) == (True, "")
    # Another attribute of a VPC is not its default security group.
    assert verdict(GetAtt(T, "Vpc", "CidrBlock")) == (
        None, "security group Vpc.CidrBlock is not in the input")


@pytest.mark.parametrize(
    ("egress", "dest_groups", "cidrs", "expected"),
    [
        # A prefix list of the input: every destination must be in one of its CIDRs.
        ({"DestinationPrefixListId": ref("Pl")}, [], ["10.0.1.0/24"], True),
        ({"DestinationPrefixListId": ref("Pl")}, [], ["10.0.1.0/24", "192.168.3.0/24"], True),
        ({"DestinationPrefixListId": ref("Pl")}, [], ["10.0.1.0/24", "172.16.0.0/24"], False),
        ({"DestinationPrefixListId": ref("Pl")}, [], ["10.0.1.0/24", None], None),
        ({"DestinationPrefixListId": ref("Pl")}, [], [], None),
        ({"DestinationPrefixListId": ref("BadPl")}, [], ["10.0.1.0/24"], None),
        # A CIDR rule holds the destinations when it holds each of them.
        ({"CidrIp": "10.0.0.0/16"}, [], ["10.0.1.0/24", "10.0.2.0/24"], True),
        ({"CidrIp": "10.0.0.0/16"}, [], ["10.0.1.0/24", "10.1.2.0/24"], False),
        ({"CidrIp": "10.0.0.0/16"}, [], ["10.0.1.0/24", None], None),
        ({"CidrIp": "0.0.0.0/0"}, [], [None], True),
        ({"CidrIp": "10.0.0.0/16"}, [], [], None),
        ({"CidrIp": ref("Peer")}, [], ["10.0.1.0/24"], None),
        ({"CidrIpv6": "::/0"}, [], ["::/0"], True),
        ({"CidrIpv6": "::/0"}, [], ["0.0.0.0/0"], False),
        ({"CidrIpv6": "::/0"}, [], [None], None),
        # A group rule admits the destination groups only.
        ({"DestinationSecurityGroupId": att("Https", "GroupId")}, [ref("Https")], [], True),
        ({"DestinationSecurityGroupId": att("Https", "GroupId")}, [ref("Open")],
         ["0.0.0.0/0"], False),
        ({"DestinationSecurityGroupId": ref("Peer")}, [ref("Https")], [], None),
        ({}, [], ["0.0.0.0/0"], False),  # no peer at all
    ],
)
def test_one_egress_rule_against_its_destination(
    egress: dict[str, Any], dest_groups: list[Any], cidrs: list[Any], expected: bool | None
) -> None:
    t = groups_app()
    t.security_group("Task", egress=[rule("tcp", 443, 443, **egress)])
    model, index = index_of(t)
    dests = [Ref(T, d["Ref"]) for d in dest_groups]
    got, why = egress_verdict(model, index.groups, [Ref(T, "Task")], dests, cidrs)
    assert got is expected
    if expected is not None:
        assert why == ""
    elif egress.get("DestinationPrefixListId") == ref("BadPl"):  # its Entries are unknown
        assert why == ("an egress rule of Task cannot be resolved (prefix list BadPl is not in "
                       "the input)")
    else:
        assert why == "an egress rule of Task cannot be resolved"


def test_rules_weighed_together() -> None:
    t = groups_app()
    t.parameters["Proto"] = {"Type": "String"}
    t.parameters["Port"] = {"Type": "Number"}
    t.security_group("Task", egress=[
        rule(ref("Proto"), 443, 443, CidrIp="10.0.0.0/16"),  # ports unknown, match False
        rule("udp", 443, 443, CidrIp="0.0.0.0/0"),
    ])
    t.security_group("Task2", egress=[
        rule("tcp", ref("Port"), 443, CidrIp="0.0.0.0/0"),  # ports unknown, match True
    ])
    t.security_group("Task3", egress=[
        rule("tcp", 443, 443, CidrIp=ref("Peer")),  # ports True, match unknown
        rule("tcp", 443, 443, CidrIp="0.0.0.0/0"),  # then a rule that admits
    ])
    model, index = index_of(t)
    g = index.groups
    rules = {n: g.egress[res(model, n)] for n in ("Task", "Task2", "Task3")}
    assert g.admits(rules["Task"], [], ["0.0.0.0/0"]) is False
    assert g.admits(rules["Task"], [], ["10.0.1.0/24"]) is None
    assert g.admits(rules["Task2"], [], ["10.0.1.0/24"]) is None
    assert g.admits(rules["Task3"], [], ["10.0.1.0/24"]) is True
    assert g.admits(rules["Task3"][:1], [], ["10.0.1.0/24"]) is None
    assert g.admits([], [], ["10.0.1.0/24"]) is False


def test_what_admits_charges_to_the_budget() -> None:
    t = groups_app()
    t.security_group("Task", egress=[
        rule("tcp", 443, 443, DestinationPrefixListId=ref("Pl")),
        rule("tcp", 443, 443, CidrIp="172.16.0.0/12"),
    ])
    model, index = index_of(t)
    g = index.groups
    rules = g.egress[res(model, "Task")]
    budget = index.budget
    before = budget.spent
    assert g.admits(rules, [Ref(T, "Https")], ["10.0.1.0/24", "10.0.2.0/24"]) is True
    # 2 rules x (1 + 1 group + 2 CIDRs), then 2 prefix list entries x 2 CIDRs.
    assert budget.spent - before == 8 + 4
    # Just enough, then one unit short of each charge.
    for units, expected, reasons in (
        (12, True, []),
        (11, None, ["the input needs more than 11 network checks (rules, routes, endpoints) to "
                    "analyse, the budget against crafted input"]),
        (7, None, ["the input needs more than 7 network checks (rules, routes, endpoints) to "
                   "analyse, the budget against crafted input"]),
    ):
        model, index = index_of(t, network_units=units)
        index.budget.spent = 0
        rules = index.groups.egress[res(model, "Task")]
        why: list[str] = []
        got = index.groups.admits(rules, [Ref(T, "Https")], ["10.0.1.0/24", "10.0.2.0/24"], why)
        assert (got, why) == (expected, reasons)
        assert index.groups.admits(rules, [], ["10.0.1.0/24"]) is None  # stays spent
    model, index = index_of(t, network_units=7)
    index.budget.spent = 0
    assert egress_verdict(model, index.groups, [Ref(T, "Task")], [Ref(T, "Https")],
                          ["10.0.1.0/24", "10.0.2.0/24"]) == (
        None, "an egress rule of Task cannot be resolved (the input needs more than 7 network "
        "checks (rules, routes, endpoints) to analyse, the budget against crafted input)")
