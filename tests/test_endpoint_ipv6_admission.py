"""Whether an ssmmessages endpoint admits the tasks, and the tasks reach it, by address family.

Tasks in an IPv6-only subnet (``Ipv6Native: true``) reach the endpoint from their IPv6
addresses: an ingress rule ``CidrIpv6: ::/0`` admits every one of them (as ``CidrIp: 0.0.0.0/0``
admits every IPv4 source), an IPv6 CIDR admits them when it holds the subnet's
``Ipv6CidrBlock`` (a cannot-verify when that block is a token, as CDK writes it:
``Fn::Select`` of ``Fn::Cidr`` of the VPC's ``Ipv6CidrBlocks``), and an IPv4 rule never does.
Dual-stack tasks use the IPv4 endpoints (amazon-ecs-agent 1.103+ picks the dual-stack ones only
on an IPv6-only interface), so there the IPv4 rule is the one that counts. Shapes:
AWS::EC2::Subnet ``Ipv6Native``/``Ipv6CidrBlock``, AWS::EC2::VPCEndpoint ``IpAddressType``,
security-group rules ``CidrIpv6`` (cfn-lint schemas).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import ALLOW_ALL_EGRESS, Template, att, ec2_app, exactly, exec_app, ref
from test_network_ipv6 import V6_BLOCK, ipv6_only_subnet
from test_network_ipv6 import ec2_tasks_in as tasks_in

from ecs_exec_guard.analysis import Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING
CDK_V6_BLOCK = {"Fn::Select": [0, {"Fn::Cidr": [
    {"Fn::Select": [0, att("Vpc", "Ipv6CidrBlocks")]}, 256, "64"]}]}


def https_from(**peer: Any) -> dict[str, Any]:
    return {**peer, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}


def isolated_ipv6_app(*ingress: dict[str, Any], block: Any = V6_BLOCK) -> Template:
    """EC2 tasks in ``V6Subnet`` (IPv6-only, no route out) and an ssmmessages endpoint in that
    subnet whose group ``EndpointSg`` has the ``ingress`` rules."""
    t = ec2_app()
    ipv6_only_subnet(t, route={}, block=block)
    tasks_in(t, "V6Subnet")
    t.security_group("EndpointSg", ingress=list(ingress))
    t.endpoint(security_groups=[att("EndpointSg", "GroupId")], subnets=["V6Subnet"])
    t.props("SsmMessagesEndpoint")["IpAddressType"] = "ipv6"
    return t


def clean(t: Template) -> None:
    report = t.analyze()
    assert report.findings == []
    assert report.launches_checked == 1


def not_admitted(t: Template, subnets: str = "V6Subnet",
                 why: str = " (V6Subnet has no ::/0 route)") -> None:
    """The whole report when the endpoint's group does not admit the tasks."""
    found = exactly(t.analyze(), ("EcsExec-NET2", ERROR, "Service"),
                    ("EcsExec-NET5", ERROR, "SsmMessagesEndpoint"))
    assert [f.message for f in found] == [
        f"Service (service): subnet(s) {subnets} have no default route that leads to the "
        f"internet{why}, and its ssmmessages endpoint SsmMessagesEndpoint is not usable (see "
        "EcsExec-NET5).",
        "ssmmessages endpoint SsmMessagesEndpoint is not usable by Service (service): its "
        "security groups do not admit TCP 443 from the tasks."]


# -- IPv6-only tasks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidr", ["::/0", "2001:db8:1234::/48", V6_BLOCK],
    ids=["every IPv6 source", "a range holding the subnet", "the subnet's own block"])
def test_ipv6_rule_admitting_the_ipv6_only_tasks(cidr: str) -> None:
    clean(isolated_ipv6_app(https_from(CidrIpv6=cidr)))


@pytest.mark.parametrize(
    "peer", [{"CidrIpv6": "2001:db8:ffff::/64"}, {"CidrIp": "0.0.0.0/0"},
             {"CidrIp": "10.0.0.0/16"}],
    ids=["an IPv6 range missing the subnet", "every IPv4 source", "the VPC's IPv4 range"])
