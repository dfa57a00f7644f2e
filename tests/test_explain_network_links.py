"""`explain`: the network links (subnets, route tables and their default routes, network ACLs,
security groups and their egress rules, ssmmessages endpoints).

Each test changes one thing in the compliant app of tests/cfn.py and pins the links it
concerns (kind, verdict, title and details, through ``Link.to_json``), inline when short, in
a snapshot when long; the assertion beside a snapshot states the fact the test is about.
"""

from __future__ import annotations

from typing import Any

from cfn import Template, att, ec2_app, exec_app, ref
from explain_outline import chains, explained, links_of, outline

from ecs_exec_guard.analysis.explain import BROKEN, INFO, OK, UNKNOWN


def default_route(t: Template, **target: Any) -> None:
    """Point the private subnet's default route at ``target`` instead of the NAT gateway."""
    route = t.props("PrivateSubnetDefaultRoute")
    del route["NatGatewayId"]
    route.update(target)


def first_subnet(t: Template) -> str:
    """The outline of the tasks' (first) subnet link, with everything below it."""
    (net,) = links_of(chains(t), "network")
    subnet = next(c for c in net.children if c.kind == "subnet")
    return outline([subnet])


def test_public_subnet_with_a_public_ip(snapshot: Any) -> None:
    text = explained(exec_app(subnet="public"), kind="network")
    assert "      internet gateway, with a public IP\n" in text
    assert text.startswith("network [ok] network (mode awsvpc)\n")
    assert text == snapshot


def test_public_subnet_without_a_public_ip_or_endpoint(snapshot: Any) -> None:
    t = exec_app(subnet="public")
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = (
        "DISABLED")
    found = chains(t)
    (endpoint,) = links_of(found, "endpoint")
    assert (endpoint.title, endpoint.verdict) == ("no ssmmessages endpoint in the VPC", BROKEN)
    # The way out through the internet gateway is painted broken, the gateway itself holds.
    assert [(x.kind, x.verdict) for x in links_of(found, "route-table")
            + links_of(found, "route") + links_of(found, "gateway")] == [
        ("route-table", BROKEN), ("route", BROKEN), ("gateway", OK)]
    assert explained(t, kind="network") == snapshot


def test_public_subnet_without_a_public_ip_but_with_an_endpoint(snapshot: Any) -> None:
    t = exec_app(subnet="public")
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = (
        "DISABLED")
    t.endpoint(subnets=["PublicSubnet"])
    text = explained(t, kind="network")
    assert text.startswith("network [ok] network (mode awsvpc)\n"
                           "  subnet [ok] subnet PublicSubnet (AWS::EC2::Subnet)\n"
                           "      CIDR 10.0.0.0/24\n"
                           "      internet gateway, but the tasks get no public IP\n")
    assert text == snapshot


def test_isolated_subnet_reaches_the_endpoint(snapshot: Any) -> None:
    text = explained(exec_app(subnet="isolated"), kind="network")
    assert ("      no default route that leads to the internet\n"
            "      the ssmmessages endpoint is reached inside the VPC instead\n") in text
    assert text == snapshot


def test_route_to_a_nat_gateway_given_by_a_parameter() -> None:
    t = exec_app()
    t.parameters["Gateway"] = {"Type": "String"}
    t.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = ref("Gateway")
    assert first_subnet(t) == (
        "subnet [unknown] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
        "    CIDR 10.0.1.0/24\n"
        "    way out cannot be verified: the NAT gateway of route PrivateSubnetDefaultRoute is"
        " parameter Gateway, set at deploy time (whether it is public and has a way out)\n"
        "  route-table [unknown] route table PrivateSubnetRouteTable (AWS::EC2::RouteTable)\n"
        "    route [unknown] route PrivateSubnetDefaultRoute: 0.0.0.0/0 via NatGateway\n"
        "        parameter Gateway (set at deploy time)\n"
        "  acl [ok] the default network ACL of Vpc\n"
        "      lets exec's TCP 443 and its return traffic through\n"
    )


