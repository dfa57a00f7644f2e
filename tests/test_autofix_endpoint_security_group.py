"""The endpoints EcsExecAutoFix creates admit the exec tasks by security group, not by VPC CIDR,
through one security group per VPC (issue 12, item 6).

On a VPC whose CIDR comes from IPAM the CIDR is a token that no check can resolve: a CIDR rule
made the pack warn NET7 about the fix's own endpoint, and ``strict=True`` failed after a fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from ecs_exec_guard.policies.autofix import EcsExecAutoFix
from ecs_exec_guard.policies.pack import EcsExecChecks

pytestmark = pytest.mark.slow

IMAGE = "public.ecr.aws/docker/library/nginx:stable"


def _ipam_app(outdir: Path, *, fix: bool) -> tuple[cdk.App, EcsExecChecks]:
    """Two exec services (one logging to CloudWatch with a KMS key on its cluster) in the
    isolated subnets of a VPC whose CIDR is allocated by IPAM."""
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:failSynthOnValidationErrors": False})
    pack = EcsExecChecks(app, strict=True)
    cdk.Validations.of(app).add_plugins(pack)
    stack = cdk.Stack(app, "Ipam")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.aws_ipam_allocation(
            ipv4_ipam_pool_id="ipam-pool-0123456789abcdef0",
            ipv4_netmask_length=20,
            default_subnet_ipv4_netmask_length=24,
        ),
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    group = logs.LogGroup(stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY)
    key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
    logged = ecs.Cluster(
        stack,
        "LoggedCluster",
        vpc=vpc,
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            kms_key=key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(cloud_watch_log_group=group),
        ),
    )
    plain = ecs.Cluster(stack, "PlainCluster", vpc=vpc)
    for name, cluster in (("Api", logged), ("Worker", plain)):
        td = ecs.FargateTaskDefinition(stack, f"{name}Task")
        td.add_container(
            "app",
            image=ecs.ContainerImage.from_registry(IMAGE),
            linux_parameters=ecs.LinuxParameters(stack, f"{name}Linux", init_process_enabled=True),
        )
        ecs.FargateService(
            stack,
            name,
            cluster=cluster,
            task_definition=td,
            enable_execute_command=True,
            min_healthy_percent=100,
        )
    if fix:
        cdk.Aspects.of(app).add(EcsExecAutoFix(), priority=cdk.AspectPriority.MUTATING)
    return app, pack


def _synth(tmp_path: Path, *, fix: bool) -> tuple[EcsExecChecks, dict[str, Any]]:
    app, pack = _ipam_app(tmp_path, fix=fix)
    app.synth()
    (body,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.template.json")]
    return pack, body


def _of_type(body: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {
        lid: res["Properties"] for lid, res in body["Resources"].items() if res["Type"] == rtype
    }


def test_after_the_fix_an_ipam_vpc_passes_strict_checks(tmp_path: Path) -> None:
    pack, _ = _synth(tmp_path, fix=True)
    assert pack.last_report is not None
    assert [(f.rule_id, f.message) for f in pack.last_report.findings] == []


def test_without_the_fix_the_ipam_vpc_fails(tmp_path: Path) -> None:
    """The twin: the same app unfixed has no path to ssmmessages (NET2) nor logs/kms (NET6)."""
    pack, _ = _synth(tmp_path, fix=False)
    assert pack.last_report is not None
    assert sorted((f.rule_id, f.construct_path) for f in pack.last_report.findings) == [
        ("EcsExec-NET2", "Ipam/Api/Service"),
        ("EcsExec-NET2", "Ipam/Worker/Service"),
        ("EcsExec-NET6", "Ipam/Api/Service"),
    ]


def test_one_endpoint_security_group_admits_every_exec_task_group(tmp_path: Path) -> None:
    _, body = _synth(tmp_path, fix=True)
    endpoints = _of_type(body, "AWS::EC2::VPCEndpoint")
    interface = {
        lid: p for lid, p in endpoints.items() if p.get("VpcEndpointType") != "Gateway"
    }
    assert len(interface) == 3  # ssmmessages, logs, kms
    groups = {json.dumps(p["SecurityGroupIds"], sort_keys=True) for p in interface.values()}
    assert len(groups) == 1, groups
    (endpoint_sg,) = json.loads(groups.pop())
    sg_id = endpoint_sg["Fn::GetAtt"][0]
    security_groups = _of_type(body, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in security_groups[sg_id]
    ingress = [
        p for p in _of_type(body, "AWS::EC2::SecurityGroupIngress").values()
        if p["GroupId"] == endpoint_sg
    ]
    task_groups = sorted(
        p["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"][0]["Fn::GetAtt"][0]
        for p in _of_type(body, "AWS::ECS::Service").values()
    )
    assert sorted(
        (r["SourceSecurityGroupId"]["Fn::GetAtt"][0], r["IpProtocol"], r["FromPort"], r["ToPort"])
        for r in ingress
    ) == [(g, "tcp", 443, 443) for g in task_groups]
    assert all("CidrIp" not in r for r in ingress)
