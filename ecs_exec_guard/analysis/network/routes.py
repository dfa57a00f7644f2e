"""Routes: which route table a subnet uses and where its default route leads.

A default route helps only if it leads out: an internet gateway attached to the subnet's VPC,
or a public NAT gateway that itself sits in such a subnet. A private NAT gateway, or a NAT
gateway in a subnet with no way out, leads nowhere. Targets whose way on is not in a template
(NAT instances, transit gateways, Cloud WAN, peering, virtual private / carrier / local
gateways, firewall endpoints) are a cannot-verify.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..budget import Budget
from ..intrinsics import Param, Unknown, describe, is_unknown, unknown_reason
from ..model import Model, Resource, truthy

V4_DEFAULT = "0.0.0.0/0"
V6_DEFAULT = "::/0"
#: NAT gateways followed in a row before the way out is a cannot-verify. A task subnet's NAT
#: gateway in a public subnet is one; a private NAT gateway's subnet routed to a public one is
#: two. A longer chain is a crafted template (each hop is a nested call).
MAX_NAT_HOPS = 8

# Route targets that lead somewhere the templates do not describe, with what they are.
_ELSEWHERE = (
    ("InstanceId", "a NAT instance or appliance"),
    ("NetworkInterfaceId", "a network interface (a NAT instance or appliance)"),
    ("TransitGatewayId", "a transit gateway"),
    ("CoreNetworkArn", "a Cloud WAN core network"),
    ("VpcPeeringConnectionId", "a VPC peering connection"),
    ("CarrierGatewayId", "a carrier gateway (only carrier IP addresses reach the internet)"),
    ("LocalGatewayId", "an Outposts local gateway (the on-premises network)"),
    ("VpcEndpointId", "a VPC endpoint (a firewall or Gateway Load Balancer)"),
    ("OdbNetworkArn", "an Oracle Database@AWS network"),
)


@dataclass(frozen=True)
class Exit:
    """How a subnet reaches the internet: ``internet`` (NAT and the like), ``igw`` (needs a
    public IP on IPv4), or ``none`` with why not."""

    kind: str
    why: str = ""


def _shown(value: Any) -> str:
    return value.reason if isinstance(value, Unknown) else describe(value)


class RouteIndex:
    """Route tables of the subnets, the routes of each table and the internet gateways."""

    def __init__(self, model: Model, budget: Budget) -> None:
        self.model = model
        self.budget = budget
        self.route_table: dict[Resource, Any] = {}
        for assoc in model.resources("AWS::EC2::SubnetRouteTableAssociation"):
            subnet = model.deref(assoc.props.get("SubnetId"), "AWS::EC2::Subnet")
            if subnet is not None:
                raw = assoc.props.get("RouteTableId")
                rt = model.deref(raw, "AWS::EC2::RouteTable")
                self.route_table[subnet] = rt if rt is not None else Unknown(
                    self._no_table(assoc, subnet, raw)
                )
        self.routes: dict[Resource, list[Resource]] = defaultdict(list)
        for route in model.resources("AWS::EC2::Route"):
            rt = model.deref(route.props.get("RouteTableId"), "AWS::EC2::RouteTable")
            if rt is not None:
                self.routes[rt].append(route)
        # (route table, VPC, IPv6) -> its way out: once per table, not per subnet or launch.
        self._tables: dict[tuple[Resource, Resource | None, bool], Exit | Unknown] = {}
        self.attachments: dict[Resource, list[Any]] = defaultdict(list)  # IGW -> VpcIds
        for att in model.resources("AWS::EC2::VPCGatewayAttachment"):
            igw = model.deref(att.props.get("InternetGatewayId"), "AWS::EC2::InternetGateway")
            if igw is not None:
                self.attachments[igw].append(att.props.get("VpcId"))

    def vpc_of(self, subnet: Resource) -> Resource | None:
        return self.model.deref(subnet.props.get("VpcId"), "AWS::EC2::VPC")

    def subnet_path(
        self, subnet: Resource, ipv6: bool = False, via: frozenset[Resource] = frozenset()
    ) -> Exit | Unknown:
        """Where the subnet's default route (``::/0`` when ``ipv6``) leads.

        ``via``: the NAT gateways already followed (a loop of them leads nowhere known).
        """
        rt = self.route_table.get(subnet)
        if isinstance(rt, Unknown):
            return rt
        vpc = self.vpc_of(subnet)
        if rt is None:
            if vpc is None:
                return Unknown(
                    f"subnet {subnet.logical_id} uses its VPC's main route table, "
                    "which is not in the input"
                )
            # A VPC made here: its main route table has only the local route.
            return Exit("none")
        if via:
            way = self._table_path(rt, vpc, ipv6, via)
        else:
            key = (rt, vpc, ipv6)
            if key not in self._tables:  # many subnets share a table, many launches a subnet
                self._tables[key] = self._table_path(rt, vpc, ipv6, via)
            way = self._tables[key]
        if ipv6 and isinstance(way, Exit) and way.kind == "none" and not way.why:
            # Saying so is news only for IPv6: NET2 already says there is no IPv4 default route.
            return Exit("none", f"{subnet.logical_id} has no ::/0 route")
        return way

    def _table_path(
        self, rt: Resource, vpc: Resource | None, ipv6: bool, via: frozenset[Resource]
    ) -> Exit | Unknown:
        """Where a route table's default route leads for subnets of ``vpc``."""
        routes = self.routes.get(rt, [])
        if not self.budget.spend(1 + len(routes)):
            return Unknown(self.budget.reason)
        key, default = ("DestinationIpv6CidrBlock", V6_DEFAULT)
        if not ipv6:
            key, default = ("DestinationCidrBlock", V4_DEFAULT)
        found: list[Exit] = []
        problems: list[str] = []
        for route in routes:
            dest = route.props.get(key)
            if is_unknown(dest):
                problems.append(f"route {route.logical_id} has destination {unknown_reason(dest)}")
                continue
            if dest != default:
                continue
            target = self._target(route, vpc, default, via)
            if isinstance(target, Unknown):
                problems.append(target.reason)
            else:
                found.append(target)
        for kind in ("internet", "igw"):
            for ex in found:
                if ex.kind == kind:
                    return ex
        if problems:
            return Unknown("; ".join(problems))
        if found:
            return found[0]
        return Exit("none")

    def nat_subnet(self, subnet: Resource) -> Resource | None:
        """The subnet of the NAT gateway the subnet's IPv4 default route goes to (if known)."""
        rt = self.route_table.get(subnet)
        if not isinstance(rt, Resource):
            return None
        routes = self.routes.get(rt, [])
        if not self.budget.spend(1 + len(routes)):
            return None  # the caller reports the spent budget
        for route in routes:
            if route.props.get("DestinationCidrBlock") != V4_DEFAULT:
                continue
            nat = self.model.deref(route.props.get("NatGatewayId"), "AWS::EC2::NatGateway")
            if nat is not None:
                return self.model.deref(nat.props.get("SubnetId"), "AWS::EC2::Subnet")
        return None

    def _target(
        self, route: Resource, vpc: Resource | None, default: str, via: frozenset[Resource]
    ) -> Exit | Unknown:
        p = route.props
        lid = route.logical_id
        if p.get("NatGatewayId") is not None:
            return self._nat(p["NatGatewayId"], lid, via)
        if p.get("EgressOnlyInternetGatewayId") is not None:
            if default != V6_DEFAULT:
                return Exit("none", f"route {lid} sends IPv4 to an egress-only gateway")
            return self._egress_only(p["EgressOnlyInternetGatewayId"], vpc, lid)
        gw = p.get("GatewayId")
        if gw is not None:
            return self._gateway(gw, vpc, lid, default)
        for key, what in _ELSEWHERE:
            value = p.get(key)
            if value is not None:
                return Unknown(
                    f"route {lid} sends {default} to {what} ({_shown(value)}), whose way on "
                    "is not in the input"
                )
        return Unknown(f"route {lid} has a target this check does not know")

    def _no_table(self, assoc: Resource, subnet: Resource, raw: Any) -> str:
        """Why a route table association's RouteTableId leads to no route table of the input."""
        if isinstance(raw, Unknown):
            return (
                f"the route table of subnet {subnet.logical_id} cannot be resolved ({raw.reason})"
            )
        if isinstance(raw, Param):
            return f"the route table of subnet {subnet.logical_id} is {unknown_reason(raw)}"
        shown = describe(raw, assoc.template.name)
        other = self.model.deref(raw)
        if other is not None:  # a resource of the input, but no route table
            return (
                f"RouteTableId of {assoc.logical_id} is {shown} ({other.type}), not a route table"
            )
        return f"route table {shown} is not in the input"

    def _no_target(self, value: Any, lid: str, prop: str, what: str, article: str = "a") -> str:
        """Why a route's target (``prop``, ``article`` ``what``) is no gateway of the input."""
        if isinstance(value, Unknown):
            return f"the {what} of route {lid} cannot be resolved ({value.reason})"
        other = self.model.deref(value)
        if other is not None:  # a resource of the input, but not the target's kind
            shown = describe(value)
            return f"{prop} of route {lid} is {shown} ({other.type}), not {article} {what}"
        # What a NAT gateway outside the input leaves open.
        note = " (whether it is public and has a way out)" if what == "NAT gateway" else ""
        if isinstance(value, Param):
            return f"the {what} of route {lid} is {describe(value)}, set at deploy time{note}"
        if note:
            return f"route {lid} goes to {what} {describe(value)}, which is not in the input{note}"
        return f"route {lid} goes to {what} {describe(value)}"

    def _gateway(self, gw: Any, vpc: Resource | None, lid: str, default: str) -> Exit | Unknown:
        res = self.model.deref(gw)
        if res is not None:
            if res.type == "AWS::EC2::InternetGateway":
                return self.igw_exit(res, vpc, lid)
            if res.type == "AWS::EC2::VPNGateway":
                return Unknown(
                    f"route {lid} sends {default} to a virtual private gateway (on premises)"
                )
            return Unknown(f"route {lid} sends {default} to {res.type} {res.logical_id}")
        if isinstance(gw, str) and gw.startswith("igw-"):
            # EC2 refuses a route to an internet gateway that is not attached to the VPC.
            return Exit("igw")
        if isinstance(gw, str) and gw.startswith("vgw-"):
            return Unknown(
                f"route {lid} sends {default} to a virtual private gateway (on premises)"
            )
        if isinstance(gw, Unknown):
            return Unknown(f"the gateway of route {lid} cannot be resolved ({gw.reason})")
        return Unknown(f"route {lid} goes to {describe(gw)}")

    def igw_exit(self, igw: Resource, vpc: Resource | None, lid: str) -> Exit | Unknown:
        """An internet gateway of the input leads out when it is attached to ``vpc``."""
        vpcs = self.attachments.get(igw, [])
        if vpc is not None and any(self.model.deref(v, "AWS::EC2::VPC") == vpc for v in vpcs):
            return Exit("igw")
        if vpc is None or any(self.model.deref(v, "AWS::EC2::VPC") is None for v in vpcs):
            return Unknown(f"whether internet gateway {igw.logical_id} is attached to the VPC")
        return Exit(
            "none",
            f"route {lid} goes to internet gateway {igw.logical_id}, which is not attached to "
            f"{vpc.logical_id} (no AWS::EC2::VPCGatewayAttachment)",
        )

    def _egress_only(self, eigw: Any, vpc: Resource | None, lid: str) -> Exit | Unknown:
        res = self.model.deref(eigw, "AWS::EC2::EgressOnlyInternetGateway")
        if res is None:
            if isinstance(eigw, str) and eigw.startswith("eigw-"):
                return Exit("internet")  # EC2 checks the gateway belongs to the VPC
            return Unknown(self._no_target(eigw, lid, "EgressOnlyInternetGatewayId",
                                           "egress-only gateway", "an"))
        if vpc is not None and self.model.deref(res.props.get("VpcId"), "AWS::EC2::VPC") == vpc:
            return Exit("internet")
        return Unknown(f"whether egress-only gateway {res.logical_id} is in the subnet's VPC")

    def _nat(self, ref: Any, lid: str, via: frozenset[Resource]) -> Exit | Unknown:
        nat = self.model.deref(ref, "AWS::EC2::NatGateway")
        if nat is None:
            return Unknown(self._no_target(ref, lid, "NatGatewayId", "NAT gateway"))
        name = nat.logical_id
        if nat in via:
            return Unknown(f"NAT gateway {name} is routed to in a loop")
        if len(via) >= MAX_NAT_HOPS:
            return Unknown(
                f"the way out passes more than {MAX_NAT_HOPS} NAT gateways in a row (at {name}); "
                f"this check follows at most {MAX_NAT_HOPS}"
            )
        conn = nat.props.get("ConnectivityType", "public")
        if not isinstance(conn, str):
            return Unknown(f"ConnectivityType of NAT gateway {name} is {unknown_reason(conn)}")
        if conn.lower() == "private":
            return Exit("none", f"NAT gateway {name} is private: it never reaches the internet")
        mode = nat.props.get("AvailabilityMode")
        if isinstance(mode, str) and mode.lower() == "regional":
            return self._regional_nat(nat)
        subnet = self.model.deref(nat.props.get("SubnetId"), "AWS::EC2::Subnet")
        if subnet is None:
            return Unknown(f"the subnet of NAT gateway {name} is not in the input")
        way = self.subnet_path(subnet, via=via | {nat})
        if isinstance(way, Unknown):
            return Unknown(f"NAT gateway {name}: {way.reason}")
        if way.kind == "igw":
            return Exit("internet")
        return Exit(
            "none",
            f"NAT gateway {name} sits in {subnet.logical_id}, whose default route does not go to "
            "an internet gateway attached to the VPC"
            + (f" ({way.why})" if way.why else ""),
        )

    def _regional_nat(self, nat: Resource) -> Exit | Unknown:
        """A regional NAT gateway has no subnet: it needs an internet gateway on its VPC."""
        vpc = self.model.deref(nat.props.get("VpcId"), "AWS::EC2::VPC")
        if vpc is None:
            return Unknown(f"the VPC of regional NAT gateway {nat.logical_id} is not in the input")
        attached = [igw for igw in self.attachments if self.igw_exit(igw, vpc, "") == Exit("igw")]
        if attached:
            return Exit("internet")
        return Exit(
            "none",
            f"regional NAT gateway {nat.logical_id}: {vpc.logical_id} has no internet gateway",
        )


def ipv6_only(subnet: Resource) -> bool | None:
    """Whether the subnet is IPv6-only (``Ipv6Native``); None when unknown."""
    return truthy(subnet.props.get("Ipv6Native", False))
