"""The whole findings of the network rules NET1-NET8 (issue 15 item 1): each message as written,
NET5 once per endpoint and problem, NET8's fix naming every entry to add, the ACLs of the
endpoint's and the NAT gateway's subnets, IPv6 peers, and NET8 once the network budget is spent.
Shapes as in tests/cfn.py; network ACLs as CDK's ``ec2.NetworkAcl`` writes them
(AWS::EC2::NetworkAcl and an AWS::EC2::SubnetNetworkAclAssociation per subnet).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cfn import Template, ec2_app, exec_app, https_from_cidr, ref
from netindex import model_of

from ecs_exec_guard.analysis.rules.base import Context
from ecs_exec_guard.analysis.rules.network import NET7, NET8

NET8_FIX = ("Add the network ACL entries the finding names (AWS::EC2::NetworkAclEntry, or "
            "acl.add_entry(...) on an ec2.NetworkAcl), numbered below any entry that denies the "
            "traffic. EcsExecAutoFix does not change network ACLs.")


def findings(t: Template, *, prefix: str = "EcsExec-") -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in t.analyze().findings if f.rule_id.startswith(prefix)]


def tasks_in(t: Template, *subnets: str) -> None:
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref(s) for s in subnets]


def acl(t: Template, name: str, *subnets: str) -> None:
    """A network ACL without entries (it denies everything) on ``subnets``."""
    t.add(name, "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    for subnet in subnets:
        t.add(f"{name}{subnet}", "AWS::EC2::SubnetNetworkAclAssociation",
              SubnetId=ref(subnet), NetworkAclId=ref(name))


def test_net1() -> None:
    t = exec_app()
    t.props("TaskDef")["NetworkMode"] = "none"
    assert findings(t) == [("EcsExec-NET1", "error", "TaskDef", "TaskDef uses NetworkMode none.")]


def test_net2_with_an_endpoint_that_is_not_usable() -> None:
    t = exec_app(subnet="isolated")
    t.props("SsmMessagesEndpoint")["VpcEndpointType"] = "Gateway"
    assert findings(t) == [
        ("EcsExec-NET2", "error", "Service",
         "Service (service): subnet(s) IsolatedSubnet have no default route that leads to the "
         "internet, and its ssmmessages endpoint SsmMessagesEndpoint is not usable (see "
         "EcsExec-NET5)."),
        ("EcsExec-NET5", "error", "SsmMessagesEndpoint",
         "ssmmessages endpoint SsmMessagesEndpoint is not usable by Service (service): it is not "
         "an Interface endpoint."),
    ]


def test_net2_says_why_once_per_reason() -> None:
    t = exec_app()
    t.props("Nat")["ConnectivityType"] = "private"
    t.subnet("Private2", "10.0.3.0/24", route={"NatGatewayId": ref("Nat")})
    tasks_in(t, "PrivateSubnet", "Private2", "IsolatedSubnet")
    assert findings(t) == [
        ("EcsExec-NET2", "error", "Service",
         "Service (service): subnet(s) PrivateSubnet, Private2, IsolatedSubnet have no default "
         "route that leads to the internet (NAT gateway Nat is private: it never reaches the "
         "internet), and the VPC has no ssmmessages interface endpoint."),
    ]


@pytest.mark.parametrize(
    ("app", "note"),
    [(exec_app, ""), (ec2_app, " (awsvpc tasks on EC2 instances never get a public IP)")],
    ids=["fargate", "ec2"],
)
def test_net3(app: Any, note: str) -> None:
    t = app()
    tasks_in(t, "PublicSubnet")
    assert findings(t) == [
        ("EcsExec-NET3", "error", "Service",
         "Service (service): subnet(s) PublicSubnet reach the internet only through an internet "
         f"gateway, but the tasks get no public IP{note}, and there is no usable ssmmessages "
         "endpoint."),
    ]
    # An ssmmessages endpoint serves them instead.
    t.endpoint()
    assert findings(t) == []


def test_net4() -> None:
    t = exec_app()
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from_cidr("10.0.0.0/8")]
    assert findings(t) == [
        ("EcsExec-NET4", "error", "Service",
         "Service (service): no security group of the tasks allows egress on TCP 443 to the "
         "internet (0.0.0.0/0)."),
    ]


def test_net5_once_per_endpoint_and_problem() -> None:
    t = exec_app(subnet="isolated")
    t.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [https_from_cidr("192.168.0.0/16")]
    t.resources["Service2"] = copy.deepcopy(t.resources["Service"])
    net2 = ("subnet(s) IsolatedSubnet have no default route that leads to the internet, and its "
            "ssmmessages endpoint SsmMessagesEndpoint is not usable (see EcsExec-NET5).")
    assert findings(t) == [
        ("EcsExec-NET2", "error", "Service", f"Service (service): {net2}"),
        ("EcsExec-NET2", "error", "Service2", f"Service2 (service): {net2}"),
        ("EcsExec-NET5", "error", "SsmMessagesEndpoint",
         "ssmmessages endpoint SsmMessagesEndpoint is not usable by Service (service): its "
         "security groups do not admit TCP 443 from the tasks."),
    ]


def test_net6_names_every_missing_endpoint() -> None:
    t = exec_app(subnet="isolated")
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "OVERRIDE", "KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/abc",
        "LogConfiguration": {"CloudWatchLogGroupName": "g", "S3BucketName": "b"}}}
    assert findings(t, prefix="EcsExec-NET") == [
        ("EcsExec-NET6", "warning", "Service",
         "Service (service): the tasks have no route to the internet and cluster Cluster logs or "
         "encrypts exec sessions, but the VPC has no kms, logs, s3 endpoint."),
    ]
    t.endpoint("LogsEndpoint", "logs")
    t.endpoint("KmsEndpoint", "kms")
    assert findings(t, prefix="EcsExec-NET") == [
        ("EcsExec-NET6", "warning", "Service",
         "Service (service): the tasks have no route to the internet and cluster Cluster logs or "
         "encrypts exec sessions, but the VPC has no s3 endpoint."),
    ]
    # With a way out (the NAT route) no endpoint is needed.
    tasks_in(t, "PrivateSubnet")
    assert findings(t, prefix="EcsExec-NET") == []


def test_net7_names_each_reason_once() -> None:
    t = exec_app()
    t.parameters["S"] = {"Type": "String"}
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("S"), ref("S")]
    t.props("TaskSg")["SecurityGroupEgress"] = [https_from_cidr(ref("S"))]
    assert findings(t) == [
        ("EcsExec-NET7", "warning", "Service",
         "Cannot verify: Service (service): a subnet cannot be resolved (parameter S (set at "
         "deploy time)); egress on TCP 443: an egress rule of TaskSg cannot be resolved."),
    ]


def net8(t: Template) -> list[tuple[str, str, str, str | None]]:
    return [(f.severity.value, f.logical_id, f.message, f.fix if f.fix != NET8_FIX else None)
            for f in t.analyze().findings if f.rule_id == "EcsExec-NET8"]


def test_net8_at_the_endpoints_subnets() -> None:
    t = exec_app(subnet="isolated")
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [
        ref("IsolatedSubnet"), ref("PublicSubnet"), "subnet-0123456789abcdef0"]
    # The tasks' subnet has the endpoint too: that pair crosses no subnet edge.
    acl(t, "PubAcl", "PublicSubnet", "IsolatedSubnet")
    assert net8(t) == [
        ("error", "Service",
         "Service (service): network ACL PubAcl of subnet IsolatedSubnet denies outbound TCP 443 "
         "to 10.0.0.0/24 (no entry allows it); network ACL PubAcl of subnet IsolatedSubnet "
         "denies inbound TCP 1024-65535 from 10.0.0.0/24 (no entry allows it); network ACL PubAcl "
         "of subnet PublicSubnet denies inbound TCP 443 from 10.0.2.0/24 (no entry allows it); "
         "network ACL PubAcl of subnet PublicSubnet denies outbound TCP 1024-65535 to "
         "10.0.2.0/24 (no entry allows it).",
         "Add to network ACL PubAcl, an entry allowing outbound TCP 443 to 10.0.0.0/24; add to "
         "network ACL PubAcl, an entry allowing inbound TCP 1024-65535 from 10.0.0.0/24; add to "
         "network ACL PubAcl, an entry allowing inbound TCP 443 from 10.0.2.0/24; add to network "
         "ACL PubAcl, an entry allowing outbound TCP 1024-65535 to 10.0.2.0/24. EcsExecAutoFix "
         "does not change network ACLs."),
        ("warning", "Service",
         "Cannot verify: Service (service): whether the network ACLs let exec through: outbound "
         'TCP 443 to "subnet-0123456789abcdef0" at subnet IsolatedSubnet: subnet '
         '"subnet-0123456789abcdef0" of endpoint SsmMessagesEndpoint is not in the input.',
         None),
    ]


def test_net8_at_the_nat_gateways_subnet() -> None:
    t = exec_app()
    acl(t, "PubAcl", "PublicSubnet")
    assert net8(t) == [
        ("error", "Service",
         "Service (service): network ACL PubAcl of subnet PublicSubnet denies inbound TCP 443 "
         "from 10.0.1.0/24 (no entry allows it); network ACL PubAcl of subnet PublicSubnet "
         "denies outbound TCP 1024-65535 to 10.0.1.0/24 (no entry allows it); network ACL "
         "PubAcl of subnet PublicSubnet denies outbound TCP 443 to 0.0.0.0/0 (no entry allows "
         "it); network ACL PubAcl of subnet PublicSubnet denies inbound TCP 1024-65535 from "
         "0.0.0.0/0 (no entry allows it).",
         "Add to network ACL PubAcl, an entry allowing inbound TCP 443 from 10.0.1.0/24; add to "
         "network ACL PubAcl, an entry allowing outbound TCP 1024-65535 to 10.0.1.0/24; add to "
         "network ACL PubAcl, an entry allowing outbound TCP 443 to 0.0.0.0/0; add to network "
         "ACL PubAcl, an entry allowing inbound TCP 1024-65535 from 0.0.0.0/0. EcsExecAutoFix "
         "does not change network ACLs."),
    ]
    # Subnets NET2 or NET3 already report are not looked at again.
    tasks_in(t, "PublicSubnet")
    assert [f[0] for f in findings(t)] == ["EcsExec-NET3"]
    tasks_in(t, "IsolatedSubnet")
    assert [f[0] for f in findings(t)] == ["EcsExec-NET2"]


def ipv6_only_tasks() -> Template:
    """EC2 awsvpc tasks in V6, an IPv6-only subnet (Ipv6CidrBlock, no CidrBlock)."""
    t = ec2_app()
    t.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=ref("Vpc"))
    t.add("V6", "AWS::EC2::Subnet", VpcId=ref("Vpc"), Ipv6Native=True,
          Ipv6CidrBlock="2001:db8:1234:1a00::/64")
    t.add("V6Rt", "AWS::EC2::RouteTable", VpcId=ref("Vpc"))
    t.add("V6Assoc", "AWS::EC2::SubnetRouteTableAssociation", SubnetId=ref("V6"),
          RouteTableId=ref("V6Rt"))
    t.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}, {"CidrIpv6": "::/0", "IpProtocol": "-1"}]
    tasks_in(t, "V6")
    return t


def test_net8_for_ipv6_only_tasks() -> None:
    t = ipv6_only_tasks()
    t.add("V6Route", "AWS::EC2::Route", RouteTableId=ref("V6Rt"),
          DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=ref("Eigw"))
    acl(t, "V6Acl", "V6")
    # An IPv4 route to the NAT gateway is not the IPv6-only tasks' way: its subnet's ACL is not
    # on their path.
    t.add("V6Nat", "AWS::EC2::Route", RouteTableId=ref("V6Rt"), DestinationCidrBlock="0.0.0.0/0",
          NatGatewayId=ref("Nat"))
    acl(t, "PubAcl", "PublicSubnet")
    assert net8(t) == [
        ("error", "Service",
         "Service (service): network ACL V6Acl of subnet V6 denies outbound TCP 443 to ::/0 (no "
         "entry allows it); network ACL V6Acl of subnet V6 denies inbound TCP 1024-65535 from "
         "::/0 (no entry allows it).",
         "Add to network ACL V6Acl, an entry allowing outbound TCP 443 to ::/0; add to network "
         "ACL V6Acl, an entry allowing inbound TCP 1024-65535 from ::/0. EcsExecAutoFix does "
         "not change network ACLs."),
    ]


def test_net8_names_an_ipv6_only_task_subnet_by_its_ipv6_range() -> None:
    t = ipv6_only_tasks()
    t.endpoint(subnets=["IsolatedSubnet"])
    acl(t, "IsoAcl", "IsolatedSubnet")
    (finding,) = net8(t)
    assert finding[2] == (
        "Service (service): network ACL IsoAcl of subnet IsolatedSubnet denies inbound TCP 443 "
        "from 2001:db8:1234:1a00::/64 (no entry allows it); network ACL IsoAcl of subnet "
        "IsolatedSubnet denies outbound TCP 1024-65535 to 2001:db8:1234:1a00::/64 (no entry "
        "allows it).")


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (5, [("EcsExec-NET7",
              "Cannot verify: Service (service): the input needs more than 5 network checks "
              "(rules, routes, endpoints) to analyse, the budget against crafted input; egress "
              "on TCP 443: not checked (the network budget is spent).")]),
        (6, [("EcsExec-NET8",
              "Cannot verify: Service (service): whether the network ACLs let exec through: the "
              "input needs more than 6 network checks (rules, routes, endpoints) to analyse, the "
              "budget against crafted input.")]),
        (14, [("EcsExec-NET8",
               "Cannot verify: Service (service): whether the network ACLs let exec through: the "
               "input needs more than 14 network checks (rules, routes, endpoints) to analyse, "
               "the budget against crafted input.")]),
        (15, [("EcsExec-NET8",
               "Service (service): network ACL PubAcl of subnet PublicSubnet denies inbound TCP "
               "443 from 10.0.1.0/24 (no entry allows it); network ACL PubAcl of subnet "
               "PublicSubnet denies outbound TCP 1024-65535 to 10.0.1.0/24 (no entry allows it); "
               "network ACL PubAcl of subnet PublicSubnet denies outbound TCP 443 to 0.0.0.0/0 "
               "(no entry allows it); network ACL PubAcl of subnet PublicSubnet denies inbound "
               "TCP 1024-65535 from 0.0.0.0/0 (no entry allows it).")]),
    ],
)
def test_net8_and_the_network_budget(units: int, expected: list[tuple[str, str]]) -> None:
    t = exec_app()
    acl(t, "PubAcl", "PublicSubnet")
    ctx = Context(model_of(t, network_units=units))
    found = [f for rule in (NET7(), NET8()) for f in rule.check(ctx)]
    assert [(f.rule_id, f.message) for f in found] == expected
    assert [f.unverified for f in found] == [units < 15]


def test_net8_charges_each_task_and_endpoint_subnet_pair() -> None:
    t = exec_app(subnet="isolated")
    t.props("SsmMessagesEndpoint")["SubnetIds"] = [ref("IsolatedSubnet"), ref("PublicSubnet")]
    # 12 units to assess the launch, 3 for its subnet pairs, 4 for the ACL decisions.
    for units, expected in ((18, [(
            "EcsExec-NET8",
            "Cannot verify: Service (service): whether the network ACLs let exec through: the "
            "input needs more than 18 network checks (rules, routes, endpoints) to analyse, the "
            "budget against crafted input.")]), (19, [])):
        ctx = Context(model_of(t, network_units=units))
        assert [(f.rule_id, f.message) for r in (NET7(), NET8()) for f in r.check(ctx)] == (
            expected)
        assert ctx.net.budget.spent == 19


def test_net6_needs_the_vpc() -> None:
    """Without the tasks' VPC in the input its endpoints are unknown: NET7 says so, not NET6."""
    t = exec_app(subnet="isolated")
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "OVERRIDE", "LogConfiguration": {"CloudWatchLogGroupName": "g"}}}
    t.props("IsolatedSubnet")["VpcId"] = "vpc-0123456789abcdef0"
    assert findings(t, prefix="EcsExec-NET") == [
        ("EcsExec-NET2", "error", "Service",
         "Service (service): subnet(s) IsolatedSubnet have no default route that leads to the "
         "internet, and the VPC has no ssmmessages interface endpoint."),
        ("EcsExec-NET7", "warning", "Service",
         "Cannot verify: Service (service): the VPC of subnet IsolatedSubnet is not in the "
         "input."),
    ]
