"""Network rules: NET1 (mode none), NET2 (no way out), NET3 (public subnet, no public IP),
NET4 (egress 443), NET5 (unusable endpoint), NET6 (logging endpoints), NET7 (cannot verify)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import (
    ALLOW_ALL_EGRESS,
    Template,
    att,
    clean,
    ec2_app,
    exactly,
    exec_app,
    fn_if,
    https_from_cidr,
    https_from_group,
    https_to_group,
    import_value,
    network,
    one,
    ref,
    rule_ids,
)

from ecs_exec_guard.analysis import Severity

NET = tuple(f"EcsExec-NET{i}" for i in range(1, 8))
# What CDK writes for a security group with allowAllOutbound=false.
CDK_NO_EGRESS = [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
                  "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]


def use_subnets(app: Template, *subnets: Any, public_ip: bool | None = None) -> None:
    cfg = app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    cfg["Subnets"] = [ref(s) if isinstance(s, str) else s for s in subnets]
    if public_ip is not None:
        cfg["AssignPublicIp"] = "ENABLED" if public_ip else "DISABLED"


@pytest.mark.parametrize("subnet", ["private", "public", "isolated"])
def test_compliant_network(subnet: str) -> None:
    assert exec_app(subnet=subnet).analyze().findings == []


# -- NET1 ------------------------------------------------------------------------------------


def test_net1_network_mode_none() -> None:
    app = ec2_app(network_mode="none")
    report = app.analyze()
    one(report, "EcsExec-NET1", Severity.ERROR, "TaskDef")


@pytest.mark.parametrize("mode", ["awsvpc", "bridge", "host"])
def test_net1_other_network_modes(mode: str) -> None:
    clean(ec2_app(network_mode=mode).analyze())


# -- NET2 ------------------------------------------------------------------------------------


def test_net2_isolated_subnet_without_endpoint() -> None:
    app = exec_app()
    use_subnets(app, "IsolatedSubnet")
    f = one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")
    assert "IsolatedSubnet" in f.message and "no ssmmessages interface endpoint" in f.message


def test_net2_isolated_subnet_with_endpoint() -> None:
    clean(exec_app(subnet="isolated").analyze())


def test_net2_one_isolated_subnet_among_nat_subnets() -> None:
    app = exec_app()
    use_subnets(app, "PrivateSubnet", "IsolatedSubnet")
    f = one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")
    assert "IsolatedSubnet" in f.message and "PrivateSubnet" not in f.message


def test_net2_subnet_on_the_vpc_main_route_table() -> None:
    app = exec_app()
    app.remove("IsolatedSubnetRouteTableAssociation")
    use_subnets(app, "IsolatedSubnet")
    one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")


def test_net2_default_route_to_a_public_nat_gateway_reaches_out() -> None:
    app = exec_app()
    app.add("IsolatedSubnetDefaultRoute", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=ref("Nat"))
    use_subnets(app, "IsolatedSubnet")
    assert app.analyze().findings == []


@pytest.mark.parametrize("gateway", ["vgw-0123456789abcdef0", ref("Vgw")], ids=["id", "ref"])
def test_net7_default_route_to_a_virtual_private_gateway(gateway: Any) -> None:
    """Traffic to on-premises may or may not reach the internet from there."""
    app = exec_app()
    app.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1")
    app.add("IsolatedSubnetDefaultRoute", "AWS::EC2::Route",
            RouteTableId=ref("IsolatedSubnetRouteTable"), DestinationCidrBlock="0.0.0.0/0",
            GatewayId=gateway)
    use_subnets(app, "IsolatedSubnet")
    report = app.analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Service")
    assert "virtual private gateway" in f.message


def test_net2_route_to_a_narrower_destination_is_not_a_default_route() -> None:
    app = exec_app()
    app.props("PrivateSubnetDefaultRoute")["DestinationCidrBlock"] = "192.168.0.0/16"
    one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")


# -- NET3 ------------------------------------------------------------------------------------


def test_net3_public_subnet_without_public_ip() -> None:
    app = exec_app(subnet="public")
    use_subnets(app, "PublicSubnet", public_ip=False)
    report = app.analyze()
    f = one(report, "EcsExec-NET3", Severity.ERROR, "Service")
    assert "PublicSubnet" in f.message


def test_net3_public_subnet_with_assign_public_ip_unset() -> None:
    app = exec_app(subnet="public")
    del app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"]
    one(app.analyze(), "EcsExec-NET3", Severity.ERROR, "Service")


def test_net3_public_subnet_with_public_ip() -> None:
    clean(exec_app(subnet="public").analyze())


def test_net3_public_subnet_without_public_ip_but_with_endpoint() -> None:
    app = exec_app(subnet="public")
    use_subnets(app, "PublicSubnet", public_ip=False)
    app.endpoint()
    clean(app.analyze())


def test_net3_awsvpc_tasks_on_ec2_never_get_a_public_ip() -> None:
    app = ec2_app()
    use_subnets(app, "PublicSubnet")
    f = one(app.analyze(), "EcsExec-NET3", Severity.ERROR, "Service")
    assert "never get a public IP" in f.message


def test_net3_bridge_mode_hosts_in_a_public_subnet() -> None:
    app = ec2_app(network_mode="bridge")
    app.props("Asg")["VPCZoneIdentifier"] = [ref("PublicSubnet")]
    clean(app.analyze())  # MapPublicIpOnLaunch gives the hosts a public IP
    app.props("PublicSubnet")["MapPublicIpOnLaunch"] = False
    one(app.analyze(), "EcsExec-NET3", Severity.ERROR, "Service")


def test_net2_bridge_mode_hosts_in_an_isolated_subnet() -> None:
    app = ec2_app(network_mode="bridge")
    app.props("Asg")["VPCZoneIdentifier"] = [ref("IsolatedSubnet")]
    one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")
    app.endpoint()
    clean(app.analyze())


# -- NET4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "egress",
    [
        [{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}],
        [{"CidrIp": "0.0.0.0/0", "IpProtocol": "udp", "FromPort": 0, "ToPort": 65535}],
        [{"CidrIp": "10.0.0.0/8", "IpProtocol": "-1"}],
        CDK_NO_EGRESS,
    ],
    ids=["tcp 80", "udp", "only the VPC", "CDK disallow-all"],
)
def test_net4_egress_443_blocked(egress: list[dict[str, Any]]) -> None:
    app = exec_app()
    app.props("TaskSg")["SecurityGroupEgress"] = egress
    one(app.analyze(), "EcsExec-NET4", Severity.ERROR, "Service")


@pytest.mark.parametrize(
    "egress",
    [
        None,  # no egress rules in CloudFormation: allow all
        ALLOW_ALL_EGRESS,
        [{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}],
        [{"CidrIp": "0.0.0.0/0", "IpProtocol": "6", "FromPort": 0, "ToPort": 65535}],
    ],
    ids=["no rules", "all", "tcp 443", "protocol 6 all ports"],
)
def test_net4_egress_443_allowed(egress: list[dict[str, Any]] | None) -> None:
    app = exec_app()
    if egress is None:
        del app.props("TaskSg")["SecurityGroupEgress"]
    else:
        app.props("TaskSg")["SecurityGroupEgress"] = egress
    clean(app.analyze())


def test_net4_egress_in_a_separate_resource() -> None:
    app = exec_app()
    app.props("TaskSg")["SecurityGroupEgress"] = CDK_NO_EGRESS
    app.add("TaskSgEgress443", "AWS::EC2::SecurityGroupEgress", GroupId=att("TaskSg", "GroupId"),
            IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0")
    clean(app.analyze())


def test_net4_second_security_group_allows() -> None:
    app = exec_app()
    app.props("TaskSg")["SecurityGroupEgress"] = CDK_NO_EGRESS
    app.security_group("OpenSg", egress=ALLOW_ALL_EGRESS)
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"].append(
        att("OpenSg", "GroupId"))
    clean(app.analyze())


def test_net4_egress_only_to_the_endpoint_security_group() -> None:
    app = exec_app(subnet="isolated")
    app.props("TaskSg")["SecurityGroupEgress"] = [
        https_to_group(att("SsmMessagesEndpointSg", "GroupId"))]
    clean(app.analyze())


def test_net4_egress_only_to_the_vpc_cidr_with_an_endpoint() -> None:
    app = exec_app(subnet="isolated")
    app.props("TaskSg")["SecurityGroupEgress"] = [
        {"CidrIp": att("Vpc", "CidrBlock"), "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]
    clean(app.analyze())


def test_net4_egress_to_another_security_group_with_an_endpoint() -> None:
    app = exec_app(subnet="isolated")
    app.security_group("DatabaseSg")
    app.props("TaskSg")["SecurityGroupEgress"] = [https_to_group(att("DatabaseSg", "GroupId"))]
    f = one(app.analyze(), "EcsExec-NET4", Severity.ERROR, "Service")
    assert "SsmMessagesEndpoint" in f.message


def test_net4_egress_only_to_the_endpoint_group_when_tasks_use_nat() -> None:
    """With private DNS on, the endpoint is what the tasks reach even from a NAT subnet."""
    app = exec_app()
    app.endpoint()
    app.props("TaskSg")["SecurityGroupEgress"] = [
        https_to_group(att("SsmMessagesEndpointSg", "GroupId"))]
    clean(app.analyze())
    app.remove("SsmMessagesEndpoint")
    one(app.analyze(), "EcsExec-NET4", Severity.ERROR, "Service")


def test_net4_vpc_default_security_group() -> None:
    app = exec_app()
    del app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
    clean(app.analyze())  # the default group allows all egress


# -- NET5 ------------------------------------------------------------------------------------


def test_net5_endpoint_without_private_dns_in_an_isolated_subnet() -> None:
    app = exec_app(subnet="isolated")
    app.props("SsmMessagesEndpoint")["PrivateDnsEnabled"] = False
    report = app.analyze()
    f, net2 = exactly(report, ("EcsExec-NET5", Severity.ERROR, "SsmMessagesEndpoint"),
                      ("EcsExec-NET2", Severity.ERROR, "Service"))
    assert "PrivateDnsEnabled" in f.message
    assert "EcsExec-NET5" in net2.message


def test_net5_endpoint_without_private_dns_is_fine_when_not_needed() -> None:
    app = exec_app()
    app.endpoint(private_dns=False)
    clean(app.analyze())


def test_net5_gateway_endpoint_for_ssmmessages() -> None:
    app = exec_app()
    use_subnets(app, "IsolatedSubnet")
    app.endpoint(interface=False)
    exactly(app.analyze(), ("EcsExec-NET5", Severity.ERROR, "SsmMessagesEndpoint"),
            ("EcsExec-NET2", Severity.ERROR, "Service"))


@pytest.mark.parametrize("subnet", ["isolated", "private"])
def test_net5_endpoint_security_group_not_admitting_443(subnet: str) -> None:
    app = exec_app(subnet=subnet)
    if subnet == "private":
        app.endpoint()
    app.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [
        {"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}]
    # Without the endpoint, isolated tasks have no way out; private ones still have the NAT.
    net2 = [("EcsExec-NET2", Severity.ERROR, "Service")] if subnet == "isolated" else []
    f, *_ = exactly(app.analyze(), ("EcsExec-NET5", Severity.ERROR, "SsmMessagesEndpoint"), *net2)
    assert "443" in f.message


def test_net5_endpoint_security_group_admitting_another_cidr() -> None:
    app = exec_app(subnet="isolated")
    app.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [https_from_cidr("10.0.9.0/24")]
    exactly(app.analyze(), ("EcsExec-NET5", Severity.ERROR, "SsmMessagesEndpoint"),
            ("EcsExec-NET2", Severity.ERROR, "Service"))


def test_net5_endpoint_security_group_admitting_the_task_subnet() -> None:
    app = exec_app(subnet="isolated")
    app.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [
        https_from_cidr(att("IsolatedSubnet", "CidrBlock"))]
    clean(app.analyze())


def test_net5_endpoint_security_group_admitting_the_task_group() -> None:
    app = exec_app(subnet="isolated")
    app.props("SsmMessagesEndpointSg")["SecurityGroupIngress"] = [
        https_from_group(att("TaskSg", "GroupId"))]
    clean(app.analyze())


def test_net5_endpoint_ingress_in_a_separate_resource() -> None:
    app = exec_app(subnet="isolated")
    del app.props("SsmMessagesEndpointSg")["SecurityGroupIngress"]
    exactly(app.analyze(), ("EcsExec-NET5", Severity.ERROR, "SsmMessagesEndpoint"),
            ("EcsExec-NET2", Severity.ERROR, "Service"))
    app.add("EndpointFromTasks", "AWS::EC2::SecurityGroupIngress",
            GroupId=att("SsmMessagesEndpointSg", "GroupId"), IpProtocol="tcp", FromPort=443,
            ToPort=443, SourceSecurityGroupId=att("TaskSg", "GroupId"))
    clean(app.analyze())


def test_endpoint_for_another_service_does_not_count() -> None:
    app = exec_app()
    use_subnets(app, "IsolatedSubnet")
    app.endpoint("SsmEndpoint", "ssm")
    one(app.analyze(), "EcsExec-NET2", Severity.ERROR, "Service")


# -- NET6 ------------------------------------------------------------------------------------


def logging(app: Template, **log_configuration: Any) -> None:
    app.add("ExecLogs", "AWS::Logs::LogGroup")
    app.add("ExecBucket", "AWS::S3::Bucket")
    app.add("ExecKey", "AWS::KMS::Key", KeyPolicy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"}]})  # IAM policies may grant it (IAM3)
    cfg: dict[str, Any] = {"Logging": "OVERRIDE", "LogConfiguration": log_configuration}
    if log_configuration.pop("kms", False):
        cfg["KmsKeyId"] = att("ExecKey", "Arn")
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": cfg}
    app.task_policy()["Statement"].append(
        {"Effect": "Allow", "Action": ["logs:*", "s3:*", "kms:Decrypt"], "Resource": "*"})


@pytest.mark.parametrize(
    ("config", "endpoints"),
    [
        ({"CloudWatchLogGroupName": ref("ExecLogs")}, ["logs"]),
        ({"S3BucketName": ref("ExecBucket")}, ["s3"]),
        ({"CloudWatchLogGroupName": ref("ExecLogs"), "kms": True}, ["kms", "logs"]),
    ],
    ids=["cloudwatch", "s3", "cloudwatch+kms"],
)
def test_net6_isolated_tasks_with_exec_logging(
    config: dict[str, Any], endpoints: list[str]
) -> None:
    app = exec_app(subnet="isolated")
    logging(app, **config)
    f = one(app.analyze(), "EcsExec-NET6", Severity.WARNING, "Service")
    assert f"no {', '.join(endpoints)} endpoint" in f.message
    for service in endpoints:
        if service == "s3":
            app.endpoint("S3Endpoint", "s3", interface=False)
        else:
            app.endpoint(f"{service.title()}Endpoint", service)
    assert app.analyze().findings == []


def test_net6_not_reported_with_a_nat_route() -> None:
    app = exec_app()
    logging(app, CloudWatchLogGroupName=ref("ExecLogs"), kms=True)
    assert app.analyze().findings == []


def test_net6_logs_endpoint_without_private_dns_does_not_count() -> None:
    app = exec_app(subnet="isolated")
    logging(app, CloudWatchLogGroupName=ref("ExecLogs"))
    app.endpoint("LogsEndpoint", "logs", private_dns=False)
    one(app.analyze(), "EcsExec-NET6", Severity.WARNING, "Service")


# -- NET7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subnet",
    ["subnet-0123456789abcdef0", import_value("SharedVpc:PrivateSubnet1")],
    ids=["subnet id", "import of an export not in the input"],
)
def test_net7_imported_subnet(subnet: Any) -> None:
    app = exec_app()
    use_subnets(app, subnet)
    report = app.analyze()
    f = one(report, "EcsExec-NET7", Severity.WARNING, "Service")
    assert f.unverified


def test_subnet_behind_fn_if_is_checked_per_branch() -> None:
    app = exec_app()
    app.parameters["Env"] = {"Type": "String"}
    app.conditions["Public"] = {"Fn::Equals": [ref("Env"), "demo"]}
    use_subnets(app, fn_if("Public", ref("PublicSubnet"), ref("PrivateSubnet")))
    # Each subnet is checked: the public one lacks a public IP (NET3) when Public is true.
    report = app.analyze()
    f = one(report, "EcsExec-NET3", Severity.WARNING, "Service")
    assert f.message.startswith("Cannot verify: it depends on deploy-time condition Public: ")
    assert "when Public is false, it passes" in f.message


def test_net7_imported_security_group() -> None:
    app = exec_app()
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"] = [
        "sg-0123456789abcdef0"]
    f = one(app.analyze(), "EcsExec-NET7", Severity.WARNING, "Service")
    assert "egress" in f.message and "sg-0123456789abcdef0" in f.message


def test_net7_route_table_outside_the_input() -> None:
    app = exec_app()
    app.props("PrivateSubnetRouteTableAssociation")["RouteTableId"] = "rtb-0123456789abcdef0"
    one(app.analyze(), "EcsExec-NET7", Severity.WARNING, "Service")


def test_net7_no_network_configuration() -> None:
    app = exec_app()
    del app.props("Service")["NetworkConfiguration"]
    f = one(app.analyze(), "EcsExec-NET7", Severity.WARNING, "Service")
    assert "network configuration" in f.message


def test_net7_endpoint_security_group_outside_the_input() -> None:
    app = exec_app()
    use_subnets(app, "IsolatedSubnet")
    app.endpoint(security_groups=["sg-0123456789abcdef0"])
    report = app.analyze()
    one(report, "EcsExec-NET7", Severity.WARNING, "Service")


# -- cross-template network ------------------------------------------------------------------


def split_network(subnet: str) -> tuple[Template, Template]:
    """The VPC in a Network template exporting the subnet and the task SG; the app imports."""
    net = Template("Network")
    network(net)
    net.export("Network:Subnet", ref(subnet))
    net.export("Network:TaskSg", att("TaskSg", "GroupId"))
    app = exec_app()
    for lid in list(app.resources):
        if app.resources[lid]["Type"].startswith("AWS::EC2::"):
            app.remove(lid)
    cfg = app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    cfg["Subnets"] = [import_value("Network:Subnet")]
    cfg["SecurityGroups"] = [import_value("Network:TaskSg")]
    return net, app


def test_network_imported_from_another_template_of_the_input() -> None:
    net, app = split_network("PrivateSubnet")
    assert app.analyze(net).findings == []


def test_net2_on_a_subnet_imported_from_another_template() -> None:
    net, app = split_network("IsolatedSubnet")
    report = app.analyze(net)
    f = one(report, "EcsExec-NET2", Severity.ERROR, "Service")
    assert f.template == "App.template.json"
    assert rule_ids(report) == ["EcsExec-NET2"]


def test_net7_when_the_network_template_is_missing() -> None:
    _, app = split_network("PrivateSubnet")
    assert rule_ids(app.analyze()) == ["EcsExec-NET7"]
