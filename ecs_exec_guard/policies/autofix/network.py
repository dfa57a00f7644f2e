"""Network: what EcsExec-NET2, NET4, NET5 and NET6 report (rules in ``analysis/rules/network.py``).

Interface endpoints (ssmmessages, and logs / kms when the cluster logs or encrypts exec
sessions) and an s3 gateway endpoint in a VPC whose exec tasks have no route out, one per VPC
and service, sharing one security group that admits TCP 443 from the security groups of the
VPC's exec tasks (never a CIDR: an IPAM VPC's is not known before deployment); DNS on that VPC;
TCP 443 from the tasks' groups into an existing ssmmessages endpoint; egress TCP 443 from the
tasks' security group (to the endpoint's group); with ``assign_public_ip`` a public IP instead
of an endpoint for Fargate tasks whose subnets only have an internet gateway. Nothing is
created in a VPC or security group outside the app.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from ...analysis.intrinsics import GetAtt, Ref
from ...analysis.launches import Launch
from ...analysis.model import Resource, as_list, get_ci, truthy
from ...analysis.network import container_hosts, egress_allows, service_endpoints
from ...analysis.rules.iam import exec_log_requirements
from .batch import Batch
from .common import WARNING_CANNOT_FIX, add_child, construct_key, owns, unique_id
from .overrides import override
from .snapshot import Element

EGRESS_ID = "EcsExecHttpsEgress"
ENDPOINT_SG_ID = "EcsExecEndpointSecurityGroup"
ENDPOINT_INGRESS_ID = "EcsExecEndpointIngress"

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
    if batch.o.assign_public_ip and _assign_public_ip(batch, launch, a, svc):
        if batch.o.egress and a.egress is False:
            _fix_egress(batch, launch, a.vpcs, False, svc)
        return
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
        _repair_ssm_endpoints(batch, launch, a, svc)
    if not batch.o.egress:
        return
    if new_ssm_endpoint:
        _fix_egress(batch, launch, a.vpcs, True, svc)
    elif a.egress is False and not (a.needs_endpoint and a.ssm_endpoint is None):
        _fix_egress(batch, launch, a.vpcs, a.private_dns_endpoint is not None, svc)


def _assign_public_ip(batch: Batch, launch: Launch, a: Any, svc: Element) -> bool:
    """Give the Fargate tasks a public IP when their subnets' only way out is an internet
    gateway (NET3's case, and nothing else is missing): the repair that costs nothing, where
    an interface endpoint is billed per AZ and hour. Only with ``assign_public_ip=True``."""
    if (
        batch.ctx.facts(launch).capacity.kind != "FARGATE"
        or a.mode != "awsvpc"
        or not a.igw_no_ip
        or a.no_route
        or a.unknown
        or a.ssm_endpoint is not None
    ):
        return False
    override(svc.construct, "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", "ENABLED")
    batch.info(
        svc.construct,
        f"set AssignPublicIp to ENABLED on {svc.logical_id}: its tasks run in public subnet(s) "
        f"{', '.join(s.logical_id for s in a.igw_no_ip)}, whose only way out is an internet "
        "gateway (assign_public_ip=True; the alternative, an ssmmessages interface endpoint, is "
        "billed per AZ and hour).",
    )
    return True


def _ssm_endpoints(batch: Batch, vpc: Resource) -> list[Any]:
    return [ep for ep in batch.ctx.net.endpoints.get(vpc, ()) if ep.service == "ssmmessages"]


def _repair_ssm_endpoints(batch: Batch, launch: Launch, a: Any, svc: Element) -> None:
    """Make an existing ssmmessages endpoint admit the tasks (or say why it cannot)."""
    for ep, problem in a.endpoint_problems:
        ep_el = batch.snap.element(ep.resource)
        if ep_el is None:
            continue
        sg = batch.ctx.model.deref(
            ep.security_groups[0] if ep.security_groups else None, "AWS::EC2::SecurityGroup"
        )
        sg_el = batch.snap.element(sg)
        if "do not admit" in problem and sg_el is not None:
            admitted = _admit_groups(
                batch, sg_el.construct, _group_id(sg_el), _launch_groups(batch, launch, a)
            )
            if admitted:
                batch.info(
                    sg_el.construct,
                    f"allowed TCP 443 from {', '.join(admitted)} (the exec tasks' security "
                    f"groups) into {sg_el.logical_id}, the security group of ssmmessages "
                    f"endpoint {ep_el.logical_id}.",
                )
        else:
            batch.warn(
                ep_el.construct,
                WARNING_CANNOT_FIX,
                f"ssmmessages endpoint {ep_el.logical_id} is not usable by "
                f"{svc.logical_id}: {problem}; EcsExecAutoFix does not change it and does "
                "not create a second one.",
            )


def _group_id(sg_el: Element) -> str:
    if isinstance(sg_el.construct, ec2.CfnSecurityGroup):
        return sg_el.construct.attr_group_id  # the same reference, in one call
    return cdk.Token.as_string(sg_el.construct.get_att("GroupId"))


def _launch_groups(batch: Batch, launch: Launch, a: Any) -> list[Any]:
    """The security groups of a launch's tasks (of its container instances in bridge / host
    mode; the VPC's default security group when none is given), as the analyzer sees them."""
    groups: list[Any] = []
    if a.mode == "awsvpc":
        cfg = launch.awsvpc
        groups = as_list(get_ci(cfg, "SecurityGroups")) if isinstance(cfg, dict) else []
    else:
        facts = batch.ctx.facts(launch)
        for host in container_hosts(batch.ctx.model, facts.capacity, facts.cluster):
            groups.extend(as_list(host.security_groups))
    if not groups:
        groups = [GetAtt(v.template.name, v.logical_id, "DefaultSecurityGroup") for v in a.vpcs]
    return groups


def _task_groups(batch: Batch, vpc: Resource) -> list[Any]:
    """The security groups of every exec task in the VPC (in the whole stage, not only in
    this batch's scope): an endpoint's private DNS serves the whole VPC."""
    out: list[Any] = []
    for launch in batch.ctx.exec_launches:
        a = batch.ctx.network(launch)
        if a is None or vpc not in a.vpcs:
            continue
        for group in _launch_groups(batch, launch, a):
            if group not in out:
                out.append(group)
    return out


def _admit_groups(
    batch: Batch, target: IConstruct, target_id: str, groups: list[Any]
) -> list[str]:
    """Let security group ``target`` admit TCP 443 from each of ``groups``.

    Each rule is a ``CfnSecurityGroupIngress`` next to the source group (in the tasks' stack,
    which already depends on the VPC's stack: no reference cycle). Returns the groups newly
    admitted; a group that cannot be resolved gets a warning.
    """
    admitted: list[str] = []
    for raw in groups:
        key = (construct_key(target), json.dumps(raw, sort_keys=True, default=str))
        if key in batch.plan.ingress_done:
            continue
        batch.plan.ingress_done.add(key)
        scope: Construct
        if isinstance(raw, GetAtt) and raw.attribute == "DefaultSecurityGroup":
            vpc_el = batch.snap.element(batch.ctx.model.deref(Ref(raw.template, raw.logical_id)))
            if vpc_el is None:
                continue
            source = cast(ec2.CfnVPC, vpc_el.construct).attr_default_security_group
            scope = cast(Construct, vpc_el.construct.node.scope)
            base = f"{vpc_el.construct.node.id}{ENDPOINT_INGRESS_ID}"
            label = f"the default security group of {vpc_el.logical_id}"
        else:
            sg_el = batch.snap.element(batch.ctx.model.deref(raw, "AWS::EC2::SecurityGroup"))
            if sg_el is not None:
                source = _group_id(sg_el)
                scope, base = _rule_scope(batch, sg_el, ENDPOINT_INGRESS_ID)
                label = sg_el.logical_id
            elif isinstance(raw, str) and raw.startswith("sg-"):
                source = raw
                scope = cast(Construct, target.node.scope)
                base = f"{target.node.id}{ENDPOINT_INGRESS_ID}"
                label = raw
            else:
                batch.warn(
                    target,
                    WARNING_CANNOT_FIX,
                    "a security group of the exec tasks cannot be resolved, so it is not "
                    "admitted on TCP 443; admit it where it is defined.",
                )
                continue
        add_child(scope, base, _ingress_443(scope, target_id, source))
        admitted.append(label)
    return admitted


def _ingress_443(
    scope: Construct, group_id: str, source: str
) -> Callable[[str], ec2.CfnSecurityGroupIngress]:
    """A maker (for ``add_child``) of the rule admitting TCP 443 from ``source`` into
    ``group_id``."""
    return lambda rid: ec2.CfnSecurityGroupIngress(
        scope,
        rid,
        group_id=group_id,
        source_security_group_id=source,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        description="HTTPS from ECS Exec tasks (ecs-exec-guard)",
    )


def _endpoint_security_group(batch: Batch, vpc_el: Element) -> tuple[IConstruct, str]:
    """The security group of the interface endpoints this aspect creates in a VPC: one per VPC,
    shared by its endpoints, admitting TCP 443 from every exec task of the VPC."""
    key = (vpc_el.template, vpc_el.logical_id, "sg")
    found = batch.plan.endpoints.get(key)
    if found is None:
        cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
        l2_vpc = cfn_vpc.node.scope
        description = "HTTPS from ECS Exec tasks to interface endpoints (ecs-exec-guard)"
        if isinstance(l2_vpc, ec2.Vpc) and owns(l2_vpc, cfn_vpc):
            found = ec2.SecurityGroup(
                l2_vpc,
                unique_id(l2_vpc, ENDPOINT_SG_ID),
                vpc=l2_vpc,
                description=description,
            )
        else:
            scope = cast(Construct, cfn_vpc.node.scope)
            found = ec2.CfnSecurityGroup(
                scope,
                unique_id(scope, f"{cfn_vpc.node.id}{ENDPOINT_SG_ID}"),
                group_description=description,
                vpc_id=cfn_vpc.ref,
            )
        batch.plan.endpoints[key] = found
    group_id = (
        found.security_group_id
        if isinstance(found, ec2.SecurityGroup)
        else cast(ec2.CfnSecurityGroup, found).attr_group_id
    )
    vpc = batch.ctx.model.deref(Ref(vpc_el.template, vpc_el.logical_id))
    if vpc is not None:
        _admit_groups(batch, found, group_id, _task_groups(batch, vpc))
    return found, group_id


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
            sg, _ = _endpoint_security_group(batch, vpc_el)
            endpoint = l2_vpc.add_interface_endpoint(
                eid,
                service=_INTERFACE_SERVICES[service][1](),
                private_dns_enabled=True,
                open=False,
                security_groups=[cast(ec2.SecurityGroup, sg)],
            )
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
        + (
            " (private DNS; its security group admits TCP 443 from the exec tasks' security "
            "groups)"
            if kind == "interface"
            else ""
        )
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
    _, sg_id = _endpoint_security_group(batch, vpc_el)
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
        security_group_ids=[sg_id],
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
    if cfg is not None:
        groups = [g for g in (get_ci(cfg, "SecurityGroups") or [])]
    else:
        # Host-mode tasks and daemons on Managed Instances: the launch template's groups.
        facts = batch.ctx.facts(launch)
        hosts = container_hosts(batch.ctx.model, facts.capacity, facts.cluster)
        groups = [g for h in hosts if h.managed for g in h.security_groups]
    if not groups:
        return
    vpc_el = batch.snap.element(vpcs[0]) if len(vpcs) == 1 else None
    if endpoint_path and vpc_el is None:
        return
    to = [vpcs[0].props.get("CidrBlock")] if endpoint_path else ["0.0.0.0/0"]
    verdict, _ = egress_allows(batch.ctx.model, batch.ctx.net, groups, [], to)
    if verdict is not False:
        return
    peer_group: str | None = None
    dest: Any = None
    if vpc_el is not None and endpoint_path:
        endpoint_sg = _endpoint_group(batch, vpc_el, launch)
        if endpoint_sg is not None:
            peer_group, name = endpoint_sg
            where = f"{name}, the ssmmessages endpoint's security group"
        else:
            dest = _vpc_cidr(vpc_el)
            where = "the VPC CIDR (the ssmmessages endpoint)"
    else:
        dest = "0.0.0.0/0"
        where = "0.0.0.0/0 (ssmmessages over the internet)"
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
    if not _egress_rule(
        batch, sg, dest, "HTTPS to ssmmessages for ECS Exec (ecs-exec-guard)", peer_group=peer_group
    ):
        return
    batch.info(
        sg.construct,
        f"allowed egress TCP 443 from {sg.logical_id}, a security group of the exec-enabled "
        f"service {svc.construct.node.path}, to {where}.",
    )


def _endpoint_group(batch: Batch, vpc_el: Element, launch: Launch) -> tuple[str, str] | None:
    """The group ID (and a name for it) of the ssmmessages endpoint the tasks will use: the
    one this aspect created in the VPC, else an existing one with private DNS."""
    created = batch.plan.endpoints.get((vpc_el.template, vpc_el.logical_id, "sg"))
    if created is not None and (
        vpc_el.template, vpc_el.logical_id, "ssmmessages"
    ) in batch.plan.endpoints:
        group_id = (
            created.security_group_id
            if isinstance(created, ec2.SecurityGroup)
            else cast(ec2.CfnSecurityGroup, created).attr_group_id
        )
        return group_id, created.node.path
    a = batch.ctx.network(launch)
    ep = a.private_dns_endpoint if a is not None else None
    if ep is None or not ep.security_groups:
        return None
    sg_el = batch.snap.element(
        batch.ctx.model.deref(ep.security_groups[0], "AWS::EC2::SecurityGroup")
    )
    return (_group_id(sg_el), sg_el.logical_id) if sg_el is not None else None


def _egress_rule(
    batch: Batch, sg: Element, cidr: Any, description: str, *, peer_group: str | None = None
) -> bool:
    """Add one egress TCP 443 rule to ``sg`` (once per group), to ``cidr`` or, given, to the
    security group ``peer_group``; False if done."""
    key = (sg.template, sg.logical_id)
    if key in batch.plan.egress_done:
        return False
    batch.plan.egress_done.add(key)
    scope, base = _rule_scope(batch, sg, EGRESS_ID)
    peer: dict[str, Any] = (
        {"destination_security_group_id": peer_group}
        if peer_group is not None
        else {"cidr_ip": cidr}
    )
    group_id = _group_id(sg)
    add_child(
        scope,
        base,
        lambda rid: ec2.CfnSecurityGroupEgress(
            scope,
            rid,
            group_id=group_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=description,
            **peer,
        ),
    )
    return True


def _rule_scope(batch: Batch, sg: Element, base: str) -> tuple[Construct, str]:
    """Where a rule of security group ``sg`` goes, and the ID to give it (``add_child`` makes
    it unique): in the group's ``SecurityGroup`` as ``base``, else next to the L1."""
    parent = batch.snap.security_group_l2(sg)
    if parent is not None:
        return parent, base
    node = sg.construct.node
    return cast(Construct, node.scope), f"{node.id}{base}"