def test_route_to_an_internet_gateway_outside_the_input() -> None:
    t = exec_app()
    default_route(t, GatewayId="igw-0123")
    assert first_subnet(t) == (
        "subnet [broken] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
        "    CIDR 10.0.1.0/24\n"
        "    internet gateway, but the tasks get no public IP\n"
        "  route-table [broken] route table PrivateSubnetRouteTable (AWS::EC2::RouteTable)\n"
        "    route [broken] route PrivateSubnetDefaultRoute: 0.0.0.0/0 via Gateway\n"
        "      gateway [broken] igw-0123\n"
        "  acl [ok] the default network ACL of Vpc\n"
        "      lets exec's TCP 443 and its return traffic through\n"
    )


def test_route_to_a_target_explain_does_not_follow() -> None:
    t = exec_app()
    default_route(t, EgressOnlyInternetGatewayId="eigw-0123")
    assert first_subnet(t) == (
        "subnet [broken] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
        "    CIDR 10.0.1.0/24\n"
        "    no default route that leads to the internet: route PrivateSubnetDefaultRoute sends"
        " IPv4 to an egress-only gateway\n"
        "  route-table [broken] route table PrivateSubnetRouteTable (AWS::EC2::RouteTable)\n"
        "    route [unknown] route PrivateSubnetDefaultRoute: 0.0.0.0/0 to nothing known\n"
        "  acl [ok] the default network ACL of Vpc\n"
        "      lets exec's TCP 443 and its return traffic through\n"
    )


def test_routes_whose_way_on_is_outside_the_input() -> None:
    for key, value, via, what in (
        ("CoreNetworkArn", "arn:aws:networkmanager::123456789012:core-network/core-network-1",
         "CoreNetworkArn", "a Cloud WAN core network"),
        ("TransitGatewayId", "tgw-0123", "TransitGateway", "a transit gateway"),
    ):
        t = exec_app()
        default_route(t, **{key: value})
        assert first_subnet(t) == (
            "subnet [unknown] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
            "    CIDR 10.0.1.0/24\n"
            f"    way out cannot be verified: route PrivateSubnetDefaultRoute sends 0.0.0.0/0 to"
            f' {what} ("{value}"), whose way on is not in the input\n'
            "  route-table [unknown] route table PrivateSubnetRouteTable (AWS::EC2::RouteTable)\n"
            f"    route [unknown] route PrivateSubnetDefaultRoute: 0.0.0.0/0 via {via}\n"
            f"      gateway [unknown] {value}\n"
            "  acl [ok] the default network ACL of Vpc\n"
            "      lets exec's TCP 443 and its return traffic through\n"
        ), key


def test_subnet_on_the_vpcs_main_route_table() -> None:
    t = exec_app()
    t.remove("PrivateSubnetRouteTableAssociation")
    assert first_subnet(t) == (
        "subnet [broken] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
        "    CIDR 10.0.1.0/24\n"
        "    no default route that leads to the internet\n"
        "  route-table [broken] the VPC's main route table (local route only)\n"
        "  acl [ok] the default network ACL of Vpc\n"
        "      lets exec's TCP 443 and its return traffic through\n"
    )


def test_a_private_nat_gateway_never_reaches_the_internet(snapshot: Any) -> None:
    t = exec_app()
    t.props("Nat")["ConnectivityType"] = "private"
    text = first_subnet(t)
    assert "    no default route that leads to the internet: NAT gateway Nat is private" in text
    assert "          connectivity: private\n" in text
    assert text == snapshot


def test_a_subnet_outside_the_input_is_a_cannot_verify(snapshot: Any) -> None:
    t = exec_app()
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        "subnet-0123", ref("PrivateSubnet")]
    found = chains(t)
    (unknown,) = links_of(found, "unknown")
    assert (unknown.title, unknown.verdict) == (
        'cannot verify: subnet "subnet-0123" is not in the input', UNKNOWN)
    assert found[0].verdict == UNKNOWN
    assert explained(t, kind="network") == snapshot


