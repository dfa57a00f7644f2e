"""Network: what EcsExec-NET2, NET4, NET5 and NET6 report (rules in ``analysis/rules/network.py``).

Interface endpoints (ssmmessages, and logs / kms when the cluster logs or encrypts exec
sessions) and an s3 gateway endpoint in a VPC whose exec tasks have no route out, one per VPC
and service; DNS on that VPC; TCP 443 into an existing ssmmessages endpoint; egress TCP 443
from the tasks' security group. Nothing is created in a VPC or security group outside the app.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from ...analysis.launches import Launch
from ...analysis.model import Resource, get_ci, truthy
from ...analysis.network import egress_allows, service_endpoints
from ...analysis.rules.iam import exec_log_requirements
from .batch import Batch
from .common import WARNING_CANNOT_FIX, owns, unique_id
from .snapshot import Element

EGRESS_ID = "EcsExecHttpsEgress"
INGRESS_ID = "EcsExecHttpsIngress"
ENDPOINT_SG_ID = "EcsExecEndpointSecurityGroup"

#: Interface endpoint services, by the analyzer's short name.
_ServiceFactory = Callable[[], ec2.InterfaceVpcEndpointAwsService]
_INTERFACE_SERVICES: dict[str, tuple[str, _ServiceFactory]] = {
    "ssmmessages": ("SsmMessages", lambda: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES),
    "logs": ("Logs", lambda: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
    "kms": ("Kms", lambda: ec2.InterfaceVpcEndpointAwsService.KMS),
}


def fix_network(batch: Batch, launch: Launch) -> None:
    a = batch.ctx.network(launch)
    svc = batch.snap.element(launch.resource)
    if a is None or svc is None:
        return
    if a.unknown and (a.needs_endpoint or not a.vpcs or a.egress is None):
        batch.warn(
            svc.construct,
            WARNING_CANNOT_FIX,
            f"the network path of {svc.logical_id} to ssmmessages cannot be verified ("
            + "; ".join(dict.fromkeys(a.unknown))
            + "). EcsExecAutoFix creates no endpoint in a VPC outside the app (imported "
            "with Vpc.from_lookup / from_vpc_attributes): make sure the tasks reach "
            "ssmmessages (NAT, or an ssmmessages interface endpoint with private DNS).",
        )
    new_ssm_endpoint = False
    if a.needs_endpoint and batch.o.endpoints:
        cluster = batch.ctx.facts(launch).cluster
        wanted: set[str] = set()
        if a.ssm_endpoint is None and not a.endpoint_problems:
            wanted.add("ssmmessages")
        if cluster is not None:
            needs, _ = exec_log_requirements(batch.ctx, cluster)
            wanted |= {action.split(":", 1)[0] for action, _ in needs}
        for vpc in a.vpcs:
            existing = service_endpoints(batch.ctx.net, [vpc])
            if _ssm_endpoints(batch, vpc):
                existing.add("ssmmessages")
            subnets = [s for s in a.subnets if batch.ctx.net.vpc_of(s) == vpc]
            for service in sorted(wanted - existing):
                _ensure_endpoint(batch, vpc, service, subnets)
            vpc_el = batch.snap.element(vpc)
            if vpc_el is not None and (
                vpc_el.template, vpc_el.logical_id, "ssmmessages"
            ) in batch.plan.endpoints:
                new_ssm_endpoint = True
        _repair_ssm_endpoints(batch, a, svc)
    if not batch.o.egress:
        return
    if new_ssm_endpoint:
        _fix_egress(batch, launch, a.vpcs, True, svc)
    elif a.egress is False and not (a.needs_endpoint and a.ssm_endpoint is None):
        _fix_egress(batch, launch, a.vpcs, a.private_dns_endpoint is not None, svc)


def _ssm_endpoints(batch: Batch, vpc: Resource) -> list[Any]:
    return [ep for ep in batch.ctx.net.endpoints.get(vpc, ()) if ep.service == "ssmmessages"]


def _repair_ssm_endpoints(batch: Batch, a: Any, svc: Element) -> None:
    """Make an existing ssmmessages endpoint admit the tasks (or say why it cannot)."""
    for ep, problem in a.endpoint_problems:
        ep_el = batch.snap.element(ep.resource)
        if ep_el is None:
            continue
        sg = batch.ctx.model.deref(
            ep.security_groups[0] if ep.security_groups else None, "AWS::EC2::SecurityGroup"
        )
        sg_el = batch.snap.element(sg)
        vpc = batch.ctx.model.deref(ep.resource.props.get("VpcId"), "AWS::EC2::VPC")
        vpc_el = batch.snap.element(vpc)
        if "do not admit" in problem and sg_el is not None and vpc_el is not None:
            if not _https_rule(
                batch,
                "ingress",
                sg_el,
                _vpc_cidr(vpc_el),
                "HTTPS from the VPC to the ssmmessages endpoint (ECS Exec)",
            ):
                continue
            batch.info(
                sg_el.construct,
                f"allowed TCP 443 from the VPC CIDR into {sg_el.logical_id}, the security "
                f"group of ssmmessages endpoint {ep_el.logical_id}.",
            )
        else:
            batch.warn(
                ep_el.construct,
                WARNING_CANNOT_FIX,
                f"ssmmessages endpoint {ep_el.logical_id} is not usable by "
                f"{svc.logical_id}: {problem}; EcsExecAutoFix does not change it and does "
                "not create a second one.",
            )


def _ensure_endpoint(
    batch: Batch, vpc: Resource, service: str, subnets: list[Resource]
) -> None:
    vpc_el = batch.snap.element(vpc)
    if vpc_el is None:
        return
    key = (vpc_el.template, vpc_el.logical_id, service)
    if key in batch.plan.endpoints:
        return
    cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
    _ensure_dns(batch, vpc_el)
    l2_vpc = cfn_vpc.node.scope
    name = _INTERFACE_SERVICES[service][0] if service in _INTERFACE_SERVICES else "S3"
    endpoint: IConstruct
    if isinstance(l2_vpc, ec2.Vpc) and owns(l2_vpc, cfn_vpc):
        eid = unique_id(l2_vpc, f"EcsExec{name}Endpoint")
        if service == "s3":
            endpoint = l2_vpc.add_gateway_endpoint(
                eid, service=ec2.GatewayVpcEndpointAwsService.S3
            )
        else:
            interface = l2_vpc.add_interface_endpoint(
                eid,
                service=_INTERFACE_SERVICES[service][1](),
                private_dns_enabled=True,
                open=False,
            )
            interface.connections.allow_default_port_from(
                ec2.Peer.ipv4(_vpc_cidr(vpc_el)), "HTTPS from the VPC (ECS Exec)"
            )
            endpoint = interface
        owner: IConstruct = l2_vpc
    else:
        created = _l1_endpoint(batch, vpc_el, service, name, subnets)
        if created is None:
            return
        endpoint = created
        owner = cfn_vpc
    batch.plan.endpoints[key] = endpoint
    kind = "gateway" if service == "s3" else "interface"
    batch.info(
        owner,
        f"created {kind} VPC endpoint {endpoint.node.path} for {service}"
        + (" (private DNS, TCP 443 open to the VPC CIDR)" if kind == "interface" else "")
        + " so that exec tasks without a route out reach it.",
    )


def _l1_endpoint(
    batch: Batch, vpc_el: Element, service: str, name: str, subnets: list[Resource]
) -> IConstruct | None:
    cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
    scope = cast(Construct, cfn_vpc.node.scope)
    base = cfn_vpc.node.id
    service_name = cdk.Fn.join("", ["com.amazonaws.", cdk.Aws.REGION, f".{service}"])
    mine = subnets
    if service == "s3":
        tables: list[str] = []
        for subnet in mine:
            rt = batch.ctx.net.route_table.get(subnet)
            rt_el = batch.snap.element(rt) if isinstance(rt, Resource) else None
            if rt_el is not None and rt_el.construct.ref not in tables:
                tables.append(rt_el.construct.ref)
        if not tables:
            batch.warn(
                cfn_vpc,
                WARNING_CANNOT_FIX,
                "the exec tasks' subnets use the VPC's main route table, which "
                "CloudFormation cannot reference: add the s3 gateway endpoint yourself.",
            )
            return None
        return ec2.CfnVPCEndpoint(
            scope,
            unique_id(scope, f"{base}EcsExec{name}Endpoint"),
            vpc_id=cfn_vpc.ref,
            service_name=service_name,
            vpc_endpoint_type="Gateway",
            route_table_ids=tables,
        )
    sg_key = (vpc_el.template, vpc_el.logical_id, "sg")
    sg = batch.plan.endpoints.get(sg_key)
    if sg is None:
        sg = ec2.CfnSecurityGroup(
            scope,
            unique_id(scope, f"{base}{ENDPOINT_SG_ID}"),
            group_description="HTTPS from the VPC to interface endpoints for ECS Exec "
            "(ecs-exec-guard)",
            vpc_id=cfn_vpc.ref,
            security_group_ingress=[
                ec2.CfnSecurityGroup.IngressProperty(
                    ip_protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_ip=_vpc_cidr(vpc_el),
                    description="HTTPS from the VPC",
                )
            ],
        )
        batch.plan.endpoints[sg_key] = sg
    subnet_ids: list[str] = []
    zones: set[str] = set()
    for subnet in mine:
        el = batch.snap.element(subnet)
        if el is None:
            continue
        zone = json.dumps(el.raw.get("AvailabilityZone"), sort_keys=True, default=str)
        if zone in zones:
            continue
        zones.add(zone)
        subnet_ids.append(el.construct.ref)
    return ec2.CfnVPCEndpoint(
        scope,
        unique_id(scope, f"{base}EcsExec{name}Endpoint"),
        vpc_id=cfn_vpc.ref,
        service_name=service_name,
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=subnet_ids,
        security_group_ids=[cast(ec2.CfnSecurityGroup, sg).attr_group_id],
    )


def _vpc_cidr(vpc_el: Element) -> str:
    """The VPC's CIDR: the literal when the template has it, else ``Fn::GetAtt CidrBlock``.

    The literal keeps cdk-nag's AwsSolutions-EC23 quiet: it cannot resolve a CIDR token and
    reports any rule that has one.
    """
    cidr = vpc_el.raw.get("CidrBlock")
    if isinstance(cidr, str):
        try:
            ipaddress.IPv4Network(cidr)
            return cidr
        except ValueError:
            pass
    return cast(ec2.CfnVPC, vpc_el.construct).attr_cidr_block


def _ensure_dns(batch: Batch, vpc_el: Element) -> None:
    """Private DNS on an endpoint needs DNS support and hostnames on the VPC."""
    key = (vpc_el.template, vpc_el.logical_id)
    if key in batch.plan.dns_done:
        return
    batch.plan.dns_done.add(key)
    cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
    changed: list[str] = []
    if truthy(vpc_el.raw.get("EnableDnsHostnames", False)) is not True:
        cfn_vpc.enable_dns_hostnames = True
        changed.append("EnableDnsHostnames")
    if truthy(vpc_el.raw.get("EnableDnsSupport", True)) is False:
        cfn_vpc.enable_dns_support = True
        changed.append("EnableDnsSupport")
    if changed:
        batch.info(
            cfn_vpc,
            f"set {' and '.join(changed)} to true: interface endpoints with private DNS "
            "need them.",
        )


def _fix_egress(
    batch: Batch, launch: Launch, vpcs: list[Resource], endpoint_path: bool, svc: Element
) -> None:
    cfg = launch.awsvpc if isinstance(launch.awsvpc, dict) else None
    if cfg is None:
        return
    groups = [g for g in (get_ci(cfg, "SecurityGroups") or [])]
    if not groups:
        return
    vpc_el = batch.snap.element(vpcs[0]) if len(vpcs) == 1 else None
    if endpoint_path and vpc_el is not None:
        cidr_value = vpcs[0].props.get("CidrBlock")
        verdict, _ = egress_allows(batch.ctx.model, batch.ctx.net, groups, [], [cidr_value])
        dest: Any = _vpc_cidr(vpc_el)
        where = "the VPC CIDR (the ssmmessages endpoint)"
    elif endpoint_path:
        return
    else:
        verdict, _ = egress_allows(batch.ctx.model, batch.ctx.net, groups, [], ["0.0.0.0/0"])
        dest = "0.0.0.0/0"
        where = "0.0.0.0/0 (ssmmessages over the internet)"
    if verdict is not False:
        return
    sg = None
    for raw in groups:
        sg = batch.snap.element(batch.ctx.model.deref(raw, "AWS::EC2::SecurityGroup"))
        if sg is not None:
            break
    if sg is None:
        batch.warn(
            svc.construct,
            WARNING_CANNOT_FIX,
            f"no security group of {svc.logical_id} allows egress TCP 443 and none is "
            "defined in this app; allow it where the security group is defined.",
        )
        return
    if not _https_rule(
        batch, "egress", sg, dest, "HTTPS to ssmmessages for ECS Exec (ecs-exec-guard)"
    ):
        return
    batch.info(
        sg.construct,
        f"allowed egress TCP 443 to {where} from {sg.logical_id}, the security group of "
        f"{svc.logical_id}.",
    )


def _https_rule(
    batch: Batch, direction: str, sg: Element, cidr: Any, description: str
) -> bool:
    """Add one TCP 443 rule to ``sg`` (once per group and direction); False if done."""
    ingress = direction == "ingress"
    key = (sg.template, sg.logical_id + (":in" if ingress else ""))
    if key in batch.plan.egress_done:
        return False
    batch.plan.egress_done.add(key)
    scope, rid = _rule_scope(sg, INGRESS_ID if ingress else EGRESS_ID)
    rule = ec2.CfnSecurityGroupIngress if ingress else ec2.CfnSecurityGroupEgress
    rule(
        scope,
        rid,
        group_id=cdk.Token.as_string(sg.construct.get_att("GroupId")),
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ip=cidr,
        description=description,
    )
    return True


def _rule_scope(sg: Element, base: str) -> tuple[Construct, str]:
    parent = sg.construct.node.scope
    if isinstance(parent, ec2.SecurityGroup) and owns(parent, sg.construct):
        return parent, unique_id(parent, base)
    scope = cast(Construct, parent)
    return scope, unique_id(scope, f"{sg.construct.node.id}{base}")
