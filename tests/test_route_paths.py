"""Where a subnet's default route leads, as ``RouteIndex`` returns it (issue 15 item 1).

These pin the whole answer (the ``Exit`` or the ``Unknown`` reason) for each kind of route target,
the order in which several default routes of one table are weighed, how far NAT gateways are
followed, and what the index charges to the network budget. Shapes: AWS::EC2::Route
(DestinationCidrBlock / DestinationIpv6CidrBlock and one target: GatewayId, NatGatewayId,
EgressOnlyInternetGatewayId, InstanceId, TransitGatewayId, OdbNetworkArn, ...),
AWS::EC2::NatGateway (ConnectivityType, AvailabilityMode, SubnetId, VpcId),
AWS::EC2::VPCGatewayAttachment and AWS::EC2::SubnetRouteTableAssociation (cfn-lint schemas).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, network, ref
from netindex import index_of, res

from ecs_exec_guard.analysis.intrinsics import Ref, Unknown
from ecs_exec_guard.analysis.network.routes import MAX_NAT_HOPS, Exit, ipv6_only

T = "App.template.json"


def base() -> Template:
    """The cfn network: PublicSubnet (IGW), PrivateSubnet (NAT), IsolatedSubnet (no route)."""
    t = Template()
    network(t)
    return t


def route(t: Template, table: str, name: str, *, v6: bool = False, **target: Any) -> None:
    dest = {"DestinationIpv6CidrBlock": "::/0"} if v6 else {"DestinationCidrBlock": "0.0.0.0/0"}
    t.add(name, "AWS::EC2::Route", RouteTableId=ref(table), **dest, **target)


def isolated_path(t: Template, *, v6: bool = False) -> Exit | Unknown:
    model, index = index_of(t)
    return index.routing.subnet_path(res(model, "IsolatedSubnet"), v6)


# -- the index itself ------------------------------------------------------------------------


def test_the_index_maps_subnets_tables_routes_and_attachments() -> None:
    t = base()
    # An association to a table outside the input, one of a subnet outside it, a route of a
    # table outside it and an attachment of a gateway outside it.
    t.add("Extra", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.9.0/24")
    t.add("ExtraAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Extra"), RouteTableId="rtb-0123456789abcdef0")
    t.add("OutsideAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId="subnet-0123456789abcdef0", RouteTableId=ref("PublicSubnetRouteTable"))
    # Associations naming resources of other types.
    t.add("Odd", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.8.0/24")
    t.add("OddAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Odd"), RouteTableId=ref("Igw"))
    t.add("NotASubnetAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Vpc"), RouteTableId=ref("PublicSubnetRouteTable"))
    t.add("OutsideRoute", "AWS::EC2::Route", RouteTableId="rtb-0123456789abcdef0",
          DestinationCidrBlock="0.0.0.0/0", GatewayId=ref("Igw"))
    t.add("OutsideAttachment", "AWS::EC2::VPCGatewayAttachment", VpcId=ref("Vpc"),
          InternetGatewayId="igw-0123456789abcdef0")
    t.add("OddRoute", "AWS::EC2::Route", RouteTableId=ref("Igw"),
          DestinationCidrBlock="0.0.0.0/0", GatewayId=ref("Igw"))
    t.add("OddAttachment", "AWS::EC2::VPCGatewayAttachment", VpcId=ref("Vpc"),
          InternetGatewayId=ref("PublicSubnet"))
    model, index = index_of(t)
    r = index.routing
    assert r.route_table == {
        res(model, "PublicSubnet"): res(model, "PublicSubnetRouteTable"),
        res(model, "PrivateSubnet"): res(model, "PrivateSubnetRouteTable"),
        res(model, "IsolatedSubnet"): res(model, "IsolatedSubnetRouteTable"),
        res(model, "Extra"): Unknown('route table "rtb-0123456789abcdef0" is not in the input'),
        res(model, "Odd"): Unknown(
            "RouteTableId of OddAssociation is Igw (AWS::EC2::InternetGateway), not a route table"),
    }
    assert index.route_table is r.route_table
    assert dict(r.routes) == {
        res(model, "PublicSubnetRouteTable"): [res(model, "PublicSubnetDefaultRoute")],
        res(model, "PrivateSubnetRouteTable"): [res(model, "PrivateSubnetDefaultRoute")],
    }
    assert dict(r.attachments) == {res(model, "Igw"): [Ref(T, "Vpc")]}
    assert r.subnet_path(res(model, "Extra")) == Unknown(
        'route table "rtb-0123456789abcdef0" is not in the input')
    assert index.subnet_path(res(model, "Extra")) == Unknown(
        'route table "rtb-0123456789abcdef0" is not in the input')


def test_the_three_subnets_of_the_cfn_network() -> None:
    model, index = index_of(base())
    r = index.routing
    assert r.subnet_path(res(model, "PublicSubnet")) == Exit("igw")
    assert r.subnet_path(res(model, "PrivateSubnet")) == Exit("internet")
    assert r.subnet_path(res(model, "IsolatedSubnet")) == Exit("none")
    assert r.subnet_path(res(model, "IsolatedSubnet"), ipv6=True) == Exit(
        "none", "IsolatedSubnet has no ::/0 route")
    assert r.nat_subnet(res(model, "PrivateSubnet")) is res(model, "PublicSubnet")
    assert r.nat_subnet(res(model, "PublicSubnet")) is None
    assert r.nat_subnet(res(model, "IsolatedSubnet")) is None
    assert r.vpc_of(res(model, "PublicSubnet")) is res(model, "Vpc")
    assert index.vpc_of(res(model, "PublicSubnet")) is res(model, "Vpc")
    assert index.subnet_path(res(model, "PublicSubnet")) == Exit("igw")
    assert index.subnet_path(res(model, "PublicSubnet"), True) == Exit(
        "none", "PublicSubnet has no ::/0 route")


def test_a_subnet_without_a_table_uses_its_vpcs_main_table() -> None:
    t = base()
    t.add("Bare", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.9.0/24")
    t.add("Imported", "AWS::EC2::Subnet", VpcId="vpc-0123456789abcdef0", CidrBlock="10.1.0.0/24")
    # A VpcId naming a resource that is not a VPC is not a VPC of the input.
    t.add("Odd", "AWS::EC2::Subnet", VpcId=ref("Igw"), CidrBlock="10.0.8.0/24")
    model, index = index_of(t)
    r = index.routing
    assert r.subnet_path(res(model, "Bare")) == Exit("none")
    # (The VPC's main table says nothing more for IPv6.)
    assert r.subnet_path(res(model, "Bare"), ipv6=True) == Exit("none")
    assert r.subnet_path(res(model, "Imported")) == Unknown(
        "subnet Imported uses its VPC's main route table, which is not in the input")
    assert r.vpc_of(res(model, "Odd")) is None
    assert r.subnet_path(res(model, "Odd")) == Unknown(
        "subnet Odd uses its VPC's main route table, which is not in the input")
    assert r.nat_subnet(res(model, "Bare")) is None


def test_ipv4_and_ipv6_answers_of_one_table_are_kept_apart() -> None:
    t = base()
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    route(t, "PublicSubnetRouteTable", "PublicV6", v6=True, EgressOnlyInternetGatewayId=ref("Eigw"))
    model, index = index_of(t)
    public = res(model, "PublicSubnet")
    for _ in range(2):  # the second round reads what the first one kept
        assert index.routing.subnet_path(public) == Exit("igw")
        assert index.routing.subnet_path(public, ipv6=True) == Exit("internet")
    isolated = res(model, "IsolatedSubnet")
    assert index.routing.subnet_path(isolated, ipv6=True) == Exit(
        "none", "IsolatedSubnet has no ::/0 route")
    assert index.routing.subnet_path(isolated) == Exit("none")


# -- several default routes in one table ------------------------------------------------------


def test_a_way_to_the_internet_wins_over_an_internet_gateway_and_a_problem() -> None:
    t = base()
    route(t, "IsolatedSubnetRouteTable", "A", TransitGatewayId="tgw-0123456789abcdef0")
    route(t, "IsolatedSubnetRouteTable", "B", GatewayId=ref("Igw"))
    route(t, "IsolatedSubnetRouteTable", "C", NatGatewayId=ref("Nat"))
    assert isolated_path(t) == Exit("internet")


def test_an_internet_gateway_wins_over_a_problem_and_a_dead_end() -> None:
    t = base()
    t.nat_gateway("PrivNat", subnet="PublicSubnet")["ConnectivityType"] = "private"
    route(t, "IsolatedSubnetRouteTable", "A", NatGatewayId=ref("PrivNat"))
    route(t, "IsolatedSubnetRouteTable", "B", TransitGatewayId="tgw-0123456789abcdef0")
    route(t, "IsolatedSubnetRouteTable", "C", GatewayId=ref("Igw"))
    assert isolated_path(t) == Exit("igw")


def test_problems_win_over_dead_ends_and_are_all_named() -> None:
    t = base()
    t.parameters["Dest"] = {"Type": "String"}
    t.nat_gateway("PrivNat", subnet="PublicSubnet")["ConnectivityType"] = "private"
    route(t, "IsolatedSubnetRouteTable", "A", NatGatewayId=ref("PrivNat"))
    route(t, "IsolatedSubnetRouteTable", "B", TransitGatewayId="tgw-0123456789abcdef0")
    t.add("C", "AWS::EC2::Route", RouteTableId=ref("IsolatedSubnetRouteTable"),
          DestinationCidrBlock=ref("Dest"), GatewayId=ref("Igw"))
    t.add("D", "AWS::EC2::Route", RouteTableId=ref("IsolatedSubnetRouteTable"),
          DestinationCidrBlock="10.9.0.0/16", GatewayId=ref("Igw"))
    assert isolated_path(t) == Unknown(
        "route B sends 0.0.0.0/0 to a transit gateway (\"tgw-0123456789abcdef0\"), whose way "
        "on is not in the input; route C has destination parameter Dest (set at deploy time)")


def test_routes_after_one_with_an_unknown_destination_still_count() -> None:
    t = base()
    t.parameters["Dest"] = {"Type": "String"}
    t.add("First", "AWS::EC2::Route", RouteTableId=ref("IsolatedSubnetRouteTable"),
          DestinationCidrBlock=ref("Dest"), TransitGatewayId="tgw-0123456789abcdef0")
    route(t, "IsolatedSubnetRouteTable", "Second", GatewayId=ref("Igw"))
    assert isolated_path(t) == Exit("igw")


def test_the_first_dead_end_says_why() -> None:
    t = base()
    t.nat_gateway("PrivNat", subnet="PublicSubnet")["ConnectivityType"] = "Private"
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    route(t, "IsolatedSubnetRouteTable", "A", NatGatewayId=ref("PrivNat"))
    route(t, "IsolatedSubnetRouteTable", "B", EgressOnlyInternetGatewayId=ref("Eigw"))
    assert isolated_path(t) == Exit(
        "none", "NAT gateway PrivNat is private: it never reaches the internet")
    # The same table for IPv6 has no ::/0 route at all.
    assert isolated_path(t, v6=True) == Exit("none", "IsolatedSubnet has no ::/0 route")


# -- targets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ({"InstanceId": "i-0123456789abcdef0"},
         'a NAT instance or appliance ("i-0123456789abcdef0")'),
        ({"NetworkInterfaceId": "eni-0123456789abcdef0"},
         'a network interface (a NAT instance or appliance) ("eni-0123456789abcdef0")'),
        ({"TransitGatewayId": "tgw-0123456789abcdef0"},
         'a transit gateway ("tgw-0123456789abcdef0")'),
        ({"CoreNetworkArn": "arn:aws:networkmanager::123456789012:core-network/cn-0"},
         'a Cloud WAN core network ("arn:aws:networkmanager::123456789012:core-network/cn-0")'),
        ({"VpcPeeringConnectionId": "pcx-0123456789abcdef0"},
         'a VPC peering connection ("pcx-0123456789abcdef0")'),
        ({"CarrierGatewayId": "cagw-0123456789abcdef0"},
         'a carrier gateway (only carrier IP addresses reach the internet) '
         '("cagw-0123456789abcdef0")'),
        ({"LocalGatewayId": "lgw-0123456789abcdef0"},
         'an Outposts local gateway (the on-premises network) ("lgw-0123456789abcdef0")'),
        ({"VpcEndpointId": "vpce-0123456789abcdef0"},
         'a VPC endpoint (a firewall or Gateway Load Balancer) ("vpce-0123456789abcdef0")'),
        ({"OdbNetworkArn": "arn:aws:odb:eu-west-1:123456789012:odb-network/odb-0"},
         'an Oracle Database@AWS network ("arn:aws:odb:eu-west-1:123456789012:odb-network/'
         'odb-0")'),
    ],
    ids=["instance", "eni", "tgw", "cloud wan", "peering", "carrier", "local", "vpce", "odb"],
)
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_targets_whose_way_on_is_elsewhere(target: dict[str, Any], reason: str, v6: bool) -> None:
    t = base()
    route(t, "IsolatedSubnetRouteTable", "Out", v6=v6, **target)
    default = "::/0" if v6 else "0.0.0.0/0"
    assert isolated_path(t, v6=v6) == Unknown(
        f"route Out sends {default} to {reason}, whose way on is not in the input")


def test_a_route_with_no_target_this_check_knows() -> None:
    t = base()
    route(t, "IsolatedSubnetRouteTable", "Out", FutureGatewayId="xgw-0123456789abcdef0")
    assert isolated_path(t) == Unknown("route Out has a target this check does not know")


@pytest.mark.parametrize(
    ("gateway", "v6", "expected"),
    [
        ("igw-0123456789abcdef0", False, Exit("igw")),
        ("igw-0123456789abcdef0", True, Exit("igw")),
        ("vgw-0123456789abcdef0", False,
         Unknown("route Out sends 0.0.0.0/0 to a virtual private gateway (on premises)")),
        ("vgw-0123456789abcdef0", True,
         Unknown("route Out sends ::/0 to a virtual private gateway (on premises)")),
        ("local", False, Unknown('route Out goes to "local"')),
        (ref("Vgw"), False,
         Unknown("route Out sends 0.0.0.0/0 to a virtual private gateway (on premises)")),
        (ref("Vgw"), True,
         Unknown("route Out sends ::/0 to a virtual private gateway (on premises)")),
        (ref("Tgw"), True, Unknown("route Out sends ::/0 to AWS::EC2::TransitGateway Tgw")),
        (ref("Tgw"), False,
         Unknown("route Out sends 0.0.0.0/0 to AWS::EC2::TransitGateway Tgw")),
        ({"Fn::ImportValue": "SharedIgw"}, False,
         Unknown("the gateway of route Out cannot be resolved (Fn::ImportValue SharedIgw: no "
                 "template of the input exports it)")),
    ],
    ids=["igw id", "igw id v6", "vgw id", "vgw id v6", "local", "vgw", "vgw v6", "tgw v6", "tgw",
         "import"],
)
def test_gateway_targets(gateway: Any, v6: bool, expected: Exit | Unknown) -> None:
    t = base()
    t.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1")
    t.add("Tgw", "AWS::EC2::TransitGateway")
    route(t, "IsolatedSubnetRouteTable", "Out", v6=v6, GatewayId=gateway)
    assert isolated_path(t, v6=v6) == expected


def test_internet_gateways_attached_or_not() -> None:
    t = base()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.add("OtherIgw", "AWS::EC2::InternetGateway")
    t.add("OtherIgwAttachment", "AWS::EC2::VPCGatewayAttachment", VpcId=ref("OtherVpc"),
          InternetGatewayId=ref("OtherIgw"))
    # Igw is attached to OtherVpc too, before Vpc: one attachment to the VPC is enough.
    t.add("IgwOtherAttachment", "AWS::EC2::VPCGatewayAttachment", VpcId=ref("OtherVpc"),
          InternetGatewayId=ref("Igw"))
    t.resources = {"IgwOtherAttachment": t.resources.pop("IgwOtherAttachment"), **t.resources}
    route(t, "IsolatedSubnetRouteTable", "Out", GatewayId=ref("OtherIgw"))
    model, index = index_of(t)
    r = index.routing
    assert r.subnet_path(res(model, "PublicSubnet")) == Exit("igw")
    assert r.subnet_path(res(model, "IsolatedSubnet")) == Exit(
        "none", "route Out goes to internet gateway OtherIgw, which is not attached to Vpc "
        "(no AWS::EC2::VPCGatewayAttachment)")
    igw = res(model, "OtherIgw")
    assert r.igw_exit(igw, None, "Out") == Unknown(
        "whether internet gateway OtherIgw is attached to the VPC")
    assert r.igw_exit(igw, res(model, "OtherVpc"), "Out") == Exit("igw")


def test_an_internet_gateway_attached_to_an_unknown_vpc() -> None:
    t = base()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.add("IgwImportedAttachment", "AWS::EC2::VPCGatewayAttachment",
          VpcId="vpc-0123456789abcdef0", InternetGatewayId=ref("Igw"))
    model, index = index_of(t)
    r = index.routing
    igw = res(model, "Igw")
    assert r.igw_exit(igw, res(model, "Vpc"), "X") == Exit("igw")
    assert r.igw_exit(igw, res(model, "OtherVpc"), "X") == Unknown(
        "whether internet gateway Igw is attached to the VPC")


def test_an_internet_gateway_attached_to_something_not_a_vpc() -> None:
    t = base()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.add("Odd", "AWS::EC2::VPCGatewayAttachment", VpcId=ref("PublicSubnet"),
          InternetGatewayId=ref("Igw"))
    model, index = index_of(t)
    assert index.routing.igw_exit(res(model, "Igw"), res(model, "OtherVpc"), "X") == Unknown(
        "whether internet gateway Igw is attached to the VPC")


def test_an_internet_gateway_of_a_subnet_whose_vpc_is_outside() -> None:
    t = base()
    t.props("IsolatedSubnet")["VpcId"] = "vpc-0123456789abcdef0"
    route(t, "IsolatedSubnetRouteTable", "Out", GatewayId=ref("Igw"))
    assert isolated_path(t) == Unknown("whether internet gateway Igw is attached to the VPC")


# -- egress-only internet gateways ------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        (ref("Eigw"), Exit("internet")),
        ("eigw-0123456789abcdef0", Exit("internet")),
        ("igw-0123456789abcdef0",
         Unknown('route Out goes to egress-only gateway "igw-0123456789abcdef0"')),
        # A reference to a resource that is not an egress-only gateway.
        (ref("Igw"), Unknown("EgressOnlyInternetGatewayId of route Out is Igw "
                             "(AWS::EC2::InternetGateway), not an egress-only gateway")),
        (ref("OtherEigw"),
         Unknown("whether egress-only gateway OtherEigw is in the subnet's VPC")),
        (ref("ImportedEigw"),
         Unknown("whether egress-only gateway ImportedEigw is in the subnet's VPC")),
    ],
    ids=["in the vpc", "outside the input", "not an eigw id", "not an eigw", "other vpc",
         "vpc outside"],
)
def test_egress_only_gateways(gateway: Any, expected: Exit | Unknown) -> None:
    t = base()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    t.add("OtherEigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("OtherVpc"))
    t.add("ImportedEigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId="vpc-0123456789abcdef0")
    route(t, "IsolatedSubnetRouteTable", "Out", v6=True, EgressOnlyInternetGatewayId=gateway)
    assert isolated_path(t, v6=True) == expected


def test_an_egress_only_gateway_of_a_subnet_whose_vpc_is_outside() -> None:
    t = base()
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    t.props("IsolatedSubnet")["VpcId"] = "vpc-0123456789abcdef0"
    route(t, "IsolatedSubnetRouteTable", "Out", v6=True, EgressOnlyInternetGatewayId=ref("Eigw"))
    assert isolated_path(t, v6=True) == Unknown(
        "whether egress-only gateway Eigw is in the subnet's VPC")


def test_ipv4_sent_to_an_egress_only_gateway_leads_nowhere() -> None:
    t = base()
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    route(t, "IsolatedSubnetRouteTable", "Out", EgressOnlyInternetGatewayId=ref("Eigw"))
    assert isolated_path(t) == Exit("none", "route Out sends IPv4 to an egress-only gateway")


# -- NAT gateways -----------------------------------------------------------------------------


def test_nat_gateway_cases() -> None:
    t = base()
    t.parameters["Conn"] = {"Type": "String"}
    t.nat_gateway("ParamNat")["ConnectivityType"] = ref("Conn")
    t.nat_gateway("PublicNat")["ConnectivityType"] = "Public"
    t.nat_gateway("DeadNat", subnet="IsolatedSubnet")
    t.nat_gateway("OutsideNat", subnet="IsolatedSubnet")["SubnetId"] = "subnet-0123456789abcdef0"
    t.nat_gateway("OddNat")["SubnetId"] = ref("Vpc")  # not a subnet
    t.nat_gateway("BehindNat", subnet="PrivateSubnet")
    t.nat_gateway("UnknownWayNat", subnet="Mystery")
    t.add("Mystery", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.7.0/24")
    t.add("MysteryAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Mystery"), RouteTableId="rtb-0123456789abcdef0")
    expected: dict[str, Exit | Unknown] = {
        "ParamNat": Unknown(
            "ConnectivityType of NAT gateway ParamNat is parameter Conn (set at deploy time)"),
        "PublicNat": Exit("internet"),
        "DeadNat": Exit(
            "none", "NAT gateway DeadNat sits in IsolatedSubnet, whose default route does not go "
            "to an internet gateway attached to the VPC"),
        "OutsideNat": Unknown("the subnet of NAT gateway OutsideNat is not in the input"),
        "OddNat": Unknown("the subnet of NAT gateway OddNat is not in the input"),
        "BehindNat": Exit(
            "none", "NAT gateway BehindNat sits in PrivateSubnet, whose default route does not go "
            "to an internet gateway attached to the VPC"),
        "UnknownWayNat": Unknown(
            'NAT gateway UnknownWayNat: route table "rtb-0123456789abcdef0" is not in the input'),
    }
    model, index = index_of(t)
    for name, want in expected.items():
        table = f"{name}Table"
        t2 = Template()
        t2.resources = dict(t.resources)
        t2.parameters = t.parameters
        t2.add(table, "AWS::EC2::RouteTable", VpcId=ref("Vpc"))
        t2.add(f"{name}Sub", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.6.0/24")
        t2.add(f"{name}Assoc", "AWS::EC2::SubnetRouteTableAssociation",
               SubnetId=ref(f"{name}Sub"), RouteTableId=ref(table))
        route(t2, table, "Out", NatGatewayId=ref(name))
        model, index = index_of(t2)
        assert index.routing.subnet_path(res(model, f"{name}Sub")) == want, name


def test_a_nat_gateway_outside_the_input() -> None:
    t = base()
    route(t, "IsolatedSubnetRouteTable", "Out", NatGatewayId="nat-0123456789abcdef0")
    assert isolated_path(t) == Unknown(
        'route Out goes to NAT gateway "nat-0123456789abcdef0", which is not in the input '
        "(whether it is public and has a way out)")


def test_a_nat_gateway_id_naming_another_resource() -> None:
    t = base()
    route(t, "IsolatedSubnetRouteTable", "Out", NatGatewayId=ref("Igw"))
    assert isolated_path(t) == Unknown(
        "NatGatewayId of route Out is Igw (AWS::EC2::InternetGateway), not a NAT gateway")


def test_a_nat_gateway_behind_a_dead_end_says_why() -> None:
    """The NAT gateway's subnet routes to a private NAT gateway: its reason comes along."""
    t = base()
    t.nat_gateway("PrivNat", subnet="PublicSubnet")["ConnectivityType"] = "private"
    t.nat_gateway("Front", subnet="IsolatedSubnet")
    route(t, "IsolatedSubnetRouteTable", "Out", NatGatewayId=ref("PrivNat"))
    t.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = ref("Front")
    model, index = index_of(t)
    assert index.routing.subnet_path(res(model, "PrivateSubnet")) == Exit(
        "none", "NAT gateway Front sits in IsolatedSubnet, whose default route does not go to an "
        "internet gateway attached to the VPC (NAT gateway PrivNat is private: it never reaches "
        "the internet)")