def test_the_nat_gateways_subnet_acl_is_shown_on_the_way(snapshot: Any) -> None:
    t = exec_app()
    t.add("NatAcl", "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    t.add("NatAclAssociation", "AWS::EC2::SubnetNetworkAclAssociation",
          SubnetId=ref("PublicSubnet"), NetworkAclId=ref("NatAcl"))
    found = chains(t)
    (relay,) = [s for s in links_of(found, "subnet") if s.title.endswith("(on the way)")]
    assert (relay.title, relay.verdict) == (
        "subnet PublicSubnet (AWS::EC2::Subnet) (on the way)", BROKEN)
    assert [(c.kind, c.title, c.verdict) for c in relay.children] == [
        ("acl", "network ACL NatAcl", BROKEN)]
    assert explained(t, kind="network") == snapshot


def test_network_mode_none() -> None:
    t = exec_app()
    t.props("TaskDef")["NetworkMode"] = "none"
    assert explained(t, kind="network") == "network [broken] network mode none: no way out\n"


def test_security_groups_and_their_egress_rules() -> None:
    t = exec_app()
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"] = [
        "sg-0123", att("TaskSg", "GroupId"), att("OpenSg", "GroupId")]
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443},
        {"DestinationPrefixListId": "pl-0123", "IpProtocol": "tcp", "FromPort": 1024,
         "ToPort": 2048},
        {"CidrIpv6": "::/0", "IpProtocol": "icmpv6", "FromPort": 128, "ToPort": 0},
        {"CidrIpv6": "::/0", "IpProtocol": "58", "FromPort": 1, "ToPort": 4},
        {"CidrIp": "10.0.0.0/8", "IpProtocol": "1", "FromPort": 0, "ToPort": 0},
        {"CidrIp": "10.0.0.0/8", "IpProtocol": "ICMP", "FromPort": 3, "ToPort": 4},
        {"DestinationSecurityGroupId": att("OpenSg", "GroupId"), "IpProtocol": "udp",
         "FromPort": 53, "ToPort": 53},
    ]
    t.add("TaskSgExtra", "AWS::EC2::SecurityGroupEgress", GroupId=att("TaskSg", "GroupId"),
          IpProtocol="all", CidrIp="10.0.0.0/8")
    t.add("OtherSgExtra", "AWS::EC2::SecurityGroupEgress", GroupId=att("OpenSg", "GroupId"),
          IpProtocol="-1", CidrIp="192.168.0.0/16")
    t.security_group("OpenSg")
    assert explained(t, kind="egress") == (
        "egress [ok] egress TCP 443 to the internet (0.0.0.0/0)\n"
        "  security-group [unknown] security group sg-0123\n"
        "  security-group [info] security group TaskSg (AWS::EC2::SecurityGroup)\n"
        "      egress tcp 443 to 0.0.0.0/0\n"
        "      egress tcp 1024-2048 to pl-0123\n"
        "      egress icmpv6 type 128 code 0 to ::/0\n"
        "      egress 58 type 1 code 4 to ::/0\n"
        "      egress 1 type 0 code 0 to 10.0.0.0/8\n"
        "      egress ICMP type 3 code 4 to 10.0.0.0/8\n"
        "      egress udp 53 to OpenSg\n"
        "      egress all traffic to 10.0.0.0/8\n"
        # OpenSg has no inline rule: CloudFormation keeps its default allow-all rule.
        "  security-group [info] security group OpenSg (AWS::EC2::SecurityGroup)\n"
        "      no egress rule in the template: allows all outbound\n"
    )


def test_no_security_group_is_the_vpcs_default() -> None:
    t = exec_app()
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"] = []
    assert explained(t, kind="egress") == (
        "egress [ok] egress TCP 443 to the internet (0.0.0.0/0)\n"
        "    no security group given: the VPC's default security group\n"
    )


