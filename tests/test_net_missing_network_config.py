"""Exec launches whose network configuration leaves out the subnets, the security groups or both:
a cannot-verify (NET7) naming what is missing, not a NET4 egress error, unless the given groups
let TCP 443 out nowhere at all.

AWS documents (ECS API ``AwsVpcConfiguration``, and the EventBridge, Scheduler and Pipes
``AwsVpcConfiguration``) that ``subnets`` is required and that without ``securityGroups`` the
tasks get the VPC's default security group; ECS rejects an awsvpc launch without subnets
("InvalidParameterException: subnets can not be empty") or without a network configuration
("Network Configuration must be provided when networkMode 'awsvpc' is specified"). A default
security group allows all egress unless CDK's ``restrictDefaultSecurityGroup`` wrote a
``Custom::VpcRestrictDefaultSG`` for it. Container instances without subnets (an Auto Scaling
group with only availability zones) run in the account's default VPC.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, ec2_app, exactly, exec_app, https_to_group, ref

from ecs_exec_guard.analysis import Severity

WARNING, ERROR = Severity.WARNING, Severity.ERROR

NO_SUBNETS = "no subnets are given: ECS rejects an awsvpc launch without subnets"
NO_GROUP_NO_VPC = (
    "egress on TCP 443: no security group is given: the tasks get their VPC's default "
    "security group, and without subnets that VPC is not known"
)
# CDK's allowAllOutbound: false (aws-cdk-lib aws-ec2/lib/security-group.ts, MATCH_NO_TRAFFIC).
CDK_NO_EGRESS = [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
                  "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]


def messages(report: Any, *expected: tuple[str, Severity, str]) -> list[str]:
    return [f.message for f in exactly(report, *expected)]


def awsvpc_of(t: Template, launch: str) -> dict[str, Any]:
    """The AwsvpcConfiguration of ``launch`` (the service or the rule, schedule or pipe)."""
    props = t.props(launch)
    if launch == "Rule":
        return props["Targets"][0]["EcsParameters"]["NetworkConfiguration"]["AwsVpcConfiguration"]  # type: ignore[no-any-return]
    if launch == "Schedule":
        return props["Target"]["EcsParameters"]["NetworkConfiguration"]["AwsvpcConfiguration"]  # type: ignore[no-any-return]
    if launch == "Pipe":
        params = props["TargetParameters"]["EcsTaskParameters"]
        return params["NetworkConfiguration"]["AwsvpcConfiguration"]  # type: ignore[no-any-return]
    return props["NetworkConfiguration"]["AwsvpcConfiguration"]  # type: ignore[no-any-return]


def app_with(launch: str) -> Template:
    """The compliant app with its exec tasks started by ``launch`` instead of the service."""
    t = exec_app()
    if launch != "Service":
        t.remove("Service")
        {"Rule": t.events_rule, "Schedule": t.schedule, "Pipe": t.pipe}[launch]()
    return t


LAUNCHES = [("Service", "service"), ("Rule", "rule target Target0"),
            ("Schedule", "schedule target"), ("Pipe", "pipe target")]


# -- neither subnets nor security groups -------------------------------------------------------


@pytest.mark.parametrize(("launch", "where"), LAUNCHES, ids=[w for w, _ in LAUNCHES])
def test_no_subnets_and_no_groups_is_a_cannot_verify(launch: str, where: str) -> None:
    t = app_with(launch)
    cfg = awsvpc_of(t, launch)
    del cfg["Subnets"], cfg["SecurityGroups"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, launch)) == [
        f"Cannot verify: {launch} ({where}): {NO_SUBNETS}; {NO_GROUP_NO_VPC}."]


def test_empty_lists_are_no_subnets_and_no_groups() -> None:
    t = exec_app()
    cfg = awsvpc_of(t, "Service")
    cfg["Subnets"], cfg["SecurityGroups"] = [], []
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        f"Cannot verify: Service (service): {NO_SUBNETS}; {NO_GROUP_NO_VPC}."]


@pytest.mark.parametrize(("launch", "where"), LAUNCHES, ids=[w for w, _ in LAUNCHES])
def test_no_network_configuration_says_ecs_rejects_the_launch(launch: str, where: str) -> None:
    t = app_with(launch)
    props = t.props(launch)
    if launch == "Rule":
        del props["Targets"][0]["EcsParameters"]["NetworkConfiguration"]
    elif launch == "Schedule":
        del props["Target"]["EcsParameters"]["NetworkConfiguration"]
    elif launch == "Pipe":
        del props["TargetParameters"]["EcsTaskParameters"]["NetworkConfiguration"]
    else:
        del props["NetworkConfiguration"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, launch)) == [
        f"Cannot verify: {launch} ({where}): the launch has no awsvpc network configuration, "
        "which ECS requires for an awsvpc task (it rejects the launch)."]


# -- groups but no subnets ---------------------------------------------------------------------


def test_no_subnets_with_a_group_that_allows_all_egress() -> None:
    t = exec_app()
    del awsvpc_of(t, "Service")["Subnets"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        f"Cannot verify: Service (service): {NO_SUBNETS}."]


def test_no_subnets_with_a_group_that_lets_443_out_only_to_an_endpoint_group() -> None:
    """Without the VPC, whether it has an endpoint those rules reach is not known."""
    t = exec_app()
    t.security_group("EndpointSg")
    t.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("EndpointSg", "GroupId"))]
    del awsvpc_of(t, "Service")["Subnets"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        f"Cannot verify: Service (service): {NO_SUBNETS}; egress on TCP 443: no security group "
        "of the tasks allows it to the internet (0.0.0.0/0), and the tasks' VPC is not known (it "
        "may have an ssmmessages endpoint they reach)."]


def test_no_subnets_with_a_group_that_lets_443_out_nowhere_is_still_net4() -> None:
    t = exec_app()
    t.props("TaskSg")["SecurityGroupEgress"] = list(CDK_NO_EGRESS)
    del awsvpc_of(t, "Service")["Subnets"]
    assert messages(t.analyze(), ("EcsExec-NET4", ERROR, "Service"),
                    ("EcsExec-NET7", WARNING, "Service")) == [
        "Service (service): no security group of the tasks allows egress on TCP 443 to the "
        "internet (0.0.0.0/0).",
        f"Cannot verify: Service (service): {NO_SUBNETS}."]


def test_imported_subnet_with_a_group_that_lets_443_out_only_to_an_endpoint_group() -> None:
    t = exec_app()
    t.security_group("EndpointSg")
    t.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("EndpointSg", "GroupId"))]
    awsvpc_of(t, "Service")["Subnets"] = ["subnet-0123456789abcdef0"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        'Cannot verify: Service (service): subnet "subnet-0123456789abcdef0" is not in the '
        "input; egress on TCP 443: no security group of the tasks allows it to the internet "
        "(0.0.0.0/0), and the tasks' VPC is not known (it may have an ssmmessages endpoint they "
        "reach)."]


def test_subnet_in_the_input_with_a_group_that_lets_443_out_only_to_another_group() -> None:
    """The twin: the VPC is known and has no endpoint, so the tasks never get out."""
    t = exec_app()
    t.security_group("EndpointSg")
    t.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("EndpointSg", "GroupId"))]
    assert messages(t.analyze(), ("EcsExec-NET4", ERROR, "Service")) == [
        "Service (service): no security group of the tasks allows egress on TCP 443 to the "
        "internet (0.0.0.0/0)."]


# -- subnets but no groups: the VPC's default security group -----------------------------------


def test_no_groups_use_the_default_group_of_the_vpc_in_the_input() -> None:
    t = exec_app()
    del awsvpc_of(t, "Service")["SecurityGroups"]
    report = t.analyze()
    assert report.findings == []
    assert report.launches_checked == 1


def test_no_groups_and_a_restricted_default_group() -> None:
    t = exec_app()
    del awsvpc_of(t, "Service")["SecurityGroups"]
    t.add("Restrict", "Custom::VpcRestrictDefaultSG",
          DefaultSecurityGroupId=att("Vpc", "DefaultSecurityGroup"))
    assert messages(t.analyze(), ("EcsExec-NET4", ERROR, "Service")) == [
        "Service (service): no security group of the tasks allows egress on TCP 443 to the "
        "internet (0.0.0.0/0)."]


def test_no_groups_and_a_subnet_outside_the_input() -> None:
    t = exec_app()
    cfg = awsvpc_of(t, "Service")
    del cfg["SecurityGroups"]
    cfg["Subnets"] = ["subnet-0123456789abcdef0"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        'Cannot verify: Service (service): subnet "subnet-0123456789abcdef0" is not in the '
        "input; egress on TCP 443: no security group is given: the tasks get their VPC's "
        'default security group, and the VPC of subnet "subnet-0123456789abcdef0" is not in the '
        "input."]


def test_no_groups_and_a_subnet_set_at_deploy_time() -> None:
    t = exec_app()
    t.parameters["Sub"] = {"Type": "AWS::EC2::Subnet::Id"}
    cfg = awsvpc_of(t, "Service")
    del cfg["SecurityGroups"]
    cfg["Subnets"] = [ref("Sub")]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        "Cannot verify: Service (service): a subnet cannot be resolved (parameter Sub (set at "
        "deploy time)); egress on TCP 443: no security group is given: the tasks get their "
        "VPC's default security group, and the subnet, and so the VPC, cannot be resolved."]


def test_no_groups_and_a_subnet_whose_vpc_is_outside_the_input() -> None:
    t = exec_app()
    cfg = awsvpc_of(t, "Service")
    del cfg["SecurityGroups"]
    t.add("Outside", "AWS::EC2::Subnet", VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.0.0/24")
    t.add("OutsideRouteTable", "AWS::EC2::RouteTable", VpcId="vpc-0123456789abcdef0")
    t.add("OutsideAssociation", "AWS::EC2::SubnetRouteTableAssociation",
          SubnetId=ref("Outside"), RouteTableId=ref("OutsideRouteTable"))
    t.add("OutsideRoute", "AWS::EC2::Route", RouteTableId=ref("OutsideRouteTable"),
          DestinationCidrBlock="0.0.0.0/0", NatGatewayId="nat-0123456789abcdef0")
    cfg["Subnets"] = [ref("Outside")]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service"),
                    ("EcsExec-NET8", WARNING, "Service")) == [
        "Cannot verify: Service (service): the VPC of subnet Outside is not in the input; route "
        'OutsideRoute goes to NAT gateway "nat-0123456789abcdef0", which is not in the input '
        "(whether it is public and has a way out); egress on TCP 443: no security group is "
        "given: the tasks get their VPC's default security group, and the VPC of subnet Outside "
        "is not in the input.",
        "Cannot verify: Service (service): whether the network ACLs let exec through: outbound "
        "TCP 443 to 0.0.0.0/0 at subnet Outside: the default network ACL of subnet Outside's "
        "VPC."]


# -- container instances (bridge mode) ----------------------------------------------------------


def test_hosts_without_subnets_or_groups_are_a_cannot_verify() -> None:
    t = ec2_app(network_mode="bridge")
    del t.props("Asg")["VPCZoneIdentifier"]
    t.props("Asg")["AvailabilityZones"] = ["eu-west-1a"]
    del t.props("AsgLaunchTemplate")["LaunchTemplateData"]["SecurityGroupIds"]
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        "Cannot verify: Service (service): no subnets are given (the account's default VPC is "
        f"used); {NO_GROUP_NO_VPC}."]


def test_hosts_in_a_subnet_without_groups_use_the_default_group() -> None:
    t = ec2_app(network_mode="bridge")
    del t.props("AsgLaunchTemplate")["LaunchTemplateData"]["SecurityGroupIds"]
    report = t.analyze()
    assert report.findings == []
    assert report.launches_checked == 1


def test_hosts_without_groups_next_to_hosts_with_them() -> None:
    """Each group of instances gets its own default group: the second one's group allows all
    egress, the first one's subnets are not known."""
    t = ec2_app(network_mode="bridge")
    t.container_instances(t.props("AsgLaunchTemplate")["LaunchTemplateData"]["ImageId"],
                          logical_id="Bare")
    del t.props("Bare")["VPCZoneIdentifier"]
    t.props("Bare")["AvailabilityZones"] = ["eu-west-1a"]
    del t.props("BareLaunchTemplate")["LaunchTemplateData"]["SecurityGroupIds"]
    # The bare instances first: hosts are read in template order.
    t.resources = {k: t.resources[k] for k in ("Bare", "BareLaunchTemplate")} | {
        k: v for k, v in t.resources.items() if k not in ("Bare", "BareLaunchTemplate")}
    assert messages(t.analyze(), ("EcsExec-NET7", WARNING, "Service")) == [
        "Cannot verify: Service (service): no subnets are given (the account's default VPC is "
        "used)."]
