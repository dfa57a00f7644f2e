"""The network facts of one exec launch, as ``assess`` returns them (issue 15 item 1).

Each case changes one thing in the compliant app (tests/cfn.py) and pins the whole
``Assessment``: subnets, VPCs, every "cannot verify" reason, the subnets without a way out and
why, the subnets behind an internet gateway without a public IP, the ssmmessages endpoint and its
problems, and the egress verdict with what it was judged against. Shapes as in tests/cfn.py
(AWS::ECS::Service NetworkConfiguration.AwsvpcConfiguration {Subnets, SecurityGroups,
AssignPublicIp}; AWS::EC2::VPCEndpoint {VpcEndpointType, PrivateDnsEnabled, SecurityGroupIds,
SubnetIds}; AWS::EC2::Subnet {MapPublicIpOnLaunch, Ipv6Native}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cfn import Template, att, ec2_app, exec_app, https_from_cidr, https_to_group, ref
from netindex import model_of

from ecs_exec_guard.analysis.network import Assessment
from ecs_exec_guard.analysis.rules.base import Context

BUDGET = ("the input needs more than {} network checks (rules, routes, endpoints) to analyse, "
          "the budget against crafted input")


def assessment(t: Template, *, network_units: int | None = None, spent: int = 0) -> Any:
    ctx = Context(model_of(t, network_units=network_units))
    ctx.net.budget.spent = spent
    (launch,) = ctx.exec_launches
    return summary(ctx.network(launch))


def summary(a: Assessment | None) -> Any:
    """The assessment with resources and endpoints as logical IDs; fields at their default
    are left out."""
    if a is None:
        return None
    default = Assessment(mode=a.mode)
    out: dict[str, Any] = {"mode": a.mode}
    for name, value in vars(a).items():
        if name == "mode" or value == getattr(default, name):
            continue
        out[name] = _ids(value)
    return out


def _ids(value: Any) -> Any:
    if isinstance(value, list):
        return [_ids(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_ids(v) for v in value)
    if hasattr(value, "logical_id"):
        return value.logical_id
    if hasattr(value, "resource") and hasattr(value, "private_dns"):
        return f"endpoint {value.resource.logical_id}"
    return value


def service_cfg(t: Template) -> dict[str, Any]:
    return t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]  # type: ignore[no-any-return]


def tasks_in(t: Template, *subnets: Any) -> None:
    service_cfg(t)["Subnets"] = [ref(s) if isinstance(s, str) and s[0].isupper() else s
                                 for s in subnets]


PRIVATE = {"mode": "awsvpc", "subnets": ["PrivateSubnet"], "vpcs": ["Vpc"],
           "egress_detail": "the internet (0.0.0.0/0)"}
Case = Callable[[Template], None]


def _param(t: Template, name: str) -> dict[str, str]:
    t.parameters[name] = {"Type": "String"}
    return ref(name)


def mode_param(t: Template) -> None:
    t.props("TaskDef")["NetworkMode"] = _param(t, "Mode")


def no_config(t: Template) -> None:
    del t.props("Service")["NetworkConfiguration"]


def config_param(t: Template) -> None:
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"] = _param(t, "Cfg")


def too_many(t: Template) -> None:
    service_cfg(t)["Subnets"] = [ref("PrivateSubnet")] * 17
    service_cfg(t)["SecurityGroups"] = [att("TaskSg", "GroupId")] * 6


def just_enough(t: Template) -> None:
    service_cfg(t)["Subnets"] = [ref("PrivateSubnet")] * 16
    service_cfg(t)["SecurityGroups"] = [att("TaskSg", "GroupId")] * 5


def public_ip_param(t: Template) -> None:
    tasks_in(t, "PublicSubnet")
    service_cfg(t)["AssignPublicIp"] = _param(t, "Ip")


def public_ip_param_no_map(t: Template) -> None:
    public_ip_param(t)
    t.props("PublicSubnet")["MapPublicIpOnLaunch"] = _param(t, "Map")


def public_no_ip(t: Template) -> None:
    tasks_in(t, "PublicSubnet")


def public_ip_lowercase(t: Template) -> None:
    tasks_in(t, "PublicSubnet")
    service_cfg(t)["AssignPublicIp"] = "enabled"


def subnets_of_all_kinds(t: Template) -> None:
    t.parameters["Sub"] = {"Type": "AWS::EC2::Subnet::Id"}
    t.add("Outside", "AWS::EC2::Subnet", VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.0.0/24")
    t.add("Maybe6", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.7.0/24",
          Ipv6Native=_param(t, "Native"))
    t.add("Mystery", "AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock="10.0.8.0/24")
    t.add("MysteryAssoc", "AWS::EC2::SubnetRouteTableAssociation", SubnetId=ref("Mystery"),
          RouteTableId="rtb-0123456789abcdef0")
    tasks_in(t, "PrivateSubnet", ref("Sub"), "subnet-0123456789abcdef0", "Outside", "Maybe6",
             "Mystery", "IsolatedSubnet", "PrivateSubnet")


def no_subnets(t: Template) -> None:
    service_cfg(t)["Subnets"] = []


def no_groups(t: Template) -> None:
    service_cfg(t)["SecurityGroups"] = []


def no_way_out_why(t: Template) -> None:
    t.props("Nat")["ConnectivityType"] = "private"


def ipv6_only_fargate(t: Template) -> None:
    t.props("IsolatedSubnet")["Ipv6Native"] = True
    tasks_in(t, "IsolatedSubnet")


def closed_egress(t: Template) -> None:
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "10.0.0.0/8", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]


def unknown_egress(t: Template) -> None:
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": _param(t, "Cidr"), "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]


def isolated_with(**endpoint: Any) -> Case:
    def case(t: Template) -> None:
        tasks_in(t, "IsolatedSubnet")
        t.endpoint(**endpoint)
    return case


def endpoint_sg_closed(t: Template) -> None:
    isolated_with()(t)
    t.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [
        {"CidrIp": "192.168.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]


def endpoint_sg_unknown(t: Template) -> None:
    isolated_with(security_groups=["sg-0123456789abcdef0"])(t)


def endpoint_dns_param(t: Template) -> None:
    isolated_with()(t)
    t.props("SsmMessagesEndpoint")["PrivateDnsEnabled"] = _param(t, "Dns")


def endpoint_without_subnets(t: Template) -> None:
    isolated_with()(t)
    del t.props("SsmMessagesEndpoint")["SubnetIds"]


def endpoint_and_egress_closed(t: Template) -> None:
    isolated_with(subnets=["IsolatedSubnet", "PublicSubnet"])(t)
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "10.0.2.0/24", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]


def nat_and_dns_off_endpoint(t: Template) -> None:
    t.endpoint(private_dns=False)


def other_endpoints(t: Template) -> None:
    isolated_with()(t)
    t.endpoint("LogsEndpoint", "logs")
    t.endpoint("GatewayS3", "s3", interface=False)
    t.endpoint("GatewaySsm", "ssmmessages", interface=False, vpc="Vpc")


def batch(t: Template) -> None:
    t.remove("Service")
    t.batch_job()


def unknown_mode(t: Template) -> None:
    t.props("TaskDef")["NetworkMode"] = "nat"


def ec2(t: Template) -> None:
    """(ec2_app: awsvpc tasks on an Auto Scaling group's instances.)"""


def ec2_public(t: Template) -> None:
    tasks_in(t, "PublicSubnet")


def ec2_no_hosts(t: Template) -> None:
    t.remove("Asg", "AsgLaunchTemplate")


def ec2_no_hosts_missing_provider(t: Template) -> None:
    ec2_no_hosts(t)
    del t.props("Service")["LaunchType"]
    t.props("Service")["CapacityProviderStrategy"] = [{"CapacityProvider": "missing-cp"}]


def fargate(t: Template) -> None:
    t.props("Service")["LaunchType"] = "FARGATE"


def fargate_and_ec2(t: Template) -> None:
    del t.props("Service")["LaunchType"]
    t.props("Service")["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE"},
                                                      {"CapacityProvider": "missing-cp"}]