def test_egress_that_cannot_be_verified_or_is_closed() -> None:
    t = exec_app()
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"DestinationPrefixListId": "pl-0123", "IpProtocol": "tcp", "FromPort": 443,
         "ToPort": 443}]
    assert explained(t, kind="egress") == (
        "egress [unknown] egress TCP 443\n"
        '    cannot verify: an egress rule of TaskSg cannot be resolved (prefix list "pl-0123"'
        " is not in the input)\n"
        "  security-group [info] security group TaskSg (AWS::EC2::SecurityGroup)\n"
        "      egress tcp 443 to pl-0123\n"
    )
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "6", "FromPort": 80, "ToPort": 80}]
    assert explained(t, kind="egress") == (
        "egress [broken] egress TCP 443 to the internet (0.0.0.0/0)\n"
        "  security-group [info] security group TaskSg (AWS::EC2::SecurityGroup)\n"
        "      egress 6 80 to 0.0.0.0/0\n"
    )


def test_ssmmessages_endpoints_that_cannot_serve() -> None:
    # Only ssmmessages endpoints are listed (not the ssm one); a Gateway endpoint and one
    # without private DNS are broken links, the usable one holds.
    t = exec_app(subnet="isolated")
    t.endpoint("SsmEndpoint", "ssm")
    t.endpoint("GatewayEndpoint", interface=False)
    t.endpoint("NoDnsEndpoint", private_dns=False)
    assert explained(t, kind="endpoint") == (
        "endpoint [ok] ssmmessages endpoint SsmMessagesEndpoint (AWS::EC2::VPCEndpoint)\n"
        "    Interface, private DNS true\n"
        "endpoint [broken] ssmmessages endpoint GatewayEndpoint (AWS::EC2::VPCEndpoint)\n"
        "    Gateway, private DNS false\n"
        "    it is not an Interface endpoint\n"
        "    EcsExec-NET5 (error): ssmmessages endpoint GatewayEndpoint is not usable by Service"
        " (service): it is not an Interface endpoint.\n"
        "endpoint [broken] ssmmessages endpoint NoDnsEndpoint (AWS::EC2::VPCEndpoint)\n"
        "    Interface, private DNS false\n"
        "    PrivateDnsEnabled is false, so the agent never resolves to it\n"
        "    EcsExec-NET5 (error): ssmmessages endpoint NoDnsEndpoint is not usable by Service"
        " (service): PrivateDnsEnabled is false, so the agent never resolves to it.\n"
    )


def test_an_endpoint_that_is_not_the_one_used_is_context() -> None:
    # A private subnet (NAT): an endpoint without private DNS is not needed, so not broken.
    t = exec_app()
    t.endpoint(private_dns=False)
    assert explained(t, kind="endpoint") == (
        "endpoint [info] ssmmessages endpoint SsmMessagesEndpoint (AWS::EC2::VPCEndpoint)\n"
        "    Interface, private DNS false\n"
    )


def test_endpoint_whose_security_group_does_not_admit_the_tasks(snapshot: Any) -> None:
    t = exec_app(subnet="isolated")
    t.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = []
    found = chains(t)
    (endpoint,) = links_of(found, "endpoint")
    assert endpoint.verdict == BROKEN
    assert endpoint.details[1] == "its security groups do not admit TCP 443 from the tasks"
    assert explained(t, kind="network") == snapshot


def test_bridge_mode_takes_the_hosts_security_groups(snapshot: Any) -> None:
    t = ec2_app(network_mode="bridge")
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]
    (egress,) = links_of(chains(t), "egress")
    assert [(g.title, g.verdict, g.details) for g in egress.children] == [
        ("security group TaskSg (AWS::EC2::SecurityGroup)", INFO,
         ["egress tcp 443 to 0.0.0.0/0"])]
    assert explained(t, kind="network") == snapshot


def test_awsvpc_on_ec2_notes_that_tasks_get_no_public_ip() -> None:
    (net,) = links_of(chains(ec2_app()), "network")
    assert (net.verdict, net.details) == (
        OK, ["awsvpc tasks on EC2 instances never get a public IP"])


