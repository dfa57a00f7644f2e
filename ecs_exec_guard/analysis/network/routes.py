"""Routes: which route table a subnet uses and where its default route leads."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..intrinsics import Unknown, describe, is_unknown, unknown_reason
from ..model import Model, Resource


class RouteIndex:
    """Route tables of the subnets and the routes of each table."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.route_table: dict[Resource, Any] = {}
        for assoc in model.resources("AWS::EC2::SubnetRouteTableAssociation"):
            subnet = model.deref(assoc.props.get("SubnetId"), "AWS::EC2::Subnet")
            if subnet is not None:
                rt = model.deref(assoc.props.get("RouteTableId"), "AWS::EC2::RouteTable")
                self.route_table[subnet] = rt if rt is not None else Unknown(
                    f"route table {describe(assoc.props.get('RouteTableId'))} is not in the input"
                )
        self.routes: dict[Resource, list[Resource]] = defaultdict(list)
        for route in model.resources("AWS::EC2::Route"):
            rt = model.deref(route.props.get("RouteTableId"), "AWS::EC2::RouteTable")
            if rt is not None:
                self.routes[rt].append(route)

    def subnet_path(self, subnet: Resource) -> str | Unknown:
        """``internet`` (NAT, NAT instance, transit gateway), ``igw``, or ``none``."""
        rt = self.route_table.get(subnet)
        if isinstance(rt, Unknown):
            return rt
        if rt is None:
            vpc = self.model.deref(subnet.props.get("VpcId"), "AWS::EC2::VPC")
            if vpc is None:
                return Unknown(
                    f"subnet {subnet.logical_id} uses its VPC's main route table, "
                    "which is not in the input"
                )
            return "none"  # a VPC made here: its main route table has only the local route
        best = "none"
        problems: list[str] = []
        for route in self.routes.get(rt, ()):
            dest = route.props.get("DestinationCidrBlock")
            if is_unknown(dest):
                problems.append(f"route {route.logical_id} has destination {unknown_reason(dest)}")
                continue
            if dest != "0.0.0.0/0":
                continue
            kind = self._route_target(route)
            if isinstance(kind, Unknown):
                problems.append(kind.reason)
            elif kind == "internet":
                return "internet"
            elif kind == "igw":
                best = "igw"
        if problems and best == "none":
            return Unknown("; ".join(problems))
        return best

    def _route_target(self, route: Resource) -> str | Unknown:
        p = route.props
        for key in ("NatGatewayId", "InstanceId", "NetworkInterfaceId", "TransitGatewayId",
                    "CoreNetworkArn"):
            if p.get(key) is not None:
                return "internet"
        gw = p.get("GatewayId")
        if gw is not None:
            # A virtual private gateway leads on premises, whose way out is not in the input.
            vgw = Unknown(
                f"route {route.logical_id} sends 0.0.0.0/0 to a virtual private gateway "
                "(on premises)"
            )
            res = self.model.deref(gw)
            if res is not None:
                if res.type == "AWS::EC2::InternetGateway":
                    return "igw"
                return vgw if res.type == "AWS::EC2::VPNGateway" else "other"
            if isinstance(gw, str):
                if gw.startswith("vgw-"):
                    return vgw
                return "igw" if gw.startswith("igw-") else "other"
            return Unknown(f"route {route.logical_id} goes to {describe(gw)}")
        if p.get("CarrierGatewayId") is not None:
            return "igw"
        for key in ("VpcEndpointId", "LocalGatewayId", "VpcPeeringConnectionId"):
            if p.get(key) is not None:
                return (
                    Unknown(f"route {route.logical_id} sends 0.0.0.0/0 to a {key[:-2]}")
                    if key != "VpcPeeringConnectionId"
                    else "other"
                )
        return "other"