def test_nat_gateways_in_a_loop_each_way_round() -> None:
    """A's route goes to NatB in B, B's to NatA in A. What one subnet's answer met on the way
    (with the NAT gateways already followed) is not kept as the other subnet's own answer."""
    t = base()
    for name in ("A", "B"):
        t.subnet(name, "10.0.5.0/24" if name == "A" else "10.0.6.0/24")
        t.nat_gateway(f"Nat{name}", subnet=name)
    route(t, "ARouteTable", "ADefault", NatGatewayId=ref("NatB"))
    route(t, "BRouteTable", "BDefault", NatGatewayId=ref("NatA"))
    model, index = index_of(t)
    r = index.routing
    assert r.subnet_path(res(model, "A")) == Unknown(
        "NAT gateway NatB: NAT gateway NatA: NAT gateway NatB is routed to in a loop")
    assert r.subnet_path(res(model, "B")) == Unknown(
        "NAT gateway NatA: NAT gateway NatB: NAT gateway NatA is routed to in a loop")
    assert r.nat_subnet(res(model, "A")) is res(model, "B")


def chain(length: int) -> Template:
    """Subnet S0 routes to NAT gateway N1 in S1, S1 to N2 in S2, ..., S<length> to the IGW."""
    t = base()
    for i in range(length + 1):
        t.subnet(f"S{i}", f"10.0.{100 + i}.0/24")
        if i:
            t.nat_gateway(f"N{i}", subnet=f"S{i}")
    for i in range(length):
        route(t, f"S{i}RouteTable", f"R{i}", NatGatewayId=ref(f"N{i + 1}"))
    route(t, f"S{length}RouteTable", f"R{length}", GatewayId=ref("Igw"))
    return t