def test_every_route_target_explain_names() -> None:
    for key, value, via in (
        ("InstanceId", "i-0123", "Instance"),
        ("NetworkInterfaceId", "eni-0123", "NetworkInterface"),
        ("VpcEndpointId", "vpce-0123", "VpcEndpoint"),
        ("VpcPeeringConnectionId", "pcx-0123", "VpcPeeringConnection"),
        ("CarrierGatewayId", "cagw-0123", "CarrierGateway"),
        ("LocalGatewayId", "lgw-0123", "LocalGateway"),
    ):
        t = exec_app()
        default_route(t, **{key: value})
        assert explained(t, kind="route") == (
            f"route [unknown] route PrivateSubnetDefaultRoute: 0.0.0.0/0 via {via}\n"
            f"  gateway [unknown] {value}\n"
        ), key


def test_a_gateway_in_the_input_that_is_neither_internet_nor_nat_is_context() -> None:
    t = exec_app()
    t.add("Tgw", "AWS::EC2::TransitGateway")
    default_route(t, TransitGatewayId=ref("Tgw"))
    assert explained(t, kind="route") == (
        "route [unknown] route PrivateSubnetDefaultRoute: 0.0.0.0/0 via TransitGateway\n"
        "  gateway [unknown] Tgw (AWS::EC2::TransitGateway)\n"
    )


def test_nat_gateways_are_followed_three_deep(snapshot: Any) -> None:
    # The tasks' NAT gateway sits in a subnet that routes to another NAT gateway, and so on
    # four times: explain follows three NAT gateways' subnets and shows the fourth alone.
    t = exec_app()
    t.remove("Nat", "NatEip")
    t.props("PrivateSubnetDefaultRoute")["NatGatewayId"] = ref("Nat1")
    for k in range(1, 5):
        way_on = {"NatGatewayId": ref(f"Nat{k + 1}")} if k < 4 else {"GatewayId": ref("Igw")}
        t.subnet(f"Hop{k}", f"10.0.{10 + k}.0/24", route=way_on)
        t.nat_gateway(f"Nat{k}", subnet=f"Hop{k}")
    text = first_subnet(t)
    assert text.splitlines()[-3:] == [
        "                              gateway [broken] Nat4 (AWS::EC2::NatGateway)",
        "  acl [ok] the default network ACL of Vpc",
        "      lets exec's TCP 443 and its return traffic through",
    ]
    assert text == snapshot


def test_a_route_table_given_by_a_parameter() -> None:
    t = exec_app()
    t.parameters["RouteTable"] = {"Type": "String"}
    t.props("PrivateSubnetRouteTableAssociation")["RouteTableId"] = ref("RouteTable")
    assert first_subnet(t) == (
        "subnet [unknown] subnet PrivateSubnet (AWS::EC2::Subnet)\n"
        "    CIDR 10.0.1.0/24\n"
        "    way out cannot be verified: the route table of subnet PrivateSubnet is parameter"
        " RouteTable (set at deploy time)\n"
        "  route-table [unknown] route table: the route table of subnet PrivateSubnet is"
        " parameter RouteTable (set at deploy time)\n"
        "  acl [ok] the default network ACL of Vpc\n"
        "      lets exec's TCP 443 and its return traffic through\n"
    )


def test_network_acls_that_cannot_be_read() -> None:
    # The default ACL of a VPC outside the input, and an ACL whose entries' action is a
    # parameter: both are cannot-verify links.
    t = exec_app()
    t.props("PrivateSubnet")["VpcId"] = "vpc-0123"
    assert explained(t, kind="acl") == (
        "acl [unknown] the default network ACL of subnet PrivateSubnet's VPC\n"
        "    outbound TCP 443 to 0.0.0.0/0: unknown (the default network ACL of subnet"
        " PrivateSubnet's VPC)\n"
    )
    t = exec_app()
    t.parameters["Action"] = {"Type": "String"}
    t.add("TaskAcl", "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    t.add("TaskAclAssociation", "AWS::EC2::SubnetNetworkAclAssociation",
          SubnetId=ref("PrivateSubnet"), NetworkAclId=ref("TaskAcl"))
    for name, egress in (("Out", True), ("In", False)):
        t.add(f"TaskAcl{name}", "AWS::EC2::NetworkAclEntry", NetworkAclId=ref("TaskAcl"),
              RuleNumber=100, Protocol=-1, RuleAction=ref("Action"), Egress=egress,
              CidrBlock="0.0.0.0/0")
    assert explained(t, kind="acl") == (
        "acl [unknown] network ACL TaskAcl\n"
        "    outbound TCP 443 to 0.0.0.0/0: unknown (RuleAction of TaskAclOut)\n"
        "    inbound TCP 1024-65535 from 0.0.0.0/0: unknown (RuleAction of TaskAclIn)\n"
    )


