"""VPC endpoints as the network index reads them (issue 15 item 1): each endpoint's VPC,
service, type, private DNS, groups and subnets; the endpoints whose VPC or service is unknown;
which logging services (logs, kms, s3) a VPC has a usable endpoint for; and whether an
endpoint's groups admit TCP 443 from the tasks. Shape: AWS::EC2::VPCEndpoint {VpcId, ServiceName,
VpcEndpointType (Gateway when absent), PrivateDnsEnabled, SecurityGroupIds, SubnetIds}
(cfn-lint schema).
"""

from __future__ import annotations

from cfn import Template, att, https_from_cidr, https_from_group, join, ref
from netindex import index_of, res

from ecs_exec_guard.analysis.intrinsics import Ref
from ecs_exec_guard.analysis.network import Endpoint, service_endpoints
from ecs_exec_guard.analysis.network.endpoints import endpoint_admits

T = "App.template.json"


def endpoints_app() -> Template:
    t = Template()
    t.vpc()
    t.vpc("OtherVpc", "10.1.0.0/16")
    t.vpc("ThirdVpc", "10.2.0.0/16")
    t.subnet("A", "10.0.1.0/24")
    t.parameters["Dns"] = {"Type": "String"}
    t.security_group("TaskSg")
    t.security_group("EpSg", ingress=[https_from_group(att("TaskSg", "GroupId"))])
    t.security_group("ClosedSg", ingress=[https_from_cidr("192.168.0.0/16")])
    t.security_group("UnknownSg", ingress=[https_from_cidr(ref("Dns"))])
    t.add("Ssm", "AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), VpcEndpointType="interface",
          ServiceName=join("", ["com.amazonaws.", ref("AWS::Region"), ".SSMMessages"]),
          PrivateDnsEnabled="true", SecurityGroupIds=[att("EpSg", "GroupId")],
          SubnetIds=[ref("A")])
    t.add("Logs", "AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.eu-west-1.logs", PrivateDnsEnabled=True,
          SecurityGroupIds=att("EpSg", "GroupId"), SubnetIds=ref("A"))
    t.add("KmsNoDns", "AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.eu-west-1.kms")
    t.add("S3", "AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"),
          ServiceName="com.amazonaws.eu-west-1.s3")
    t.add("KmsGateway", "AWS::EC2::VPCEndpoint", VpcId=ref("OtherVpc"),
          ServiceName="com.amazonaws.eu-west-1.kms", PrivateDnsEnabled=True)
    t.add("Kms", "AWS::EC2::VPCEndpoint", VpcId=ref("OtherVpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.eu-west-1.kms", PrivateDnsEnabled=ref("Dns"))
    t.add("LogsNoDns", "AWS::EC2::VPCEndpoint", VpcId=ref("ThirdVpc"),
          VpcEndpointType="Interface", ServiceName="com.amazonaws.eu-west-1.logs",
          PrivateDnsEnabled=False)
    t.add("KmsOk", "AWS::EC2::VPCEndpoint", VpcId=ref("ThirdVpc"),
          VpcEndpointType="Interface", ServiceName="com.amazonaws.eu-west-1.kms",
          PrivateDnsEnabled=True)
    t.add("Imported", "AWS::EC2::VPCEndpoint", VpcId="vpc-0123456789abcdef0",
          ServiceName="com.amazonaws.eu-west-1.ssmmessages")
    t.add("NotAVpc", "AWS::EC2::VPCEndpoint", VpcId=ref("A"),
          ServiceName="com.amazonaws.eu-west-1.ssmmessages")
    t.add("NoName", "AWS::EC2::VPCEndpoint", VpcId=ref("Vpc"), ServiceName=ref("Dns"))
    t.add("Bare", "AWS::EC2::VPCEndpoint", VpcId=ref("OtherVpc"), ServiceName="S3")
    t.add("TypeParam", "AWS::EC2::VPCEndpoint", VpcId=ref("ThirdVpc"),
          VpcEndpointType=ref("Dns"), ServiceName="com.amazonaws.eu-west-1.ssmmessages")
    return t


def test_the_endpoints_of_each_vpc() -> None:
    model, index = index_of(endpoints_app())
    ep = {lid: res(model, lid) for lid in ("Ssm", "Logs", "KmsNoDns", "S3", "KmsGateway",
                                           "Kms", "Bare", "LogsNoDns", "KmsOk", "TypeParam")}
    assert dict(index.endpoints) == {
        res(model, "Vpc"): [
            Endpoint(ep["Ssm"], "ssmmessages", True, True, [Ref(T, "EpSg")], [Ref(T, "A")]),
            Endpoint(ep["Logs"], "logs", True, True, [Ref(T, "EpSg")], [Ref(T, "A")]),
            Endpoint(ep["KmsNoDns"], "kms", True, False, [], []),
            Endpoint(ep["S3"], "s3", False, False, [], []),
        ],
        res(model, "OtherVpc"): [
            Endpoint(ep["KmsGateway"], "kms", False, True, [], []),
            Endpoint(ep["Kms"], "kms", True, None, [], []),
            Endpoint(ep["Bare"], "s3", False, False, [], []),  # a name without dots
        ],
        res(model, "ThirdVpc"): [
            Endpoint(ep["LogsNoDns"], "logs", True, False, [], []),
            Endpoint(ep["KmsOk"], "kms", True, True, [], []),
            Endpoint(ep["TypeParam"], "ssmmessages", False, False, [], []),
        ],
    }
    assert index.endpoints_unplaced == [res(model, "Imported"), res(model, "NotAVpc"),
                                        res(model, "NoName")]
    assert isinstance(index.endpoints[res(model, "Vpc")][0].security_groups[0], Ref)


def test_the_logging_services_a_vpc_has_usable_endpoints_for() -> None:
    model, index = index_of(endpoints_app())
    vpc, other, third = res(model, "Vpc"), res(model, "OtherVpc"), res(model, "ThirdVpc")
    assert service_endpoints(index, [vpc]) == {"logs", "s3"}
    assert service_endpoints(index, [other]) == {"s3"}
    assert service_endpoints(index, [third]) == {"kms"}
    assert service_endpoints(index, [vpc, third]) == {"logs", "s3", "kms"}
    assert service_endpoints(index, [third, other]) == {"kms", "s3"}  # remembered per VPC
    assert service_endpoints(index, []) == set()


def test_whether_an_endpoints_groups_admit_the_tasks() -> None:
    model, index = index_of(endpoints_app())
    ssm = index.endpoints[res(model, "Vpc")][0]

    def admits(*groups: object, peers: tuple[object, ...] = (Ref(T, "TaskSg"),),
               cidrs: tuple[object, ...] = ("10.0.1.0/24",)) -> tuple[bool | None, str]:
        ep = Endpoint(ssm.resource, "ssmmessages", True, True, list(groups), [])
        return endpoint_admits(model, index.groups, ep, list(peers), list(cidrs))

    unknown = (None, "a security group or rule cannot be resolved")
    assert admits(Ref(T, "EpSg")) == (True, "")
    assert admits(Ref(T, "ClosedSg")) == (False, "")
    assert admits(Ref(T, "ClosedSg"), Ref(T, "EpSg")) == (True, "")
    assert admits(Ref(T, "EpSg"), peers=()) == (False, "")
    assert admits(Ref(T, "UnknownSg")) == unknown
    assert admits("sg-0123456789abcdef0") == unknown
    assert admits(Ref(T, "A")) == unknown  # a subnet is no security group
    assert admits("sg-0123456789abcdef0", Ref(T, "EpSg")) == (True, "")
    assert admits(Ref(T, "UnknownSg"), Ref(T, "ClosedSg")) == unknown
    assert admits(Ref(T, "TaskSg")) == (False, "")  # no ingress rule at all
    assert admits() == (False, "")