def hosts_without_subnets(t: Template) -> None:
    del t.props("Asg")["VPCZoneIdentifier"]


def hosts_in_public_subnet(t: Template) -> None:
    t.props("Asg")["VPCZoneIdentifier"] = [ref("PublicSubnet")]


def ec2_ipv6_only(t: Template) -> None:
    t.props("IsolatedSubnet")["Ipv6Native"] = True
    tasks_in(t, "IsolatedSubnet")


def managed_instances(t: Template) -> None:
    t.props("Service")["LaunchType"] = "MANAGED_INSTANCES"


def managed_instances_ipv6_only(t: Template) -> None:
    managed_instances(t)
    ec2_ipv6_only(t)


def public_ip_param_not_mapped(t: Template) -> None:
    public_ip_param(t)
    t.props("PublicSubnet")["MapPublicIpOnLaunch"] = False


def mixed_subnets(t: Template) -> None:
    no_way_out_why(t)
    tasks_in(t, "PrivateSubnet", "PublicSubnet")


def isolated_no_endpoint_group(t: Template) -> None:
    isolated_with(security_groups=[])(t)


def public_ip_param_no_map_property(t: Template) -> None:
    public_ip_param(t)
    del t.props("PublicSubnet")["MapPublicIpOnLaunch"]


def endpoint_without_subnets_vpc_egress(t: Template) -> None:
    endpoint_without_subnets(t)
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from_cidr("10.0.0.0/16")]


