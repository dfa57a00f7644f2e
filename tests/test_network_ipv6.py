"""IPv6-only subnets (issue 11 item 5).

An IPv6-only subnet (``Ipv6Native: true``, no IPv4 CIDR) reaches ssmmessages through a ``::/0``
route to an egress-only or internet gateway, with security-group egress ``::/0`` (``CidrIpv6``)
on TCP 443; NET3 (public IPv4) does not apply. The exec agent uses the dual-stack endpoints only
on an IPv6-only interface (amazon-ecs-agent 1.103+), which AWS documents for EC2, not for
Fargate or Managed Instances: those are a cannot-verify. Shapes: AWS::EC2::Subnet
``Ipv6Native``/``Ipv6CidrBlock``, AWS::EC2::EgressOnlyInternetGateway ``VpcId``,
AWS::EC2::Route ``DestinationIpv6CidrBlock``/``EgressOnlyInternetGatewayId`` (cfn-lint schemas);
CDK's ``allowAllIpv6Outbound`` writes ``{"CidrIpv6": "::/0", "IpProtocol": "-1"}``.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ALLOW_ALL_EGRESS, Template, describe, ec2_app, exec_app, one, ref, rule_ids

from ecs_exec_guard.analysis import Severity

ALL_IPV6_EGRESS = {"CidrIpv6": "::/0", "IpProtocol": "-1", "Description": "all ipv6"}


V6_BLOCK = "2001:db8:1234:1a00::/64"


def ipv6_only_subnet(
    app: Template, route: dict[str, Any] | None = None, *, block: Any = V6_BLOCK
) -> None:
    """``V6Subnet``: IPv6-only (its Ipv6CidrBlock ``block``), its ::/0 route to ``route``
    (default: an egress-only gateway; ``{}``: no route)."""
    app.add("VpcIpv6Cidr", "AWS::EC2::VPCCidrBlock", VpcId=ref("Vpc"),
            AmazonProvidedIpv6CidrBlock=True)
    app.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    app.add("V6Subnet", "AWS::EC2::Subnet", VpcId=ref("Vpc"), Ipv6Native=True,
            Ipv6CidrBlock=block, AssignIpv6AddressOnCreation=True,
            AvailabilityZone="eu-west-1a")
    app.add("V6SubnetRouteTable", "AWS::EC2::RouteTable", VpcId=ref("Vpc"))
    app.add("V6SubnetRouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation",
            SubnetId=ref("V6Subnet"), RouteTableId=ref("V6SubnetRouteTable"))
    if route is None:
        route = {"EgressOnlyInternetGatewayId": ref("Eigw")}
    if route:
        app.add("V6SubnetDefaultRoute", "AWS::EC2::Route",
                RouteTableId=ref("V6SubnetRouteTable"), DestinationIpv6CidrBlock="::/0", **route)
    app.props("TaskSg")["SecurityGroupEgress"] = [*ALLOW_ALL_EGRESS, ALL_IPV6_EGRESS]


def ec2_tasks_in(app: Template, *subnets: str) -> None:
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref(s) for s in subnets]


@pytest.mark.parametrize(
    "route",
    [
        {"EgressOnlyInternetGatewayId": ref("Eigw")},
        {"EgressOnlyInternetGatewayId": "eigw-0123456789abcdef0"},
        {"GatewayId": ref("Igw")},
    ],
    ids=["egress-only gateway", "egress-only gateway outside the input", "internet gateway"],
)
def test_ec2_tasks_in_an_ipv6_only_subnet_with_a_way_out(route: dict[str, Any]) -> None:
    app = ec2_app()
    ipv6_only_subnet(app, route)
    ec2_tasks_in(app, "V6Subnet")
    assert app.analyze().findings == []  # no NET3: IPv6 addresses need no public IPv4


def test_ec2_tasks_in_an_ipv6_only_subnet_without_a_v6_route() -> None:
    app = ec2_app()
    ipv6_only_subnet(app, route={})
    ec2_tasks_in(app, "V6Subnet")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET2"], describe(report)
    assert "V6Subnet has no ::/0 route" in report.findings[0].message


def test_ipv4_route_does_not_serve_an_ipv6_only_subnet() -> None:
    app = ec2_app()
    ipv6_only_subnet(app, route={})
    app.add("V6SubnetV4Route", "AWS::EC2::Route", RouteTableId=ref("V6SubnetRouteTable"),
            DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ref("Nat"))
    ec2_tasks_in(app, "V6Subnet")
    assert rule_ids(app.analyze()) == ["EcsExec-NET2"]


def test_ipv6_only_tasks_without_ipv6_egress() -> None:
    """CDK's allowAllOutbound alone writes only the IPv4 rule."""
    app = ec2_app()
    ipv6_only_subnet(app)
    app.props("TaskSg")["SecurityGroupEgress"] = list(ALLOW_ALL_EGRESS)
    ec2_tasks_in(app, "V6Subnet")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET4"], describe(report)
    assert one(report, "EcsExec-NET4", Severity.ERROR, "Service").message.endswith(
        "egress on TCP 443 to the internet over IPv6 (::/0).")


def test_ipv6_only_tasks_with_ipv6_egress_on_443_only() -> None:
    app = ec2_app()
    ipv6_only_subnet(app)
    app.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIpv6": "::/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]
    ec2_tasks_in(app, "V6Subnet")
    assert app.analyze().findings == []


def test_bridge_mode_hosts_in_an_ipv6_only_subnet() -> None:
    app = ec2_app(network_mode="bridge")
    ipv6_only_subnet(app)
    app.props("Asg")["VPCZoneIdentifier"] = [ref("V6Subnet")]
    assert app.analyze().findings == []


def test_fargate_in_an_ipv6_only_subnet_is_a_cannot_verify() -> None:
    app = exec_app()
    ipv6_only_subnet(app)
    ec2_tasks_in(app, "V6Subnet")
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)
    assert "subnet V6Subnet is IPv6-only: exec from fargate tasks on an IPv6-only interface " \
        "is not documented" in report.findings[0].message


def test_dual_stack_fargate_subnet_still_uses_ipv4() -> None:
    """A dual-stack subnet (IPv4 and IPv6 CIDRs, not Ipv6Native) keeps the IPv4 checks."""
    app = exec_app()
    app.props("PrivateSubnet")["Ipv6CidrBlock"] = "2001:db8:1234:1a01::/64"
    app.props("TaskSg")["SecurityGroupEgress"] = [ALL_IPV6_EGRESS]
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET4"], describe(report)
    assert report.findings[0].message.endswith("to the internet (0.0.0.0/0).")