def test_rule_not_admitting_the_ipv6_only_tasks(peer: dict[str, Any]) -> None:
    not_admitted(isolated_ipv6_app(https_from(**peer)))


def test_every_ipv6_source_admits_a_subnet_whose_block_is_a_token() -> None:
    clean(isolated_ipv6_app(https_from(CidrIpv6="::/0"), block=CDK_V6_BLOCK))


def test_an_ipv4_rule_never_admits_a_subnet_whose_ipv6_block_is_a_token() -> None:
    not_admitted(isolated_ipv6_app(https_from(CidrIp="0.0.0.0/0"), block=CDK_V6_BLOCK))


def test_an_ipv6_range_against_a_block_that_is_a_token_is_a_cannot_verify() -> None:
    t = isolated_ipv6_app(https_from(CidrIpv6="2001:db8:1234::/48"), block=CDK_V6_BLOCK)
    (found,) = exactly(t.analyze(), ("EcsExec-NET7", WARNING, "Service"))
    assert found.message == (
        "Cannot verify: Service (service): whether endpoint SsmMessagesEndpoint admits TCP 443 "
        "from the tasks (a security group or rule cannot be resolved).")


def test_the_tasks_group_as_source_admits_them_whatever_the_family() -> None:
    clean(isolated_ipv6_app(https_from(SourceSecurityGroupId=att("TaskSg", "GroupId"))))


# -- egress from IPv6-only tasks to the endpoint -----------------------------------------------


def test_ipv6_only_tasks_reach_the_endpoint_with_ipv6_egress_alone() -> None:
    t = isolated_ipv6_app(https_from(CidrIpv6="::/0"))
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from(CidrIpv6=V6_BLOCK)]
    clean(t)


def test_ipv6_only_tasks_with_ipv4_egress_alone_do_not_reach_the_endpoint() -> None:
    t = isolated_ipv6_app(https_from(CidrIpv6="::/0"))
    t.props("TaskSg")["SecurityGroupEgress"] = list(ALLOW_ALL_EGRESS)
    (found,) = exactly(t.analyze(), ("EcsExec-NET4", ERROR, "Service"))
    assert found.message == (
        "Service (service): no security group of the tasks allows egress on TCP 443 to the "
        "ssmmessages endpoint SsmMessagesEndpoint.")


# -- dual-stack and mixed subnets --------------------------------------------------------------


def dual_stack_isolated_app(*ingress: dict[str, Any]) -> Template:
    """Fargate tasks in the isolated subnet, made dual-stack, and an endpoint there."""
    t = exec_app(subnet="isolated")
    t.props("IsolatedSubnet")["Ipv6CidrBlock"] = "2001:db8:1234:1a02::/64"
    t.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = list(ingress)
    return t


def test_dual_stack_tasks_are_admitted_by_the_ipv4_rule() -> None:
    clean(dual_stack_isolated_app(https_from(CidrIp="10.0.2.0/24")))


def test_dual_stack_tasks_are_not_admitted_by_an_ipv6_rule_alone() -> None:
    """They use the IPv4 endpoints, so ::/0 alone does not let them in."""
    found = exactly(dual_stack_isolated_app(https_from(CidrIpv6="::/0")).analyze(),
                    ("EcsExec-NET2", ERROR, "Service"),
                    ("EcsExec-NET5", ERROR, "SsmMessagesEndpoint"))
    assert [f.message for f in found] == [
        "Service (service): subnet(s) IsolatedSubnet have no default route that leads to the "
        "internet, and its ssmmessages endpoint SsmMessagesEndpoint is not usable (see "
        "EcsExec-NET5).",
        "ssmmessages endpoint SsmMessagesEndpoint is not usable by Service (service): its "
        "security groups do not admit TCP 443 from the tasks."]


def test_tasks_in_ipv6_only_and_ipv4_subnets_need_both_families_admitted() -> None:
    t = isolated_ipv6_app(https_from(CidrIp="10.0.2.0/24"), https_from(CidrIpv6="::/0"))
    tasks_in(t, "V6Subnet", "IsolatedSubnet")
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [ref("V6Subnet"), ref("IsolatedSubnet")]
    t.props("SsmMessagesEndpoint")["IpAddressType"] = "dualstack"
    clean(t)


