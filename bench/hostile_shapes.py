"""The hostile-input shapes of bench/hostile.py: each builds, under a directory, a template
(or a cloud assembly) crafted to make ``ecs-exec-guard check`` slow or hungry, sized up to the
default input limits, and returns the paths to check. tests/test_hostile.py builds them too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
DEFAULT_MAX_TEMPLATE_BYTES = 2 * MIB  # ecs_exec_guard.analysis.limits (no import: bench alone)
DEFAULT_MAX_TEMPLATES = 500
DEFAULT_MAX_TOTAL_BYTES = 32 * MIB

JSON = dict[str, Any]


def ref(name: str) -> JSON:
    return {"Ref": name}


def att(logical_id: str, attribute: str) -> JSON:
    return {"Fn::GetAtt": [logical_id, attribute]}


EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def base() -> JSON:
    """A small app that passes every rule: exec on a Fargate service in a NAT subnet (the NAT
    gateway in a public subnet routed to an attached internet gateway: NET2 follows it)."""
    res: JSON = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "IgwAtt": {"Type": "AWS::EC2::VPCGatewayAttachment",
                   "Properties": {"VpcId": ref("Vpc"), "InternetGatewayId": ref("Igw")}},
        "PublicSubnet": {"Type": "AWS::EC2::Subnet",
                         "Properties": {"VpcId": ref("Vpc"), "CidrBlock": "10.0.0.0/24"}},
        "PublicRt": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": ref("Vpc")}},
        "PublicAssoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
            "SubnetId": ref("PublicSubnet"), "RouteTableId": ref("PublicRt")}},
        "PublicRoute": {"Type": "AWS::EC2::Route", "Properties": {
            "RouteTableId": ref("PublicRt"), "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": ref("Igw")}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
            "SubnetId": ref("PublicSubnet"), "AllocationId": "eipalloc-1"}},
        "Subnet": {"Type": "AWS::EC2::Subnet",
                   "Properties": {"VpcId": ref("Vpc"), "CidrBlock": "10.0.1.0/24"}},
        "RouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": ref("Vpc")}},
        "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation",
                  "Properties": {"SubnetId": ref("Subnet"), "RouteTableId": ref("RouteTable")}},
        "Route": {"Type": "AWS::EC2::Route",
                  "Properties": {"RouteTableId": ref("RouteTable"),
                                 "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": ref("Nat")}},
        "TaskSg": {"Type": "AWS::EC2::SecurityGroup",
                   "Properties": {"GroupDescription": "tasks", "VpcId": ref("Vpc")}},
        "Cluster": {"Type": "AWS::ECS::Cluster"},
        "TaskRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}}},
        "TaskPolicy": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "exec", "Roles": [ref("TaskRole")],
            "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"}]}}},
        "TaskDef": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc",
            "Cpu": "256", "Memory": "512", "TaskRoleArn": att("TaskRole", "Arn"),
            "ContainerDefinitions": [{"Name": "app", "Image": "nginx",
                                      "LinuxParameters": {"InitProcessEnabled": True}}]}},
    }
    return {"Resources": res}


def service(subnets: Any, groups: Any = None) -> JSON:
    return {"Type": "AWS::ECS::Service", "Properties": {
        "Cluster": ref("Cluster"), "TaskDefinition": ref("TaskDef"), "LaunchType": "FARGATE",
        "EnableExecuteCommand": True,
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "Subnets": subnets,
            "SecurityGroups": groups if groups is not None else [att("TaskSg", "GroupId")],
            "AssignPublicIp": "DISABLED"}}}}


def with_service(body: JSON, subnets: Any = None) -> JSON:
    body["Resources"]["Service"] = service(subnets if subnets is not None else [ref("Subnet")])
    return body


def fill(make: Callable[[int], JSON], limit: int = DEFAULT_MAX_TEMPLATE_BYTES) -> JSON:
    """The largest ``make(n)`` whose JSON stays under ``limit`` bytes (n doubled, then halved)."""
    n = 1
    while len(json.dumps(make(n * 2))) < limit:
        n *= 2
    low, high = n, n * 2
    while high - low > max(1, low // 64):
        mid = (low + high) // 2
        if len(json.dumps(make(mid))) < limit:
            low = mid
        else:
            high = mid
    return make(low)


# -- the shapes -------------------------------------------------------------------------------


def yaml_alias_bomb(d: Path) -> list[str]:
    """The issue's file: eight levels of ten aliases (10^8 leaves) in a resource property."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Metadata:",
             "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 8):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    lines += ["Resources:", "  Cluster:", "    Type: AWS::ECS::Cluster", "    Properties:",
              "      Tags: *l7", ""]
    path = d / "bomb.yaml"
    path.write_text("\n".join(lines), "utf-8")
    return [str(path)]