def two_endpoints_unknown_first(t: Template) -> None:
    isolated_with(security_groups=["sg-0123456789abcdef0"])(t)
    t.endpoint("Second")


def two_endpoints_unknown_second(t: Template) -> None:
    isolated_with()(t)
    t.endpoint("Second", security_groups=["sg-0123456789abcdef0"])


def ipv6_only_then_private(t: Template) -> None:
    t.props("IsolatedSubnet")["Ipv6Native"] = True
    tasks_in(t, "IsolatedSubnet", "PrivateSubnet")


def gateway_endpoint_then_interface(t: Template) -> None:
    tasks_in(t, "IsolatedSubnet")
    t.endpoint("GatewaySsm", interface=False)
    t.endpoint()


def egress_to_the_endpoint_group_only(t: Template) -> None:
    isolated_with()(t)
    t.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("SsmMessagesEndpointSg",
                                                                   "GroupId"))]


def ipv6_only_subnet(t: Template, *, route: dict[str, Any] | None = None) -> None:
    """V6: IPv6-only, its ::/0 route to an egress-only gateway (or ``route``)."""
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    t.add("V6", "AWS::EC2::Subnet", VpcId=ref("Vpc"), Ipv6Native=True,
          Ipv6CidrBlock="2001:db8:1234:1a00::/64")
    t.add("V6Rt", "AWS::EC2::RouteTable", VpcId=ref("Vpc"))
    t.add("V6Assoc", "AWS::EC2::SubnetRouteTableAssociation", SubnetId=ref("V6"),
          RouteTableId=ref("V6Rt"))
    t.add("V6Route", "AWS::EC2::Route", RouteTableId=ref("V6Rt"),
          DestinationIpv6CidrBlock="::/0",
          **(route or {"EgressOnlyInternetGatewayId": ref("Eigw")}))


def ec2_dual(t: Template) -> None:
    """IPv4 and IPv6-only subnets; the group lets 443 out on IPv4 only."""
    ipv6_only_subnet(t)
    tasks_in(t, "PrivateSubnet", "V6")


def ec2_dual_ipv6_unknown(t: Template) -> None:
    ec2_dual(t)
    t.props("TaskSg")["SecurityGroupEgress"].append(
        {"CidrIpv6": _param(t, "V6Cidr"), "IpProtocol": "-1"})


def ec2_ipv6_only_igw(t: Template) -> None:
    ipv6_only_subnet(t, route={"GatewayId": ref("Igw")})
    t.props("TaskSg")["SecurityGroupEgress"] = [{"CidrIpv6": "::/0", "IpProtocol": "-1"}]
    tasks_in(t, "V6")


ISOLATED = {"mode": "awsvpc", "subnets": ["IsolatedSubnet"], "vpcs": ["Vpc"],
            "no_route": ["IsolatedSubnet"], "needs_endpoint": True}
ENDPOINT = {**ISOLATED, "ssm_endpoint": "endpoint SsmMessagesEndpoint",
            "private_dns_endpoint": "endpoint SsmMessagesEndpoint",
            "egress_detail": "the ssmmessages endpoint SsmMessagesEndpoint"}
NO_ENDPOINT = {**ISOLATED, "egress_detail": "the internet (0.0.0.0/0)"}
UNRESOLVED = "PrivateDnsEnabled of endpoint SsmMessagesEndpoint"
MI_NOTE = "awsvpc tasks on Managed Instances never get a public IP"
EC2_NOTE = "awsvpc tasks on EC2 instances never get a public IP"

