"""NET8: network ACLs on the agent's way (issue 11 item 4).

Entry shape as CDK's ``NetworkAcl.add_entry`` writes it (and the AWS::EC2::NetworkAclEntry
schema in cfn-lint): ``{"NetworkAclId": Ref, "RuleNumber": 100, "Protocol": 6, "RuleAction":
"allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}}``,
plus an AWS::EC2::SubnetNetworkAclAssociation per subnet.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, describe, ec2_app, exec_app, one, ref, rule_ids

from ecs_exec_guard.analysis import Severity


def acl(app: Template, name: str, *subnets: str) -> None:
    app.add(name, "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    for subnet in subnets:
        app.add(f"{name}{subnet}Association", "AWS::EC2::SubnetNetworkAclAssociation",
                SubnetId=ref(subnet), NetworkAclId=ref(name))


def entry(
    app: Template,
    lid: str,
    number: int,
    *,
    egress: bool,
    ports: tuple[int, int] | None = (443, 443),
    action: str = "allow",
    cidr: Any = "0.0.0.0/0",
    protocol: Any = 6,
    network_acl: Any = None,
) -> None:
    props: dict[str, Any] = {
        "NetworkAclId": network_acl if network_acl is not None else ref("TaskAcl"),
        "RuleNumber": number, "Protocol": protocol, "RuleAction": action, "Egress": egress}
    if isinstance(cidr, str) and ":" in cidr:
        props["Ipv6CidrBlock"] = cidr
    else:
        props["CidrBlock"] = cidr
    if ports is not None:
        props["PortRange"] = {"From": ports[0], "To": ports[1]}
    app.add(lid, "AWS::EC2::NetworkAclEntry", **props)


def open_acl(app: Template, name: str = "TaskAcl", *subnets: str, cidr: str = "0.0.0.0/0") -> None:
    """An ACL on ``subnets`` allowing exactly what the agent needs with ``cidr``."""
    acl(app, name, *(subnets or ("PrivateSubnet",)))
    entry(app, f"{name}Out443", 100, egress=True, cidr=cidr, network_acl=ref(name))
    entry(app, f"{name}InEphemeral", 100, egress=False, ports=(1024, 65535), cidr=cidr,
          network_acl=ref(name))


def net8(app: Template, severity: Severity = Severity.ERROR) -> str:
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET8"], describe(report)
    return one(report, "EcsExec-NET8", severity, "Service").message


# -- the tasks' subnet, through NAT -----------------------------------------------------------


def test_default_acl_allows_all() -> None:
    assert exec_app().analyze().findings == []


def test_acl_allowing_443_out_and_return_traffic_in() -> None:
    app = exec_app()
    open_acl(app)
    assert app.analyze().findings == []


def test_acl_allowing_all_traffic() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "PrivateSubnet")
    entry(app, "AllOut", 100, egress=True, ports=None, protocol=-1)
    entry(app, "AllIn", 100, egress=False, ports=None, protocol=-1)
    assert app.analyze().findings == []


def test_acl_without_entries_denies_everything() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "PrivateSubnet")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET8"], describe(report)
    f = one(report, "EcsExec-NET8", Severity.ERROR, "Service")
    assert f.message == (
        "Service (service): network ACL TaskAcl of subnet PrivateSubnet denies outbound TCP 443 "
        "to 0.0.0.0/0 (no entry allows it); network ACL TaskAcl of subnet PrivateSubnet denies "
        "inbound TCP 1024-65535 from 0.0.0.0/0 (no entry allows it).")
    assert f.fix == (
        "Add to network ACL TaskAcl, an entry allowing outbound TCP 443 to 0.0.0.0/0; add to "
        "network ACL TaskAcl, an entry allowing inbound TCP 1024-65535 from 0.0.0.0/0. "
        "EcsExecAutoFix does not change network ACLs.")


def test_acl_without_return_traffic() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "PrivateSubnet")
    entry(app, "Out443", 100, egress=True)
    entry(app, "InHttps", 100, egress=False)  # inbound 443 is not the return traffic
    message = net8(app)
    assert "denies inbound TCP 1024-65535 from 0.0.0.0/0 (no entry allows it)" in message
    assert "outbound" not in message


def test_deny_entry_numbered_before_the_allow() -> None:
    app = exec_app()
    open_acl(app)
    entry(app, "DenyOut", 50, egress=True, action="deny", ports=(0, 65535))
    report = app.analyze()
    f = one(report, "EcsExec-NET8", Severity.ERROR, "Service")
    assert rule_ids(report) == ["EcsExec-NET8"]
    assert "denies outbound TCP 443 to 0.0.0.0/0 (entry DenyOut, rule 50)" in f.message
    assert "an entry allowing outbound TCP 443 to 0.0.0.0/0 numbered below 50" in f.fix


def test_deny_entry_numbered_after_the_allow() -> None:
    app = exec_app()
    open_acl(app)
    entry(app, "DenyOut", 200, egress=True, action="deny", ports=(0, 65535))
    assert app.analyze().findings == []


def test_udp_entries_do_not_carry_tcp() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "PrivateSubnet")
    entry(app, "UdpOut", 100, egress=True, protocol=17, ports=(0, 65535))
    entry(app, "UdpIn", 100, egress=False, protocol=17, ports=(0, 65535))
    assert "denies outbound TCP 443" in net8(app)


def test_return_traffic_on_part_of_the_ephemeral_ports_is_a_cannot_verify() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "PrivateSubnet")
    entry(app, "Out443", 100, egress=True)
    entry(app, "InLinuxEphemeral", 100, egress=False, ports=(32768, 65535))
    message = net8(app, Severity.WARNING)
    assert message.startswith("Cannot verify:")
    assert "inbound TCP 1024-65535 from 0.0.0.0/0 at subnet PrivateSubnet: entries allow only " \
        "part of the traffic" in message


def test_default_acl_with_a_deny_entry() -> None:
    app = exec_app()
    entry(app, "DenyOut", 10, egress=True, action="deny", ports=(443, 443),
          network_acl=att("Vpc", "DefaultNetworkAcl"))
    message = net8(app)
    assert "the default network ACL of Vpc of subnet PrivateSubnet denies outbound TCP 443 " \
        "to 0.0.0.0/0 (entry DenyOut, rule 10)" in message


def test_default_acl_entry_numbered_after_its_allow_all_rule() -> None:
    """The default ACL's own rule 100 allows everything before a deny numbered 200."""
    app = exec_app()
    entry(app, "DenyOut", 200, egress=True, action="deny", ports=(443, 443),
          network_acl=att("Vpc", "DefaultNetworkAcl"))
    assert app.analyze().findings == []