def template_over_limit(d: Path) -> list[str]:
    """One byte over the per-template limit (refused before it is parsed)."""
    body = with_service(base())
    text = json.dumps(body)
    pad = DEFAULT_MAX_TEMPLATE_BYTES + 1 - len(text) - len(', "Description": ""')
    body["Description"] = "x" * pad
    path = d / "big.template.json"
    path.write_text(json.dumps(body), "utf-8")
    assert path.stat().st_size == DEFAULT_MAX_TEMPLATE_BYTES + 1
    return [str(path)]


def assembly(d: Path, stacks: int, extra: JSON | None = None) -> Path:
    out = d / "cdk.out"
    out.mkdir()
    artifacts: JSON = dict(extra or {})
    small = json.dumps(with_service(base()))
    for i in range(stacks):
        (out / f"S{i}.template.json").write_text(small, "utf-8")
        artifacts[f"S{i}"] = {"type": "aws:cloudformation:stack",
                              "properties": {"templateFile": f"S{i}.template.json"}}
    (out / "manifest.json").write_text(
        json.dumps({"version": "48.0.0", "artifacts": artifacts}), "utf-8")
    return out


def too_many_templates(d: Path) -> list[str]:
    """A cloud assembly with one stack more than the default template limit."""
    return [str(assembly(d, DEFAULT_MAX_TEMPLATES + 1))]


def assembly_cycle(d: Path) -> list[str]:
    """A manifest whose ten nested assemblies are the directory itself: each is read once
    (it was a usage error, "nested assemblies are too deep", after 17 levels)."""
    loops = {f"Loop{i}": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}
             for i in range(10)}
    return [str(assembly(d, 1, loops))]


def nested_metadata(d: Path) -> list[str]:
    """A cloud assembly: a stack with 200 nested stacks and 200,000 construct-path entries in
    its metadata (entries x nested templates x templates, 8e9 steps, for the old lookup)."""
    out = d / "cdk.out"
    out.mkdir()
    nested, per_nested = 200, 1000
    small = json.dumps(with_service(base()))
    top = with_service(base())
    metadata: JSON = {}
    for i in range(nested):
        name = f"N{i:03d}"
        file = f"Stack{name}.nested.template.json"
        (out / file).write_text(small, "utf-8")
        top["Resources"][name] = {"Type": "AWS::CloudFormation::Stack",
                                  "Properties": {"TemplateURL": f"https://x/{file}"},
                                  "Metadata": {"aws:asset:path": file}}
        metadata[f"/Stack/{name}.NestedStack/{name}.NestedStackResource"] = [
            {"type": "aws:cdk:logicalId", "data": name}]
        metadata[f"/Stack/{name}/Service"] = [{"type": "aws:cdk:logicalId", "data": "Service"}]
        for j in range(per_nested):
            metadata[f"/Stack/{name}/Res{j}"] = [{"type": "aws:cdk:logicalId", "data": f"R{j}"}]
    (out / "Stack.template.json").write_text(json.dumps(top), "utf-8")
    (out / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": {
        "Stack": {"type": "aws:cloudformation:stack", "metadata": metadata,
                  "properties": {"templateFile": "Stack.template.json"}}}}), "utf-8")
    return [str(out)]