FARGATE_CASES: list[tuple[Case, Any]] = [
    (lambda t: None, PRIVATE),
    (mode_param, {"mode": "unknown",
                  "unknown": ["network mode: parameter Mode (set at deploy time)"]}),
    (unknown_mode, {"mode": "nat", "unknown": ['network mode "nat" is not recognised']}),
    (batch, {"mode": "awsvpc", "unknown": [
        "the subnets and security groups of a Batch job come from the compute environment of "
        "the job queue it is submitted to, which the job definition does not name"]}),
    (no_config, {"mode": "awsvpc", "unknown": [
        "the launch has no awsvpc network configuration, which ECS requires for an awsvpc "
        "task (it rejects the launch)"]}),
    (config_param, {"mode": "awsvpc", "unknown": [
        "network configuration: parameter Cfg (set at deploy time)"]}),
    (too_many, {"mode": "awsvpc", "unknown": [
        "the launch lists 17 subnets; ECS accepts at most 16",
        "the launch lists 6 security groups; ECS accepts at most 5"]}),
    (just_enough, {**PRIVATE, "subnets": ["PrivateSubnet"] * 16}),
    (public_ip_param, {**PRIVATE, "subnets": ["PublicSubnet"],
                       "unknown": ["AssignPublicIp is parameter Ip (set at deploy time)"]}),
    (public_ip_param_no_map, {**PRIVATE, "subnets": ["PublicSubnet"], "unknown": [
        "AssignPublicIp is parameter Ip (set at deploy time)",
        "whether instances in PublicSubnet get a public IP"]}),
    (public_ip_param_not_mapped, {
        **PRIVATE, "subnets": ["PublicSubnet"],
        "unknown": ["AssignPublicIp is parameter Ip (set at deploy time)"],
        "igw_no_ip": ["PublicSubnet"], "needs_endpoint": True}),
    (public_ip_param_no_map_property, {
        **PRIVATE, "subnets": ["PublicSubnet"],
        "unknown": ["AssignPublicIp is parameter Ip (set at deploy time)"],
        "igw_no_ip": ["PublicSubnet"], "needs_endpoint": True}),
    (public_no_ip, {**PRIVATE, "subnets": ["PublicSubnet"], "igw_no_ip": ["PublicSubnet"],
                    "needs_endpoint": True}),
    (public_ip_lowercase, {**PRIVATE, "subnets": ["PublicSubnet"]}),
    (subnets_of_all_kinds, {
        **PRIVATE,
        "subnets": ["PrivateSubnet", "Outside", "Maybe6", "Mystery", "IsolatedSubnet",
                    "PrivateSubnet"],
        "unknown": [
            "a subnet cannot be resolved (parameter Sub (set at deploy time))",
            'subnet "subnet-0123456789abcdef0" is not in the input',
            "the VPC of subnet Outside is not in the input",
            "subnet Outside uses its VPC's main route table, which is not in the input",
            "whether subnet Maybe6 is IPv6-only",
            'route table "rtb-0123456789abcdef0" is not in the input'],
        "no_route": ["IsolatedSubnet"], "needs_endpoint": True}),
    # The task group allows all egress, wherever the subnets are.
    (no_subnets, {"mode": "awsvpc", "egress_detail": "the internet (0.0.0.0/0)", "unknown": [
        "no subnets are given: ECS rejects an awsvpc launch without subnets"]}),
    (no_groups, PRIVATE),  # the VPC's default group, which allows all egress
    (no_way_out_why, {**PRIVATE, "no_route": ["PrivateSubnet"], "needs_endpoint": True,
                      "no_route_why": [
                          "NAT gateway Nat is private: it never reaches the internet"]}),
    (mixed_subnets, {**PRIVATE, "subnets": ["PrivateSubnet", "PublicSubnet"],
                     "no_route": ["PrivateSubnet"], "needs_endpoint": True,
                     "no_route_why": [
                         "NAT gateway Nat is private: it never reaches the internet"],
                     "igw_no_ip": ["PublicSubnet"]}),
    (ipv6_only_fargate, {
        "mode": "awsvpc", "subnets": ["IsolatedSubnet"], "vpcs": ["Vpc"],
        "unknown": ["subnet IsolatedSubnet is IPv6-only: exec from fargate tasks on an "
                    "IPv6-only interface is not documented"],
        "ipv6_only": ["IsolatedSubnet"], "egress": False,
        "egress_detail": "the internet over IPv6 (::/0)"}),
    (ipv6_only_then_private, {
        **PRIVATE, "subnets": ["IsolatedSubnet", "PrivateSubnet"],
        "unknown": ["subnet IsolatedSubnet is IPv6-only: exec from fargate tasks on an "
                    "IPv6-only interface is not documented"],
        "ipv6_only": ["IsolatedSubnet"], "egress": False,
        "egress_detail": "the internet over IPv6 (::/0)"}),
    (gateway_endpoint_then_interface, {**ENDPOINT, "endpoint_problems": [
        ("endpoint GatewaySsm", "it is not an Interface endpoint")]}),
    (egress_to_the_endpoint_group_only, ENDPOINT),
    (closed_egress, {**PRIVATE, "egress": False}),
    (unknown_egress, {**PRIVATE, "egress": None,
                      "egress_detail": "an egress rule of TaskSg cannot be resolved"}),
    (isolated_with(), ENDPOINT),
    (isolated_no_endpoint_group, {**ENDPOINT, "unknown": [
        "whether endpoint SsmMessagesEndpoint admits TCP 443 from the tasks (it uses the VPC's "
        "default security group)"]}),
    (isolated_with(interface=False), {**NO_ENDPOINT, "endpoint_problems": [
        ("endpoint SsmMessagesEndpoint", "it is not an Interface endpoint")]}),
    (isolated_with(private_dns=False), {**NO_ENDPOINT, "endpoint_problems": [
        ("endpoint SsmMessagesEndpoint",
         "PrivateDnsEnabled is false, so the agent never resolves to it")]}),
    (endpoint_sg_closed, {**NO_ENDPOINT, "private_dns_endpoint": "endpoint SsmMessagesEndpoint",
                          "egress_detail": "the ssmmessages endpoint SsmMessagesEndpoint",
                          "endpoint_problems": [
        ("endpoint SsmMessagesEndpoint",
         "its security groups do not admit TCP 443 from the tasks")]}),
    (endpoint_sg_unknown, {**ENDPOINT, "unknown": [
        "whether endpoint SsmMessagesEndpoint admits TCP 443 from the tasks (a security group "
        "or rule cannot be resolved)"]}),
    (endpoint_dns_param, {**NO_ENDPOINT, "unknown": [UNRESOLVED]}),
    (endpoint_without_subnets, ENDPOINT),
    (endpoint_without_subnets_vpc_egress, ENDPOINT),  # judged against the VPC's range
    (two_endpoints_unknown_first, {
        **ENDPOINT, "ssm_endpoint": "endpoint Second", "private_dns_endpoint": "endpoint Second",
        "egress_detail": "the ssmmessages endpoint Second",
        "unknown": ["whether endpoint SsmMessagesEndpoint admits TCP 443 from the tasks (a "
                    "security group or rule cannot be resolved)"]}),
    (two_endpoints_unknown_second, {
        **ENDPOINT, "private_dns_endpoint": "endpoint Second",
        "egress_detail": "the ssmmessages endpoint Second",
        "unknown": ["whether endpoint Second admits TCP 443 from the tasks (a security group "
                    "or rule cannot be resolved)"]}),
    (endpoint_and_egress_closed, {**ENDPOINT, "egress": False}),
    (nat_and_dns_off_endpoint, PRIVATE),  # not needed, so not a problem
    (other_endpoints, {**ENDPOINT, "endpoint_problems": [
        ("endpoint GatewaySsm", "it is not an Interface endpoint")]}),
]