def test_acl_outside_the_input_is_a_cannot_verify() -> None:
    app = exec_app()
    app.add("Association", "AWS::EC2::SubnetNetworkAclAssociation",
            SubnetId=ref("PrivateSubnet"), NetworkAclId="acl-0123456789abcdef0")
    message = net8(app, Severity.WARNING)
    assert 'network ACL "acl-0123456789abcdef0" of subnet PrivateSubnet is not in the input' \
        in message


def test_entry_with_an_unresolved_cidr_is_a_cannot_verify() -> None:
    app = exec_app()
    app.parameters["Egress"] = {"Type": "String"}
    acl(app, "TaskAcl", "PrivateSubnet")
    entry(app, "Out", 100, egress=True, cidr=ref("Egress"))
    entry(app, "In", 100, egress=False, ports=(1024, 65535))
    message = net8(app, Severity.WARNING)
    assert "outbound TCP 443 to 0.0.0.0/0 at subnet PrivateSubnet: the address range of Out" \
        in message


def test_no_route_subnet_is_left_to_net2() -> None:
    app = exec_app()
    acl(app, "TaskAcl", "IsolatedSubnet")
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("IsolatedSubnet")]
    assert rule_ids(app.analyze()) == ["EcsExec-NET2"]


# -- the endpoint's subnets -------------------------------------------------------------------


def endpoint_app() -> Template:
    """Tasks in the isolated subnet, the ssmmessages endpoint in its own subnet."""
    app = exec_app()
    app.subnet("EndpointSubnet", "10.0.3.0/24")
    app.endpoint(subnets=["EndpointSubnet"])
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("IsolatedSubnet")]
    return app


def test_endpoint_subnets_with_default_acls() -> None:
    assert endpoint_app().analyze().findings == []


def test_endpoint_subnet_acl_without_inbound_443() -> None:
    app = endpoint_app()
    open_acl(app, "TaskAcl", "IsolatedSubnet", cidr="10.0.3.0/24")
    acl(app, "EndpointAcl", "EndpointSubnet")
    entry(app, "EndpointOut", 100, egress=True, ports=(1024, 65535), cidr="10.0.2.0/24",
          network_acl=ref("EndpointAcl"))
    message = net8(app)
    assert message == (
        "Service (service): network ACL EndpointAcl of subnet EndpointSubnet denies inbound TCP "
        "443 from 10.0.2.0/24 (no entry allows it).")
    entry(app, "EndpointIn", 100, egress=False, cidr="10.0.0.0/16",
          network_acl=ref("EndpointAcl"))
    assert app.analyze().findings == []


def test_task_acl_allowing_only_the_internet_path_with_an_endpoint() -> None:
    """With private DNS the agent goes to the endpoint's subnets, not to 0.0.0.0/0 - which
    covers them here, so this passes."""
    app = endpoint_app()
    open_acl(app, "TaskAcl", "IsolatedSubnet")
    assert app.analyze().findings == []


def test_task_acl_allowing_another_range_with_an_endpoint() -> None:
    app = endpoint_app()
    open_acl(app, "TaskAcl", "IsolatedSubnet", cidr="10.0.9.0/24")
    message = net8(app)
    assert "denies outbound TCP 443 to 10.0.3.0/24" in message
    assert "denies inbound TCP 1024-65535 from 10.0.3.0/24" in message