@pytest.mark.parametrize("missing", [0, 1], ids=["no IPv4 rule", "no IPv6 rule"])
def test_tasks_in_ipv6_only_and_ipv4_subnets_with_one_family_admitted(missing: int) -> None:
    rules = [https_from(CidrIp="10.0.2.0/24"), https_from(CidrIpv6="::/0")]
    del rules[missing]
    t = isolated_ipv6_app(*rules)
    tasks_in(t, "V6Subnet", "IsolatedSubnet")
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [ref("V6Subnet"), ref("IsolatedSubnet")]
    t.props("SsmMessagesEndpoint")["IpAddressType"] = "dualstack"
    not_admitted(t, "V6Subnet, IsolatedSubnet", " (V6Subnet has no ::/0 route)")


def test_one_family_not_admitted_and_the_other_unknown_is_not_admitted() -> None:
    """IPv4 tasks are refused for sure, so the endpoint is not usable (NET5), whatever the IPv6
    block (a token here) turns out to be."""
    t = isolated_ipv6_app(https_from(CidrIpv6="2001:db8::/32"), block=CDK_V6_BLOCK)
    tasks_in(t, "V6Subnet", "IsolatedSubnet")
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [ref("V6Subnet"), ref("IsolatedSubnet")]
    t.props("SsmMessagesEndpoint")["IpAddressType"] = "dualstack"
    not_admitted(t, "V6Subnet, IsolatedSubnet", " (V6Subnet has no ::/0 route)")


# -- where the endpoint's addresses are not known ---------------------------------------------


@pytest.mark.parametrize(
    ("egress", "expected"),
    [("::/0", []), ("2001:db8:1234::/48", [
        "Cannot verify: Service (service): egress on TCP 443: an egress rule of TaskSg cannot "
        "be resolved."])],
    ids=["to every IPv6 address", "to an IPv6 range"])
def test_ipv6_only_tasks_and_an_endpoint_without_subnets(egress: str, expected: list[str]) -> None:
    """The endpoint's subnets are not given: its addresses are some IPv6 ones of the VPC."""
    t = isolated_ipv6_app(https_from(CidrIpv6="::/0"))
    del t.props("SsmMessagesEndpoint")["SubnetIds"]
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from(CidrIpv6=egress)]
    report = t.analyze()
    assert [f.message for f in report.findings] == expected
    if expected:
        exactly(report, ("EcsExec-NET7", WARNING, "Service"))


def test_each_unknown_egress_rule_is_named_once_across_families() -> None:
    """IPv4 and IPv6 tasks, an endpoint subnet whose blocks are tokens: each family's group is
    unknown for its own family only, and the message names each once."""
    t = isolated_ipv6_app(https_from(CidrIpv6="::/0"), https_from(CidrIp="0.0.0.0/0"))
    tasks_in(t, "V6Subnet", "IsolatedSubnet")
    t.add("EndpointSubnet", "AWS::EC2::Subnet", VpcId=ref("Vpc"), AvailabilityZone="eu-west-1a",
          CidrBlock={"Fn::Select": [3, {"Fn::Cidr": [att("Vpc", "CidrBlock"), 8, "8"]}]},
          Ipv6CidrBlock=CDK_V6_BLOCK)
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [ref("EndpointSubnet")]
    t.props("SsmMessagesEndpoint")["IpAddressType"] = "dualstack"
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from(CidrIp="10.0.0.0/16")]
    t.security_group("TaskSg6", egress=[https_from(CidrIpv6="2001:db8::/32")])
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"].append(
        att("TaskSg6", "GroupId"))
    (found,) = exactly(t.analyze(), ("EcsExec-NET7", WARNING, "Service"))
    assert found.message == (
        "Cannot verify: Service (service): egress on TCP 443: an egress rule of TaskSg cannot be "
        "resolved; an egress rule of TaskSg6 cannot be resolved.")