def test_an_endpoint_beside_a_way_to_the_internet_is_not_named_on_the_subnet() -> None:
    t = exec_app()
    t.endpoint()
    subnet = first_subnet(t)
    assert subnet.splitlines()[:3] == [
        "subnet [ok] subnet PrivateSubnet (AWS::EC2::Subnet)",
        "    CIDR 10.0.1.0/24",
        "    default route leads to the internet (NAT or equivalent)",
    ]
    assert "reached inside the VPC" not in subnet


def test_a_nat_gateway_whose_subnet_is_not_a_subnet() -> None:
    t = exec_app()
    t.props("Nat")["SubnetId"] = ref("Vpc")
    assert explained(t, kind="gateway") == (
        "gateway [unknown] Nat (AWS::EC2::NatGateway)\n"
        "    connectivity: public\n"
    )


def test_an_egress_rule_without_a_destination() -> None:
    t = exec_app()
    t.props("TaskSg")["SecurityGroupEgress"].append(
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22})
    assert explained(t, kind="security-group") == (
        "security-group [info] security group TaskSg (AWS::EC2::SecurityGroup)\n"
        "    egress all traffic to 0.0.0.0/0\n"
        "    egress tcp 22 to null\n"
    )


def test_bridge_mode_ignores_an_awsvpc_configuration() -> None:
    # The service still carries an awsvpc configuration naming OtherSg; bridge-mode tasks use
    # their hosts' security groups, so TaskSg is the one shown.
    t = ec2_app(network_mode="bridge")
    t.security_group("OtherSg", egress=[])
    t.props("Service")["NetworkConfiguration"] = {"AwsvpcConfiguration": {
        "Subnets": [ref("PrivateSubnet")], "SecurityGroups": [att("OtherSg", "GroupId")]}}
    assert explained(t, kind="egress") == (
        "egress [ok] egress TCP 443 to the internet (0.0.0.0/0)\n"
        "  security-group [info] security group TaskSg (AWS::EC2::SecurityGroup)\n"
        "      egress all traffic to 0.0.0.0/0\n"
    )


def test_the_vpcs_default_security_group_by_attribute_is_not_in_the_input() -> None:
    t = exec_app()
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"] = [
        att("Vpc", "DefaultSecurityGroup")]
    assert explained(t, kind="egress") == (
        "egress [ok] egress TCP 443 to the internet (0.0.0.0/0)\n"
        "  security-group [unknown] security group Vpc.DefaultSecurityGroup\n"
    )


def test_an_endpoint_whose_private_dns_is_a_parameter() -> None:
    t = exec_app(subnet="isolated")
    t.parameters["Dns"] = {"Type": "String"}
    t.props("SsmMessagesEndpoint")["PrivateDnsEnabled"] = ref("Dns")
    assert explained(t, kind="endpoint") == (
        "endpoint [info] ssmmessages endpoint SsmMessagesEndpoint (AWS::EC2::VPCEndpoint)\n"
        "    Interface, private DNS cannot be resolved\n"
    )
    (unknown,) = links_of(chains(t), "unknown")
    assert (unknown.title, unknown.verdict) == (
        "cannot verify: PrivateDnsEnabled of endpoint SsmMessagesEndpoint", UNKNOWN)