EC2_CASES: list[tuple[str, Case, Any]] = [
    ("awsvpc", ec2, {**PRIVATE, "public_ip_note": EC2_NOTE}),
    ("awsvpc", ec2_public, {**PRIVATE, "subnets": ["PublicSubnet"],
                            "igw_no_ip": ["PublicSubnet"], "needs_endpoint": True,
                            "public_ip_note": EC2_NOTE}),
    ("awsvpc", ec2_ipv6_only, {
        **ISOLATED, "no_route_why": ["IsolatedSubnet has no ::/0 route"],
        "ipv6_only": ["IsolatedSubnet"], "egress": False,
        "egress_detail": "the internet over IPv6 (::/0)", "public_ip_note": EC2_NOTE}),
    ("awsvpc", ec2_dual, {
        **PRIVATE, "subnets": ["PrivateSubnet", "V6"], "ipv6_only": ["V6"], "egress": False,
        "egress_detail": "the internet over IPv6 (::/0)", "public_ip_note": EC2_NOTE}),
    ("awsvpc", ec2_dual_ipv6_unknown, {
        **PRIVATE, "subnets": ["PrivateSubnet", "V6"], "ipv6_only": ["V6"], "egress": None,
        "egress_detail": "an egress rule of TaskSg cannot be resolved",
        "public_ip_note": EC2_NOTE}),
    ("awsvpc", ec2_ipv6_only_igw, {
        **PRIVATE, "subnets": ["V6"], "ipv6_only": ["V6"],
        "egress_detail": "the internet (0.0.0.0/0)", "public_ip_note": EC2_NOTE}),
    ("awsvpc", managed_instances, {**PRIVATE, "public_ip_note": MI_NOTE}),
    ("awsvpc", managed_instances_ipv6_only, {
        "mode": "awsvpc", "subnets": ["IsolatedSubnet"], "vpcs": ["Vpc"],
        "unknown": ["subnet IsolatedSubnet is IPv6-only: exec from Managed Instances tasks on "
                    "an IPv6-only interface is not documented"],
        "ipv6_only": ["IsolatedSubnet"], "egress": False,
        "egress_detail": "the internet over IPv6 (::/0)", "public_ip_note": MI_NOTE}),
    ("bridge", ec2, {**PRIVATE, "mode": "bridge"}),
    ("default", ec2, {**PRIVATE, "mode": "default"}),
    ("host", hosts_in_public_subnet, {**PRIVATE, "mode": "host", "subnets": ["PublicSubnet"]}),
    ("bridge", hosts_without_subnets, {
        "mode": "bridge", "egress_detail": "the internet (0.0.0.0/0)",
        "unknown": ["no subnets are given (the account's default VPC is used)"]}),
    ("bridge", ec2_no_hosts, {"mode": "bridge", "unknown": [
        "the container instances are not in the input"]}),
    ("bridge", ec2_no_hosts_missing_provider, {"mode": "bridge", "unknown": [
        'the container instances are not in the input (capacity provider "missing-cp" is not '
        "in the input)"]}),
    ("bridge", fargate, {"mode": "bridge", "unknown": [
        "network mode bridge on fargate capacity"]}),
    ("bridge", fargate_and_ec2, {"mode": "bridge", "unknown": [
        "network mode bridge on unknown capacity (the strategy mixes Fargate with capacity "
        'provider "missing-cp", which is not in the input)']}),
]


