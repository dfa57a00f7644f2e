"""``Fn::GetAtt`` values the model knows from the template (``Model.attribute``): CIDR blocks,
IDs that are the resource's Ref, ARNs built from the Ref; every other attribute stays a GetAtt
(issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_exec_guard.analysis.intrinsics import GetAtt, Ref, Unknown
from ecs_exec_guard.analysis.model import Model

T = "App.template.json"
BODY = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
    "IpamVpc": {"Type": "AWS::EC2::VPC", "Properties": {"Ipv4IpamPoolId": "ipam-pool-1"}},
    "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
    "Subnet": {"Type": "AWS::EC2::Subnet",
               "Properties": {"CidrBlock": {"Fn::Select": [0, ["10.0.1.0/24"]]}}},
    "IpamSubnet": {"Type": "AWS::EC2::Subnet", "Properties": {}},
    "Logs": {"Type": "AWS::Logs::LogGroup"},
    "Key": {"Type": "AWS::KMS::Key"},
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Topic": {"Type": "AWS::SNS::Topic"},
    "Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x"}},
}}


def pseudo(service: str) -> str:
    return f"${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}"


def ref(logical_id: str) -> str:
    return f"{{{{ref|{T}|{logical_id}}}}}"


@pytest.mark.parametrize(
    ("logical_id", "attribute", "value"),
    [("Vpc", "CidrBlock", "10.0.0.0/16"),
     ("IpamVpc", "CidrBlock", Unknown("VPC CIDR from an IPAM pool")),
     ("Sg", "GroupId", Ref(T, "Sg")),
     ("Subnet", "SubnetId", Ref(T, "Subnet")),
     ("Subnet", "CidrBlock", "10.0.1.0/24"),
     ("IpamSubnet", "CidrBlock", Unknown("subnet CIDR")),
     ("Logs", "Arn", f"arn:{pseudo('logs')}:log-group:{ref('Logs')}:*"),
     ("Key", "Arn", f"arn:{pseudo('kms')}:key/{ref('Key')}"),
     ("Bucket", "Arn", f"arn:${{AWS::Partition}}:s3:::{ref('Bucket')}"),
     # not known from the template
     ("Sg", "VpcId", GetAtt(T, "Sg", "VpcId")),
     ("Vpc", "VpcId", GetAtt(T, "Vpc", "VpcId")),
     ("Key", "KeyId", GetAtt(T, "Key", "KeyId")),
     ("Bucket", "DomainName", GetAtt(T, "Bucket", "DomainName")),
     ("Logs", "LogGroupName", GetAtt(T, "Logs", "LogGroupName")),
     ("Topic", "TopicArn", GetAtt(T, "Topic", "TopicArn")),
     ("Nested", "Outputs.X", GetAtt(T, "Nested", "Outputs.X"))],
)
def test_attribute(logical_id: str, attribute: str, value: Any) -> None:
    resolver = Model([(T, BODY, None)]).templates[T].resolver
    assert resolver.resolve({"Fn::GetAtt": [logical_id, attribute]}) == value