def test_nat_gateways_are_followed_up_to_the_limit() -> None:
    assert MAX_NAT_HOPS == 8
    model, index = index_of(chain(MAX_NAT_HOPS))
    way = index.routing.subnet_path(res(model, "S0"))
    # N8 sits in S8 (an IGW route), so N8 leads out; N7 sits behind N8 and leads nowhere.
    assert isinstance(way, Exit)
    assert way.kind == "none"
    assert way.why.startswith(
        "NAT gateway N1 sits in S1, whose default route does not go to an internet gateway "
        "attached to the VPC (NAT gateway N2 sits in S2")
    model, index = index_of(chain(MAX_NAT_HOPS + 1))
    way = index.routing.subnet_path(res(model, "S0"))
    assert way == Unknown(
        "".join(f"NAT gateway N{i}: " for i in range(1, MAX_NAT_HOPS + 1))
        + "the way out passes more than 8 NAT gateways in a row (at N9); this check follows "
        "at most 8")


@pytest.mark.parametrize(
    ("vpc", "igw_vpc", "expected"),
    [
        ("Vpc", "Vpc", Exit("internet")),
        ("Vpc", "OtherVpc",
         Exit("none", "regional NAT gateway RNat: Vpc has no internet gateway")),
        ("vpc-0123456789abcdef0", "Vpc",
         Unknown("the VPC of regional NAT gateway RNat is not in the input")),
        ("PublicSubnet", "Vpc",
         Unknown("the VPC of regional NAT gateway RNat is not in the input")),
    ],
    ids=["igw on its vpc", "igw on another vpc", "vpc outside", "not a vpc"],
)
def test_regional_nat_gateways(vpc: str, igw_vpc: str, expected: Exit | Unknown) -> None:
    t = base()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.props("IgwAttachment")["VpcId"] = ref(igw_vpc)
    t.add("RNat", "AWS::EC2::NatGateway", AvailabilityMode="Regional",
          VpcId=ref(vpc) if not vpc.startswith("vpc-") else vpc)
    route(t, "IsolatedSubnetRouteTable", "Out", NatGatewayId=ref("RNat"))
    assert isolated_path(t) == expected