def deep_construct_paths(d: Path) -> list[str]:
    """A cloud assembly with a CDK acknowledgment and failing services whose construct paths
    have 5,000 segments (the nearest-ancestor lookup walked every segment of every path)."""
    out = d / "cdk.out"
    out.mkdir()

    def make(n: int) -> JSON:
        body = base()
        del body["Resources"]["Route"]  # an isolated subnet: every service is a NET2 error
        for i in range(n):
            svc = service([ref("Subnet")])
            svc["Metadata"] = {"aws:cdk:path": "Stack/" + "a/" * 5000 + f"Svc{i}/Resource"}
            body["Resources"][f"Svc{i}"] = svc
        return body
    (out / "Stack.template.json").write_text(json.dumps(fill(make)), "utf-8")
    ack = [{"type": "aws:cdk:acknowledged-rules", "data": {"EcsExec::EcsExec-CTR4": "ok"}}]
    (out / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": {
        "Stack": {"type": "aws:cloudformation:stack", "metadata": {"/Stack/Other": ack},
                  "properties": {"templateFile": "Stack.template.json"}}}}), "utf-8")
    return [str(out)]


def json_deep(d: Path) -> list[str]:
    """JSON nested 100,000 levels deep (the parser's recursion limit)."""
    path = d / "deep.json"
    path.write_text('{"Resources": {"A": {"Type": "x", "Properties": {"P": '
                    + "[" * 100_000 + "]" * 100_000 + "}}}}", "utf-8")
    return [str(path)]


def json_deep_valid(d: Path) -> list[str]:
    """JSON nested 900 levels deep (under the parser's limit) in every service property."""
    body = with_service(base())
    deep: Any = "x"
    for _ in range(900):
        deep = [deep]
    body["Resources"]["Service"]["Properties"]["Tags"] = deep
    body["Resources"]["Service"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"][
        "Subnets"] = [deep, ref("Subnet")]
    return _write(d, body)


def _write(d: Path, body: JSON, name: str = "App.template.json") -> list[str]:
    path = d / name
    path.write_text(json.dumps(body), "utf-8")
    return [str(path)]


def export_chain_strings(d: Path) -> list[str]:
    """Exports that join ten imports of the previous export, eight levels deep: the last
    one is a string of 10^8 pieces built from a few kilobytes."""
    body = with_service(base())
    outputs: JSON = {"E0": {"Value": "a" * 64, "Export": {"Name": "e0"}}}
    for i in range(1, 9):
        outputs[f"E{i}"] = {"Value": {"Fn::Join": ["", [{"Fn::ImportValue": f"e{i - 1}"}] * 10]},
                            "Export": {"Name": f"e{i}"}}
    body["Outputs"] = outputs
    body["Resources"]["Service"]["Properties"]["PlatformVersion"] = {"Fn::ImportValue": "e8"}
    return _write(d, body)


def export_chain_lists(d: Path) -> list[str]:
    """The same with lists: the service's Subnets import a list of 10^8 subnet references."""
    body = base()
    outputs: JSON = {"E0": {"Value": [ref("Subnet")] * 10, "Export": {"Name": "e0"}}}
    for i in range(1, 9):
        outputs[f"E{i}"] = {"Value": [{"Fn::ImportValue": f"e{i - 1}"}] * 10,
                            "Export": {"Name": f"e{i}"}}
    body["Outputs"] = outputs
    return _write(d, with_service(body, {"Fn::ImportValue": "e8"}))


