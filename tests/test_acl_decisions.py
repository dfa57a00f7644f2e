"""Network ACL decisions as ``AclIndex`` makes them, and the problems ``flow_problems`` reports
(issue 15 item 1): the whole ``Decision`` (verdict, deciding entry, rule number, why) for first
match, partial matches, the default ACL's own rules, entries that cannot be judged, and the
budget. Entry shape: AWS::EC2::NetworkAclEntry {NetworkAclId, RuleNumber, Protocol, RuleAction,
Egress, CidrBlock / Ipv6CidrBlock, PortRange {From, To}}; AWS::EC2::SubnetNetworkAclAssociation
{SubnetId, NetworkAclId}; ``Fn::GetAtt <Vpc>.DefaultNetworkAcl`` (cfn-lint schemas).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, ref
from netindex import index_of, res

from ecs_exec_guard.analysis.intrinsics import Param, Unknown
from ecs_exec_guard.analysis.network import HTTPS_PORTS, AclProblem, flow_problems
from ecs_exec_guard.analysis.network.acls import EPHEMERAL, AclKey, Decision

T = "App.template.json"


def entry(t: Template, lid: str, number: Any, *, egress: Any = True, action: str = "allow",
          cidr: Any = "0.0.0.0/0", protocol: Any = 6, ports: Any = (443, 443),
          acl: Any = None) -> None:
    props: dict[str, Any] = {"NetworkAclId": acl if acl is not None else ref("Acl"),
                             "RuleNumber": number, "Protocol": protocol, "RuleAction": action,
                             "Egress": egress}
    props["Ipv6CidrBlock" if isinstance(cidr, str) and ":" in cidr else "CidrBlock"] = cidr
    if ports is not None:
        props["PortRange"] = {"From": ports[0], "To": ports[1]}
    t.add(lid, "AWS::EC2::NetworkAclEntry", **props)


def acl_app() -> Template:
    """Vpc with subnets A (custom ACL ``Acl``), B (the default ACL) and C (an ACL outside)."""
    t = Template()
    t.vpc()
    t.parameters["P"] = {"Type": "String"}
    for name, cidr in (("A", "10.0.1.0/24"), ("B", "10.0.2.0/24"), ("C", "10.0.3.0/24"),
                       ("D", "10.0.4.0/24")):
        t.subnet(name, cidr)
    t.add("Acl", "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    t.add("AAcl", "AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("A"),
          NetworkAclId=ref("Acl"))
    t.add("CAcl", "AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("C"),
          NetworkAclId="acl-0123456789abcdef0")
    t.add("DAcl", "AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("D"),
          NetworkAclId=ref("P"))
    t.add("OutsideAcl", "AWS::EC2::SubnetNetworkAclAssociation",
          SubnetId="subnet-0123456789abcdef0", NetworkAclId=ref("Acl"))
    return t


def decide(t: Template, *, egress: bool = True, peer: Any = "0.0.0.0/0",
           ports: tuple[int, int] = HTTPS_PORTS, default: bool = False) -> Decision:
    model, index = index_of(t)
    key = AclKey(None, res(model, "Vpc")) if default else AclKey(res(model, "Acl"))
    first = index.acls.decide(key, egress, peer, ports)
    assert index.acls.decide(key, egress, peer, ports) == first  # the same, memo or not
    return first


def test_associations_and_keys() -> None:
    t = acl_app()
    t.add("E", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.5.0/24")
    t.add("EAcl", "AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("E"),
          NetworkAclId=att("Vpc", "DefaultNetworkAcl"))
    t.add("F", "AWS::EC2::Subnet", VpcId="vpc-0123456789abcdef0", CidrBlock="10.1.0.0/24")
    t.add("H", "AWS::EC2::Subnet", VpcId=ref("Acl"), CidrBlock="10.0.7.0/24")  # not a VPC
    t.add("G", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.6.0/24")
    t.add("GAcl", "AWS::EC2::SubnetNetworkAclAssociation", SubnetId=ref("G"),
          NetworkAclId=att("A", "DefaultNetworkAcl"))  # not a VPC's
    entry(t, "OnDefault", 90, acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "OnAcl", 100)
    entry(t, "OnOutside", 100, acl="acl-0123456789abcdef0")
    model, index = index_of(t)
    acls = index.acls
    vpc, acl = res(model, "Vpc"), res(model, "Acl")
    assert acls.association == {
        res(model, "A"): AclKey(acl),
        res(model, "C"): Unknown(
            'network ACL "acl-0123456789abcdef0" of subnet C is not in the input'),
        res(model, "D"): Unknown("the network ACL of subnet D is parameter P (set at deploy time)"),
        res(model, "E"): AclKey(None, vpc),
        res(model, "G"): Unknown(
            "network ACL A.DefaultNetworkAcl of subnet G is not in the input"),
    }
    assert dict(acls.entries) == {AclKey(None, vpc): [res(model, "OnDefault")],
                                  AclKey(acl): [res(model, "OnAcl")]}
    assert acls.acl_of(res(model, "A")) == AclKey(acl)
    assert acls.acl_of(res(model, "B")) == AclKey(None, vpc)
    assert acls.acl_of(res(model, "F")) == Unknown("the default network ACL of subnet F's VPC")
    assert acls.acl_of(res(model, "H")) == Unknown("the default network ACL of subnet H's VPC")
    assert AclKey(acl).name == "network ACL Acl"
    assert AclKey(None, vpc).name == "the default network ACL of Vpc"


def test_first_match_by_rule_number_decides() -> None:
    t = acl_app()
    entry(t, "Late", 300, action="allow")
    entry(t, "Deny", 200, action="DENY")
    entry(t, "Inbound", 50, egress=False, action="allow")
    entry(t, "Udp", 10, protocol=17, action="allow")
    entry(t, "Elsewhere", 20, cidr="192.168.0.0/16", action="allow")
    entry(t, "OtherPorts", 30, ports=(80, 80), action="allow")
    entry(t, "V6", 40, cidr="::/0", action="allow")
    model, _ = index_of(t)
    got = decide(t, peer="10.0.0.0/16")
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number) == (
        "deny", "Deny", 200)
    got = decide(t, egress=False, peer="10.0.0.0/16")
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number) == (
        "allow", "Inbound", 50)
    got = decide(t, peer="10.0.0.0/16", ports=(80, 80))
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number) == (
        "allow", "OtherPorts", 30)
    # 192.168.0.0/16 is part of 0.0.0.0/0: the later deny decides only part of it.
    assert decide(t, peer="0.0.0.0/0") == Decision(
        "unknown", res(model, "Deny"), 200, "entries before Deny match only part of the traffic")


def test_a_custom_acl_without_entries_denies_and_the_default_allows() -> None:
    t = acl_app()
    assert decide(t) == Decision("deny")
    assert decide(t, default=True) == Decision("allow")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # Part of the traffic allowed, then all of it denied: it depends on the address.
        ([("Part", 10, "allow", "10.0.0.0/16", (443, 443)),
          ("All", 20, "deny", "0.0.0.0/0", (0, 65535))],
         ("unknown", "All", 20, "entries before All match only part of the traffic")),
        ([("Part", 10, "deny", "0.0.0.0/0", (400, 443)),
          ("All", 20, "deny", "0.0.0.0/0", (0, 65535))], ("deny", "All", 20, "")),
        ([("Part", 10, "allow", "0.0.0.0/0", (443, 500)),
          ("All", 20, "allow", "0.0.0.0/0", (0, 65535))], ("allow", "All", 20, "")),
        ([("Part", 10, "allow", "0.0.0.0/1", (443, 443))],
         ("unknown", None, None, "entries allow only part of the traffic")),
        ([("Part", 10, "deny", "0.0.0.0/1", (443, 443))], ("deny", None, None, "")),
    ],
    ids=["allow part then deny", "deny part then deny", "allow part then allow",
         "allow part only", "deny part only"],
)
def test_partial_matches(entries: list[Any], expected: tuple[Any, ...]) -> None:
    t = acl_app()
    for lid, number, action, cidr, ports in entries:
        entry(t, lid, number, action=action, cidr=cidr, ports=ports)
    verdict, lid, number, why = expected
    got = decide(t, peer="0.0.0.0/0", ports=(443, 1000))
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number, got.why) == (
        verdict, lid, number, why)


def test_entries_numbered_like_the_default_acls_own_rules() -> None:
    """The default ACL's own allow-all is rule 100 (IPv4) and 101 (IPv6); an entry with the
    same number is weighed (EC2 would refuse it, a template can still hold it)."""
    t = acl_app()
    entry(t, "Deny100", 100, action="deny", acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "Deny101", 101, action="deny", cidr="::/0", acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "Deny102", 102, action="deny", cidr="::/0", ports=(0, 65535),
          acl=att("Vpc", "DefaultNetworkAcl"))
    model, _ = index_of(t)
    assert decide(t, default=True) == Decision("deny", res(model, "Deny100"), 100)
    assert decide(t, default=True, peer="::/0") == Decision("deny", res(model, "Deny101"), 101)
    assert decide(t, default=True, peer="::/0", ports=(80, 80)) == Decision("allow")


def test_the_default_acl_and_its_own_rules() -> None:
    t = acl_app()
    entry(t, "DenyV4", 101, action="deny", acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "DenyV6", 101, action="deny", cidr="::/0", acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "DenyPart", 99, action="deny", cidr="10.0.0.0/8",
          acl=att("Vpc", "DefaultNetworkAcl"))
    entry(t, "AllowPart", 98, action="allow", cidr="192.168.0.0/16",
          acl=att("Vpc", "DefaultNetworkAcl"))
    # IPv4: rule 100 (allow all) comes before entry 101.
    assert decide(t, default=True, peer="172.16.0.0/12") == Decision("allow")
    # IPv6: the default's own rule is 101; an entry numbered 101 comes first.
    got = decide(t, default=True, peer="2001:db8::/64")
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number) == (
        "deny", "DenyV6", 101)
    assert decide(t, default=True, peer="0.0.0.0/0") == Decision(
        "unknown", why="an entry denies part of the traffic")
    assert decide(t, default=True, peer="192.168.0.0/16").verdict == "allow"
    assert decide(t, default=True, peer="192.168.1.0/24").number == 98


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"egress": "maybe"}, "Egress of X"),
        ({"egress": {"Ref": "P"}}, "Egress of X"),
        ({"number": "first"}, "RuleNumber of X"),
        ({"number": True}, "RuleNumber of X"),
        ({"number": None}, "RuleNumber of X"),
        ({"action": "maybe"}, "RuleAction of X"),
        ({"protocol": None}, "Protocol of X"),
        ({"protocol": {"Ref": "P"}}, "Protocol of X"),
        ({"cidr": "nowhere"}, 'the address range of X ("nowhere")'),
        ({"cidr": {"Ref": "P"}}, "the address range of X (parameter P)"),
        ({"cidr": {"Fn::ImportValue": "Cidr"}}, "the address range of X (Fn::ImportValue Cidr: "
                                                "no template of the input exports it)"),
        ({"ports": None}, "PortRange of X"),
        ({"ports": ("x", 443)}, "PortRange of X"),
        ({"ports": (443, None)}, "PortRange of X"),
    ],
)
def test_entries_that_cannot_be_judged(changes: dict[str, Any], why: str) -> None:
    t = acl_app()
    args: dict[str, Any] = {"number": 100, "egress": True, "action": "allow",
                            "protocol": 6, "cidr": "0.0.0.0/0", "ports": (443, 443)}
    args.update(changes)
    number = args.pop("number")
    entry(t, "X", number, **args)
    got = decide(t)
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.why) == (
        "unknown", "X", why)
    assert got.number == (100 if why.split()[0] not in ("Egress", "RuleNumber") else None)


def test_an_entry_of_the_other_direction_is_skipped_even_when_broken() -> None:
    t = acl_app()
    entry(t, "In", "first", egress="false", protocol=None)
    entry(t, "Out", 100, egress="True", protocol="TCP")
    got = decide(t)
    assert (got.verdict, got.entry.logical_id if got.entry else None, got.number) == (
        "allow", "Out", 100)
    entry(t, "All", 90, protocol="-1", ports=None, action="deny")
    got = decide(t, ports=EPHEMERAL)
    assert (got.verdict, got.entry.logical_id if got.entry else None) == ("deny", "All")
    entry(t, "AllWord", 80, protocol="ALL", ports=None, action="allow")
    assert decide(t).number == 80


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        ("0.0.0.0/0", ("allow", None)),
        ("10.0.0.0/8", ("unknown", "whether E (10.0.0.0/8) covers the peer address range, "
                                   "which is unknown (an IPAM pool)")),
        ("::/0", ("unknown", "whether E (::/0) covers the peer address range, which is unknown "
                             "(an IPAM pool)")),
    ],
)
def test_an_unresolved_peer_range(cidr: str, expected: tuple[str, str | None]) -> None:
    t = acl_app()
    entry(t, "E", 100, cidr=cidr)
    got = decide(t, peer=Unknown("an IPAM pool"))
    verdict, why = expected
    assert got.verdict == verdict
    assert got.why == (why or "")


def test_a_peer_range_from_a_parameter() -> None:
    """The peer's range is shown as the parameter it comes from, its template when another's;
    the same for the traffic of an ACL problem."""
    t = acl_app()
    entry(t, "E", 100, cidr="10.0.0.0/8")
    assert decide(t, peer=Param(T, "Peer")).why == (
        "whether E (10.0.0.0/8) covers the peer address range, which is unknown (parameter Peer)")
    model, index = index_of(t)
    c = res(model, "C")
    (problem,) = flow_problems(index.acls, c, Param("Net.template.json", "Peer"), client=False)
    assert problem.peer == "parameter Peer of Net.template.json"
    (problem,) = flow_problems(index.acls, c, Param(T, "Peer"), client=False)
    assert problem.traffic == "inbound TCP 443 from parameter Peer"


def test_an_ipv6_entry_does_not_match_ipv4_traffic_and_the_other_way_round() -> None:
    t = acl_app()
    entry(t, "V6", 100, cidr="::/0", action="allow")
    assert decide(t) == Decision("deny")
    got = decide(t, peer="2001:db8::/64")
    assert (got.verdict, got.number) == ("allow", 100)
    assert decide(t, peer="10.0.0.0/8", ports=(1, 1)) == Decision("deny")


def test_port_ranges() -> None:
    t = acl_app()
    entry(t, "Below", 10, ports=(1, 442), action="deny")
    entry(t, "Above", 20, ports=(444, 1000), action="deny")
    entry(t, "Exact", 30, ports=(443, 443), action="allow")
    model, _ = index_of(t)
    assert decide(t) == Decision("allow", res(model, "Exact"), 30)
    part = Decision("unknown", why="entries allow only part of the traffic")
    assert decide(t, ports=(442, 443)) == part
    assert decide(t, ports=(443, 444)) == part
    assert decide(t, ports=(1, 442)) == Decision("deny", res(model, "Below"), 10)
    assert decide(t, ports=(444, 1000)) == Decision("deny", res(model, "Above"), 20)
    assert decide(t, ports=(1001, 2000)) == Decision("deny")


def test_the_budget_of_a_decision() -> None:
    t = acl_app()
    entry(t, "One", 100)
    entry(t, "Two", 200)
    model, index = index_of(t)
    before = index.budget.spent
    index.acls.decide(AclKey(res(model, "Acl")), True, "0.0.0.0/0", HTTPS_PORTS)
    assert index.budget.spent - before == 3
    index.acls.decide(AclKey(res(model, "Acl")), True, "0.0.0.0/0", HTTPS_PORTS)
    assert index.budget.spent - before == 3  # remembered
    for units, verdict in ((3, "allow"), (2, "unknown")):
        model, index = index_of(t, network_units=units)
        index.budget.spent = 0
        got = index.acls.decide(AclKey(res(model, "Acl")), True, "0.0.0.0/0", HTTPS_PORTS)
        assert got.verdict == verdict
        if verdict == "unknown":
            assert got == Decision("unknown", why=index.budget.reason)


def test_flow_problems() -> None:
    t = acl_app()
    entry(t, "Out", 100)
    entry(t, "InDeny", 100, egress=False, ports=(0, 65535), action="deny")
    model, index = index_of(t)
    a, b, c = res(model, "A"), res(model, "B"), res(model, "C")
    acl = AclKey(res(model, "Acl"))
    client = flow_problems(index.acls, a, "0.0.0.0/0", client=True)
    assert client == [AclProblem(a, acl, False, "0.0.0.0/0", EPHEMERAL, "deny",
                                 "entry InDeny, rule 100", 100)]
    assert client[0].traffic == "inbound TCP 1024-65535 from 0.0.0.0/0"
    assert client[0].entry_to_add == (
        "to network ACL Acl, an entry allowing inbound TCP 1024-65535 from 0.0.0.0/0 numbered "
        "below 100")
    server = flow_problems(index.acls, a, "10.0.2.0/24", client=False)
    assert server == [
        AclProblem(a, acl, False, "10.0.2.0/24", HTTPS_PORTS, "deny", "entry InDeny, rule 100",
                   100),
        AclProblem(a, acl, True, "10.0.2.0/24", EPHEMERAL, "deny", "no entry allows it"),
    ]
    assert server[1].traffic == "outbound TCP 1024-65535 to 10.0.2.0/24"
    assert server[1].entry_to_add == (
        "to network ACL Acl, an entry allowing outbound TCP 1024-65535 to 10.0.2.0/24")
    assert flow_problems(index.acls, b, "0.0.0.0/0", client=True) == []
    unknown_acl = flow_problems(index.acls, c, Unknown("a pool"), client=False)
    assert unknown_acl == [AclProblem(
        c, None, False, "an unknown address range (a pool)", HTTPS_PORTS, "unknown",
        'network ACL "acl-0123456789abcdef0" of subnet C is not in the input')]
    assert unknown_acl[0].traffic == "inbound TCP 443 from an unknown address range (a pool)"
    assert unknown_acl[0].entry_to_add == (
        "to the subnet's network ACL, an entry allowing inbound TCP 443 from an unknown address "
        "range (a pool)")
    assert flow_problems(index.acls, c, "0.0.0.0/0", client=True)[0].egress is True
    entry(t, "Broken", 50, egress=False, protocol=None)
    model, index = index_of(t)
    assert flow_problems(index.acls, res(model, "A"), "0.0.0.0/0", client=True) == [
        AclProblem(res(model, "A"), AclKey(res(model, "Acl")), False, "0.0.0.0/0", EPHEMERAL,
                   "unknown", "Protocol of Broken")]


def test_an_entry_without_egress_is_inbound() -> None:
    t = acl_app()
    entry(t, "In", 100)
    del t.props("In")["Egress"]
    model, _ = index_of(t)
    assert decide(t) == Decision("deny")
    assert decide(t, egress=False) == Decision("allow", res(model, "In"), 100)