# -- NAT subnets, budget, IPv6-only -----------------------------------------------------------


def test_the_nat_subnet_is_read_from_the_ipv4_default_route() -> None:
    t = base()
    t.nat_gateway("Nat2", subnet="IsolatedSubnet")
    # Before the default route: a route to another NAT gateway for another destination.
    t.add("Narrow", "AWS::EC2::Route", RouteTableId=ref("PrivateSubnetRouteTable"),
          DestinationCidrBlock="10.9.0.0/16", NatGatewayId=ref("Nat2"))
    t.resources = {"Narrow": t.resources.pop("Narrow"), **t.resources}
    t.add("Unassociated", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.9.0/24")
    t.add("UnassociatedAssoc", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Unassociated"), RouteTableId="rtb-0123456789abcdef0")
    model, index = index_of(t)
    r = index.routing
    assert r.nat_subnet(res(model, "PrivateSubnet")) is res(model, "PublicSubnet")
    assert r.nat_subnet(res(model, "Unassociated")) is None


def test_the_nat_subnet_only_of_a_nat_gateway_in_a_subnet() -> None:
    t = base()
    # A NatGatewayId naming a network interface (which has a SubnetId), and a NAT gateway
    # whose SubnetId names the VPC.
    t.add("Eni", "AWS::EC2::NetworkInterface", SubnetId=ref("PublicSubnet"))
    t.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = ref("Eni")
    t.nat_gateway("OddNat")["SubnetId"] = ref("Vpc")
    route(t, "IsolatedSubnetRouteTable", "Out", NatGatewayId=ref("OddNat"))
    model, index = index_of(t)
    assert index.routing.nat_subnet(res(model, "PrivateSubnet")) is None
    assert index.routing.nat_subnet(res(model, "IsolatedSubnet")) is None


def test_what_the_route_index_charges_to_the_budget() -> None:
    t = base()
    t.add("Second", "AWS::EC2::Route", RouteTableId=ref("PrivateSubnetRouteTable"),
          DestinationCidrBlock="10.9.0.0/16", GatewayId=ref("Igw"))
    model, index = index_of(t)
    budget = index.budget
    before = budget.spent
    assert index.routing.nat_subnet(res(model, "PrivateSubnet")) is res(model, "PublicSubnet")
    assert budget.spent - before == 3  # the table and its two routes
    before = budget.spent
    assert index.routing.subnet_path(res(model, "PrivateSubnet")) == Exit("internet")
    assert budget.spent - before == 3 + 2  # and the NAT gateway's subnet's table and route
    # Exactly enough budget: the answer; one unit less: the budget's reason.
    for units, expected in ((5, Exit("internet")), (4, None)):
        model, index = index_of(t, network_units=units)
        index.budget.spent = 0
        way = index.routing.subnet_path(res(model, "PrivateSubnet"))
        if expected is None:
            reason = index.budget.reason
            assert way == Unknown(f"NAT gateway Nat: {reason}")
        else:
            assert way == expected
    model, index = index_of(t, network_units=2)
    index.budget.spent = 0
    assert index.routing.nat_subnet(res(model, "PrivateSubnet")) is None
    model, index = index_of(t, network_units=3)
    index.budget.spent = 0
    assert index.routing.nat_subnet(res(model, "PrivateSubnet")) is res(model, "PublicSubnet")


@pytest.mark.parametrize(
    ("native", "expected"),
    [(True, True), ("true", True), (False, False), ("False", False), (None, False),
     ({"Ref": "Native"}, None)],
)
def test_ipv6_only(native: Any, expected: bool | None) -> None:
    t = base()
    t.parameters["Native"] = {"Type": "String"}
    if native is not None:
        t.props("IsolatedSubnet")["Ipv6Native"] = native
    model, _ = index_of(t)
    assert ipv6_only(res(model, "IsolatedSubnet")) is expected