def shared_subnet_list(d: Path) -> list[str]:
    """Launches x subnets: thousands of services importing one list of thousands of subnets."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        for i in range(n):
            res[f"Sn{i}"] = {"Type": "AWS::EC2::Subnet",
                             "Properties": {"VpcId": ref("Vpc"), "CidrBlock": "10.0.1.0/24"}}
        body["Outputs"] = {"All": {"Value": [ref(f"Sn{i}") for i in range(n)],
                                   "Export": {"Name": "all-subnets"}}}
        for i in range(n):
            res[f"Svc{i}"] = service({"Fn::ImportValue": "all-subnets"})
        return body
    return _write(d, fill(make))


def wide_honest(d: Path) -> list[str]:
    """The issue's honest wide input: 300 services, each over ten of 3,000 subnets."""
    body = base()
    res = body["Resources"]
    for i in range(3000):
        res[f"Sn{i}"] = {"Type": "AWS::EC2::Subnet",
                         "Properties": {"VpcId": ref("Vpc"), "CidrBlock": "10.0.1.0/24"}}
        res[f"Sn{i}Assoc"] = {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
            "SubnetId": ref(f"Sn{i}"), "RouteTableId": ref("RouteTable")}}
    for i in range(300):
        res[f"Svc{i}"] = service([ref(f"Sn{(i * 10 + k) % 3000}") for k in range(10)])
    return _write(d, body)


def sub_amplified(d: Path) -> list[str]:
    """Fn::Sub repeating a 64 KB variable hundreds of thousands of times (GBs of text) as the
    service's platform version."""
    def make(n: int) -> JSON:
        body = with_service(base())
        text = "${V}" * n
        body["Resources"]["Service"]["Properties"]["PlatformVersion"] = {
            "Fn::Sub": [text, {"V": "v" * 65536}]}
        return body
    return _write(d, fill(make))


def split_shared(d: Path) -> list[str]:
    """Fn::Split of one exported 1 MB string in thousands of places (Fn::Select of each)."""
    def make(n: int) -> JSON:
        body = with_service(base())
        body["Outputs"] = {"S": {"Value": ",a" * (DEFAULT_MAX_TEMPLATE_BYTES // 4),
                                 "Export": {"Name": "csv"}}}
        env = [{"Name": f"V{i}", "Value": {"Fn::Select": [
            "7", {"Fn::Split": [",", {"Fn::ImportValue": "csv"}]}]}} for i in range(n)]
        body["Resources"]["TaskDef"]["Properties"]["ContainerDefinitions"][0]["Environment"] = env
        return body
    return _write(d, fill(make))


def find_in_map_shared(d: Path) -> list[str]:
    """Fn::FindInMap of one large mapping value in thousands of places."""
    return _write(d, fill(_find_in_map_app))


def _find_in_map_app(n: int) -> JSON:
    body = with_service(base())
    body["Mappings"] = {"M": {"K": {"V": [f"item{i}" for i in range(20_000)]}}}
    env = [{"Name": f"V{i}", "Value": {"Fn::FindInMap": ["M", "K", "V"]}} for i in range(n)]
    body["Resources"]["TaskDef"]["Properties"]["ContainerDefinitions"][0]["Environment"] = env
    return body


def if_branches(d: Path) -> list[str]:
    """The shape above under three deploy-time conditions whose Fn::If branches differ in
    checked properties: the analysis runs once per branch (nine times)."""
    def make(n: int) -> JSON:
        body = _find_in_map_app(n)
        body["Parameters"] = {f"P{i}": {"Type": "String"} for i in range(3)}
        body["Conditions"] = {f"C{i}": {"Fn::Equals": [ref(f"P{i}"), "x"]} for i in range(3)}
        svc = body["Resources"]["Service"]["Properties"]
        svc["PlatformVersion"] = {"Fn::If": ["C0", "1.4.0", "1.3.0"]}
        svc["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = {
            "Fn::If": ["C1", "ENABLED", "DISABLED"]}
        container = body["Resources"]["TaskDef"]["Properties"]["ContainerDefinitions"][0]
        container["ReadonlyRootFilesystem"] = {"Fn::If": ["C2", True, False]}
        return body
    return _write(d, fill(make))


def token_regex(d: Path) -> list[str]:
    """Strings made of unterminated ``{{ref|`` tokens (quadratic for a naive token regex)."""
    def make(n: int) -> JSON:
        body = with_service(base())
        text = "{{ref|a|" * n
        body["Resources"]["Cluster"]["Properties"] = {
            "ClusterName": {"Fn::Join": ["", [text, ref("TaskRole")]]}}
        body["Resources"]["TaskPolicy"]["Properties"]["PolicyDocument"]["Statement"].append(
            {"Effect": "Allow", "Action": "ssm:StartSession",
             "Resource": {"Fn::Join": ["", [text, ref("Cluster")]]}})
        return body
    return _write(d, fill(make))


def iam_shared_policy(d: Path) -> list[str]:
    """Statements x principals: one policy of thousands of statements on thousands of roles."""
    def make(n: int) -> JSON:
        body = with_service(base())
        res = body["Resources"]
        trust = res["TaskRole"]["Properties"]
        for i in range(n):
            res[f"R{i}"] = {"Type": "AWS::IAM::Role", "Properties": trust}
        res["Shared"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "shared", "Roles": [ref(f"R{i}") for i in range(n)],
            "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": f"s3:Get{i}*", "Resource": f"arn:aws:s3:::b{i}/*"}
                for i in range(n)]}}}
        return body
    return _write(d, fill(make))


