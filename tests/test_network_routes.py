"""Where a default route leads (issue 11 item 3, issue 15 item 2's route escapes).

A NAT gateway counts only when it is public and sits in a subnet whose default route goes to
an internet gateway attached to the same VPC; targets whose way on is outside the templates are
a cannot-verify (NET7), never "no route" (NET2). The shapes follow what CDK's ``ec2.Vpc`` writes
(AWS::EC2::NatGateway with SubnetId and AllocationId in a public subnet, the IGW route, an
AWS::EC2::VPCGatewayAttachment) and the AWS::EC2::Route / AWS::EC2::NatGateway schemas in
cfn-lint (ConnectivityType, AvailabilityMode, CoreNetworkArn, CarrierGatewayId, ...).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, describe, exec_app, one, ref, rule_ids

from ecs_exec_guard.analysis import Severity


def isolated_route(app: Template, **target: Any) -> None:
    """Give the isolated subnet a 0.0.0.0/0 route to ``target`` and run the tasks there."""
    app.add("IsolatedSubnetDefaultRoute", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationCidrBlock="0.0.0.0/0",
            **target)
    cfg = app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    cfg["Subnets"] = [ref("IsolatedSubnet")]


def net2(app: Template) -> str:
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET2"], describe(report)
    return one(report, "EcsExec-NET2", Severity.ERROR, "Service").message


# -- NAT gateways ------------------------------------------------------------------------------


def test_public_nat_gateway_in_a_subnet_routed_to_an_attached_igw() -> None:
    app = exec_app()
    app.props("Nat")["ConnectivityType"] = "public"
    assert app.analyze().findings == []


def test_private_nat_gateway_leads_nowhere() -> None:
    app = exec_app()
    app.props("Nat")["ConnectivityType"] = "private"
    del app.props("Nat")["AllocationId"]
    message = net2(app)
    assert "PrivateSubnet" in message
    assert "NAT gateway Nat is private: it never reaches the internet" in message
    assert "no ssmmessages interface endpoint" in message


def test_private_nat_gateway_with_an_ssmmessages_endpoint() -> None:
    app = exec_app()
    app.props("Nat")["ConnectivityType"] = "private"
    app.endpoint(subnets=["PrivateSubnet"])
    assert app.analyze().findings == []


def test_nat_gateway_in_a_subnet_without_a_way_out() -> None:
    app = exec_app()
    app.props("Nat")["SubnetId"] = ref("IsolatedSubnet")
    message = net2(app)
    assert "NAT gateway Nat sits in IsolatedSubnet, whose default route does not go to an " \
        "internet gateway" in message


def test_nat_gateway_whose_subnet_routes_to_another_nat() -> None:
    """A public NAT gateway must sit in a public subnet: NAT behind NAT does not count."""
    app = exec_app()
    app.nat_gateway("Nat2", subnet="PublicSubnet")
    app.props("Nat")["SubnetId"] = ref("IsolatedSubnet")
    app.add("IsolatedSubnetDefaultRoute", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=ref("Nat2"))
    assert "NAT gateway Nat sits in IsolatedSubnet" in net2(app)


def test_nat_gateway_whose_internet_gateway_is_not_attached() -> None:
    app = exec_app()
    app.remove("IgwAttachment")
    message = net2(app)
    assert "internet gateway Igw, which is not attached to Vpc" in message


def test_internet_gateway_attached_to_another_vpc() -> None:
    app = exec_app(subnet="public")
    app.vpc("OtherVpc", "10.1.0.0/16")
    app.props("IgwAttachment")["VpcId"] = ref("OtherVpc")
    message = net2(app)
    assert "PublicSubnet" in message and "not attached to Vpc" in message


def test_internet_gateway_outside_the_input_is_attached() -> None:
    """EC2 refuses a route to an internet gateway that is not attached to the VPC."""
    app = exec_app()
    app.remove("Igw", "IgwAttachment")
    app.props("PublicSubnetDefaultRoute")["GatewayId"] = "igw-0123456789abcdef0"
    assert app.analyze().findings == []


@pytest.mark.parametrize(
    ("nat", "missing"),
    [
        ("nat-0123456789abcdef0", 'NAT gateway "nat-0123456789abcdef0", which is not in the input'),
        (None, "the subnet of NAT gateway Nat is not in the input"),
    ],
    ids=["NAT gateway", "its subnet"],
)
def test_nat_gateway_outside_the_input_is_a_cannot_verify(nat: str | None, missing: str) -> None:
    app = exec_app()
    if nat is not None:
        app.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = nat
    else:
        app.props("Nat")["SubnetId"] = "subnet-0123456789abcdef0"
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)
    assert missing in one(report, "EcsExec-NET7", Severity.WARNING, "Service").message


def test_regional_nat_gateway_uses_the_vpc_internet_gateway() -> None:
    app = exec_app()
    nat = app.props("Nat")
    del nat["SubnetId"]
    nat.update(AvailabilityMode="regional", VpcId=ref("Vpc"))
    assert app.analyze().findings == []
    app.remove("IgwAttachment")
    assert "regional NAT gateway Nat: Vpc has no internet gateway" in net2(app)


def test_nat_gateways_routed_in_a_loop_are_a_cannot_verify() -> None:
    app = exec_app()
    app.nat_gateway("Nat2", subnet="PrivateSubnet")
    app.props("Nat")["SubnetId"] = ref("PrivateSubnet")
    app.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = ref("Nat2")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)
    message = one(report, "EcsExec-NET7", Severity.WARNING, "Service").message
    assert "NAT gateway Nat2 is routed to in a loop" in message


# -- targets whose way on is not in the templates -----------------------------------------------


@pytest.mark.parametrize(
    ("target", "what"),
    [
        ({"InstanceId": "i-0123456789abcdef0"}, "a NAT instance"),
        ({"NetworkInterfaceId": "eni-0123456789abcdef0"}, "a network interface"),
        ({"TransitGatewayId": "tgw-0123456789abcdef0"}, "a transit gateway"),
        ({"CoreNetworkArn": "arn:aws:networkmanager::123456789012:core-network/core-network-0"},
         "a Cloud WAN core network"),
        ({"VpcPeeringConnectionId": "pcx-0123456789abcdef0"}, "a VPC peering connection"),
        ({"CarrierGatewayId": "cagw-0123456789abcdef0"}, "a carrier gateway"),
        ({"LocalGatewayId": "lgw-0123456789abcdef0"}, "an Outposts local gateway"),
        ({"VpcEndpointId": "vpce-0123456789abcdef0"}, "a VPC endpoint"),
    ],
    ids=["NAT instance", "ENI", "transit gateway", "Cloud WAN", "peering", "carrier gateway",
         "local gateway", "firewall endpoint"],
)
def test_default_route_leading_elsewhere_is_a_cannot_verify(
    target: dict[str, Any], what: str
) -> None:
    app = exec_app()
    isolated_route(app, **target)
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)
    message = one(report, "EcsExec-NET7", Severity.WARNING, "Service").message
    assert f"route IsolatedSubnetDefaultRoute sends 0.0.0.0/0 to {what}" in message
    assert "whose way on is not in the input" in message


def test_cannot_verify_target_with_an_endpoint_is_clean() -> None:
    """An ssmmessages endpoint serves the tasks whatever the default route does."""
    app = exec_app(subnet="isolated")
    app.add("IsolatedSubnetDefaultRoute", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationCidrBlock="0.0.0.0/0",
            TransitGatewayId="tgw-0123456789abcdef0")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)


def test_ipv6_default_route_does_not_serve_ipv4_tasks() -> None:
    """Dual-stack subnets still need the IPv4 path: ::/0 to an egress-only gateway is not it."""
    app = exec_app()
    app.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    app.add("IsolatedSubnetIpv6Route", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationIpv6CidrBlock="::/0",
            EgressOnlyInternetGatewayId=ref("Eigw"))
    app.props("IsolatedSubnet")["Ipv6CidrBlock"] = "2001:db8:1234:1a00::/64"
    cfg = app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    cfg["Subnets"] = [ref("IsolatedSubnet")]
    assert net2(app) == (
        "Service (service): subnet(s) IsolatedSubnet have no default route that leads to the "
        "internet, and the VPC has no ssmmessages interface endpoint.")