def test_endpoint_subnet_outside_the_input_is_a_cannot_verify() -> None:
    app = endpoint_app()
    app.props("SsmMessagesEndpoint")["SubnetIds"] = ["subnet-0123456789abcdef0"]
    message = net8(app, Severity.WARNING)
    assert 'subnet "subnet-0123456789abcdef0" of endpoint SsmMessagesEndpoint is not in the ' \
        "input" in message


def test_endpoint_in_the_tasks_subnet_crosses_no_acl() -> None:
    app = exec_app(subnet="isolated")  # the endpoint sits in IsolatedSubnet too
    acl(app, "TaskAcl", "IsolatedSubnet")
    assert app.analyze().findings == []


# -- EC2 hosts and IPv6 -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["bridge", "awsvpc"])
def test_ec2_tasks_behind_an_acl(mode: str) -> None:
    app = ec2_app(network_mode=mode)
    acl(app, "TaskAcl", "PrivateSubnet")
    assert "network ACL TaskAcl of subnet PrivateSubnet denies outbound TCP 443" in net8(app)


def test_ipv6_only_subnet_needs_ipv6_entries() -> None:
    from test_network_ipv6 import ec2_tasks_in, ipv6_only_subnet

    app = ec2_app()
    ipv6_only_subnet(app)
    ec2_tasks_in(app, "V6Subnet")
    open_acl(app, "V4Acl", "V6Subnet")  # IPv4 entries only
    assert "network ACL V4Acl of subnet V6Subnet denies outbound TCP 443 to ::/0" in net8(app)
    app.remove("V4AclV6SubnetAssociation")
    open_acl(app, "V6Acl", "V6Subnet", cidr="::/0")
    assert app.analyze().findings == []


# -- the NAT gateway's subnet -----------------------------------------------------------------


def test_nat_subnet_acl_relaying_the_agent() -> None:
    """The NAT gateway's subnet takes 443 in from the tasks and sends it on to anywhere."""
    app = exec_app()
    acl(app, "NatAcl", "PublicSubnet")
    for lid, egress, ports, cidr in [
        ("InFromTasks", False, (443, 443), "10.0.1.0/24"),
        ("OutToTasks", True, (1024, 65535), "10.0.1.0/24"),
        ("OutToAnywhere", True, (443, 443), "0.0.0.0/0"),
        ("InFromAnywhere", False, (1024, 65535), "0.0.0.0/0"),
    ]:
        entry(app, lid, 200, egress=egress, ports=ports, cidr=cidr, network_acl=ref("NatAcl"))
    for lid in ("InFromTasks", "OutToTasks"):
        app.props(lid)["RuleNumber"] = 100
    assert app.analyze().findings == []
    app.remove("InFromTasks")
    assert net8(app) == (
        "Service (service): network ACL NatAcl of subnet PublicSubnet denies inbound TCP 443 "
        "from 10.0.1.0/24 (no entry allows it).")


def test_nat_subnet_acl_without_a_way_out() -> None:
    app = exec_app()
    acl(app, "NatAcl", "PublicSubnet")
    entry(app, "InFromTasks", 100, egress=False, cidr="10.0.0.0/16", network_acl=ref("NatAcl"))
    entry(app, "OutToTasks", 100, egress=True, ports=(1024, 65535), cidr="10.0.0.0/16",
          network_acl=ref("NatAcl"))
    message = net8(app)
    assert "network ACL NatAcl of subnet PublicSubnet denies outbound TCP 443 to 0.0.0.0/0" \
        in message
    assert "denies inbound TCP 1024-65535 from 0.0.0.0/0" in message


# -- peer subnets whose range is known at deploy time only (IPAM) -----------------------------


def ipam_endpoint_app() -> Template:
    """The endpoint's subnet takes its range from IPAM (``Fn::Select`` over ``Fn::Cidr`` of the
    VPC's IPAM-allocated block, as CDK writes it): the peer range does not resolve."""
    app = endpoint_app()
    app.props("EndpointSubnet")["CidrBlock"] = {
        "Fn::Select": [0, {"Fn::Cidr": [att("Vpc", "CidrBlock"), 4, "8"]}]}
    return app


def test_unresolved_peer_range_behind_default_acls() -> None:
    """The default ACLs allow every range: nothing to verify."""
    assert ipam_endpoint_app().analyze().findings == []


def test_unresolved_peer_range_meets_entries_for_every_address() -> None:
    app = ipam_endpoint_app()
    open_acl(app, "TaskAcl", "IsolatedSubnet")
    assert app.analyze().findings == []


def test_unresolved_peer_range_meets_a_narrower_entry() -> None:
    app = ipam_endpoint_app()
    open_acl(app, "TaskAcl", "IsolatedSubnet", cidr="10.0.3.0/24")
    message = net8(app, Severity.WARNING)
    assert "whether TaskAclOut443 (10.0.3.0/24) covers the peer address range" in message