def iam_wildcards(d: Path) -> list[str]:
    """Action and resource patterns of thousands of ``*`` (backtracking glob matching)."""
    def make(n: int) -> JSON:
        body = with_service(base())
        stars = "*a" * n + "b"
        body["Resources"]["TaskPolicy"]["Properties"]["PolicyDocument"]["Statement"] += [
            {"Effect": "Allow", "Action": ["ssmmessages:" + stars, "ssm:" + stars],
             "Resource": "arn:aws:ecs:" + stars},
            {"Effect": "Deny", "Action": "ssmmessages:" + stars, "Resource": stars}]
        return body
    return _write(d, fill(make))


def endpoints_by_launches(d: Path) -> list[str]:
    """Launches x endpoints x rules: services in an isolated subnet of a VPC with many
    ssmmessages endpoints whose security group has many ingress rules."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        del res["Route"]
        res["EpSg"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "ep", "VpcId": ref("Vpc"),
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                      "CidrIp": f"192.168.{i % 256}.0/24"} for i in range(n)]}}
        for i in range(n // 4):
            res[f"Ep{i}"] = {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
                "VpcId": ref("Vpc"), "ServiceName": "com.amazonaws.eu-west-1.ssmmessages",
                "VpcEndpointType": "Interface", "PrivateDnsEnabled": True,
                "SecurityGroupIds": [att("EpSg", "GroupId")], "SubnetIds": [ref("Subnet")]}}
            res[f"Svc{i}"] = service([ref("Subnet")])
        return body
    return _write(d, fill(make))


def nat_gateway_chain(d: Path) -> list[str]:
    """A chain of NAT gateways (each subnet routed to one in the next subnet, the last to an
    internet gateway) with a service in every subnet: each launch follows the rest of it."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        for name in ("Subnet", "RouteTable", "Assoc", "Route"):
            del res[name]
        for i in range(n):
            res[f"Sn{i}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
                "VpcId": ref("Vpc"), "CidrBlock": f"10.{i // 256}.{i % 256}.0/24"}}
            res[f"Rt{i}"] = {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": ref("Vpc")}}
            res[f"As{i}"] = {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
                "SubnetId": ref(f"Sn{i}"), "RouteTableId": ref(f"Rt{i}")}}
            last = i == n - 1
            target = {"GatewayId": ref("Igw")} if last else {"NatGatewayId": ref(f"Nat{i + 1}")}
            res[f"R{i}"] = {"Type": "AWS::EC2::Route", "Properties": {
                "RouteTableId": ref(f"Rt{i}"), "DestinationCidrBlock": "0.0.0.0/0", **target}}
            res[f"Nat{i}"] = {"Type": "AWS::EC2::NatGateway", "Properties": {
                "SubnetId": ref(f"Sn{i}"), "AllocationId": "eipalloc-1"}}
            res[f"Svc{i}"] = service([ref(f"Sn{i}")])
        return body
    return _write(d, fill(make))