@pytest.mark.parametrize(("change", "expected"), FARGATE_CASES,
                         ids=[c.__name__ if c.__name__ != "<lambda>" else "compliant"
                              for c, _ in FARGATE_CASES])
def test_fargate_service(change: Case, expected: Any) -> None:
    t = exec_app()
    change(t)
    assert assessment(t) == expected


@pytest.mark.parametrize(("mode", "change", "expected"), EC2_CASES,
                         ids=[f"{m} {c.__name__}" for m, c, _ in EC2_CASES])
def test_ec2_service(mode: str, change: Case, expected: Any) -> None:
    t = ec2_app(network_mode=mode)
    change(t)
    assert assessment(t) == expected


def test_network_mode_none_has_no_network() -> None:
    t = exec_app()
    t.props("TaskDef")["NetworkMode"] = "none"
    assert assessment(t) is None


def test_a_spent_budget_leaves_only_its_reason() -> None:
    t = exec_app()
    spent = {"mode": "awsvpc", "unknown": [BUDGET.format(10)], "egress": None,
             "egress_detail": "not checked (the network budget is spent)", "over_budget": True}
    assert assessment(t, network_units=10, spent=11) == spent
    # Spent on the way (routes, endpoint, its groups, egress): the subnets and VPCs stay.
    isolated_with()(t)
    assert assessment(t, network_units=10) == ENDPOINT
    for units in (3, 4, 9):
        assert assessment(t, network_units=units) == {
            **spent, "unknown": [BUDGET.format(units)], "subnets": ["IsolatedSubnet"],
            "vpcs": ["Vpc"]}


def test_tasks_without_subnets_still_have_their_security_groups() -> None:
    """No subnets (which ECS rejects) is a cannot-verify; the task group that allows all
    egress still counts, so there is no NET4 error."""
    t = exec_app()
    no_subnets(t)
    report = t.analyze()
    assert [(f.rule_id, f.logical_id, f.message) for f in report.findings] == [
        ("EcsExec-NET7", "Service", "Cannot verify: Service (service): no subnets are given: "
                                    "ECS rejects an awsvpc launch without subnets.")]