def acl_entries_by_subnets(d: Path) -> list[str]:
    """ACL entries x subnets x launches: one ACL of thousands of entries on thousands of subnets,
    services in 16 each, an ssmmessages endpoint in all (every pair decided by the entries)."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        del res["Route"]
        res["Acl"] = {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": ref("Vpc")}}
        for i in range(n):
            res[f"E{i}"] = {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
                "NetworkAclId": ref("Acl"), "RuleNumber": i + 1, "Protocol": 6,
                "RuleAction": "deny", "Egress": i % 2 == 0, "PortRange": {"From": 443, "To": 443},
                "CidrBlock": f"192.168.{i % 256}.{i // 256}/32"}}
            res[f"Sn{i}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
                "VpcId": ref("Vpc"), "CidrBlock": f"10.{i // 256}.{i % 256}.0/24"}}
            res[f"Na{i}"] = {"Type": "AWS::EC2::SubnetNetworkAclAssociation",
                             "Properties": {"SubnetId": ref(f"Sn{i}"), "NetworkAclId": ref("Acl")}}
        for j in range(n // 16):
            res[f"Svc{j}"] = service([ref(f"Sn{j * 16 + k}") for k in range(16)])
        res["Ep"] = {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcId": ref("Vpc"), "ServiceName": "com.amazonaws.eu-west-1.ssmmessages",
            "VpcEndpointType": "Interface", "PrivateDnsEnabled": True,
            "SubnetIds": [ref(f"Sn{i}") for i in range(n)]}}
        return body
    return _write(d, fill(make))


def clusters_by_instances(d: Path) -> list[str]:
    """Clusters x instances: thousands of EC2 clusters (a bridge-mode service each) and as many
    Auto Scaling groups joining them through their user data."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        td = res["TaskDef"]["Properties"]
        td["NetworkMode"] = "bridge"
        del td["RequiresCompatibilities"]
        for i in range(n):
            res[f"C{i}"] = {"Type": "AWS::ECS::Cluster"}
            res[f"S{i}"] = {"Type": "AWS::ECS::Service", "Properties": {
                "Cluster": ref(f"C{i}"), "TaskDefinition": ref("TaskDef"), "LaunchType": "EC2",
                "EnableExecuteCommand": True}}
            res[f"Lt{i}"] = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
                "LaunchTemplateData": {"ImageId": "ami-1", "UserData": {"Fn::Base64": {
                    "Fn::Sub": f"#!/bin/bash\necho ECS_CLUSTER=${{C{i}}} >> /etc/ecs/ecs.config"
                }}}}}
            res[f"Asg{i}"] = {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
                "MinSize": "1", "MaxSize": "1", "VPCZoneIdentifier": [ref("Subnet")],
                "LaunchTemplate": {"LaunchTemplateId": ref(f"Lt{i}"), "Version": "1"}}}
        return body
    return _write(d, fill(make))


def many_findings_sarif(d: Path) -> list[str]:
    """Findings x lines for SARIF regions: thousands of failing services in a long file."""
    def make(n: int) -> JSON:
        body = base()
        res = body["Resources"]
        del res["Route"]  # an isolated subnet: every service is an EcsExec-NET2 error
        for i in range(n):
            res[f"Svc{i}"] = service([ref("Subnet")])
        return body
    body = fill(lambda n: make(n), DEFAULT_MAX_TEMPLATE_BYTES // 2)  # indent=1 doubles it
    path = d / "App.template.json"
    path.write_text(json.dumps(body, indent=1), "utf-8")
    return [str(path)]


def honest_services(d: Path) -> list[str]:
    """Honest and large: as many exec services (own task definition, role and policy each) as
    fit in one template at the size limit."""
    return _write(d, fill(_honest_app))


def _honest_app(n: int) -> JSON:
    body = base()
    res = body["Resources"]
    for i in range(n):
        res[f"Role{i}"] = dict(res["TaskRole"])
        policy = json.loads(json.dumps(res["TaskPolicy"]))
        policy["Properties"]["Roles"] = [ref(f"Role{i}")]
        res[f"Policy{i}"] = policy
        td = json.loads(json.dumps(res["TaskDef"]))
        td["Properties"]["TaskRoleArn"] = att(f"Role{i}", "Arn")
        res[f"TaskDef{i}"] = td
        svc = service([ref("Subnet")])
        svc["Properties"]["TaskDefinition"] = ref(f"TaskDef{i}")
        res[f"Svc{i}"] = svc
    return body


def honest_branches(d: Path) -> list[str]:
    """Honest and large, with three deploy-time conditions whose Fn::If branches differ in
    checked properties: nine analyses of the template at the size limit."""
    def make(n: int) -> JSON:
        body = _honest_app(n)
        body["Parameters"] = {f"P{i}": {"Type": "String"} for i in range(3)}
        body["Conditions"] = {f"C{i}": {"Fn::Equals": [ref(f"P{i}"), "x"]} for i in range(3)}
        svc = body["Resources"]["Svc0"]["Properties"]
        svc["PlatformVersion"] = {"Fn::If": ["C0", "1.4.0", "LATEST"]}
        svc["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = {
            "Fn::If": ["C1", "ENABLED", "DISABLED"]}
        container = body["Resources"]["TaskDef0"]["Properties"]["ContainerDefinitions"][0]
        container["ReadonlyRootFilesystem"] = {"Fn::If": ["C2", False, False]}
        svc["EnableExecuteCommand"] = {"Fn::If": ["C2", True, False]}
        return body
    return _write(d, fill(make))


def honest_total(d: Path) -> list[str]:
    """Honest and large: templates like the one above up to the default total-bytes limit."""
    text = json.dumps(fill(_honest_app))
    count = DEFAULT_MAX_TOTAL_BYTES // len(text)
    paths = []
    for i in range(count):
        path = d / f"S{i}.template.json"
        path.write_text(text, "utf-8")
        paths.append(str(path))
    return paths


@dataclass(frozen=True)
class Shape:
    name: str
    build: Callable[[Path], list[str]]
    args: tuple[str, ...] = ()
    expect: tuple[int, ...] = (0, 1)


def shapes() -> list[Shape]:
    return [
        Shape("yaml-alias-bomb", yaml_alias_bomb, expect=(2,)),
        Shape("template-over-size-limit", template_over_limit, expect=(2,)),
        Shape("assembly-over-template-limit", too_many_templates, expect=(2,)),
        Shape("assembly-cycle", assembly_cycle),
        Shape("assembly-nested-metadata", nested_metadata),
        Shape("deep-construct-paths-acknowledged", deep_construct_paths),
        Shape("json-nested-100k-deep", json_deep, expect=(2,)),
        Shape("json-nested-900-deep", json_deep_valid),
        Shape("export-chain-strings", export_chain_strings),
        Shape("export-chain-lists", export_chain_lists),
        Shape("shared-subnet-list", shared_subnet_list),
        Shape("wide-honest-300x3000", wide_honest),
        Shape("honest-services-at-size-limit", honest_services),
        Shape("honest-branches-at-size-limit", honest_branches),
        Shape("honest-assembly-at-total-limit", honest_total),
        Shape("fn-sub-amplified", sub_amplified),
        Shape("fn-split-shared", split_shared),
        Shape("find-in-map-shared", find_in_map_shared),
        Shape("fn-if-branches-x-find-in-map", if_branches),
        Shape("token-regex", token_regex),
        Shape("iam-shared-policy", iam_shared_policy),
        Shape("iam-wildcards", iam_wildcards),
        Shape("endpoints-x-launches", endpoints_by_launches),
        Shape("ec2-clusters-x-instances", clusters_by_instances),
        Shape("nat-gateway-chain", nat_gateway_chain),
        Shape("acl-entries-x-subnets", acl_entries_by_subnets),
        Shape("sarif-many-findings", many_findings_sarif, args=("--format", "sarif")),
    ]
