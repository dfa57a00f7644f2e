"""The network facts of one exec launch: subnets, their way out, endpoints, egress on 443."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..intrinsics import GetAtt, Unknown, describe, is_unknown, unknown_reason
from ..launch import DAEMON_NETWORK_MODE, MANAGED_INSTANCES
from ..launches import Capacity, Launch
from ..model import Model, Resource, as_list, get_ci, truthy
from .endpoints import Endpoint, endpoint_admits
from .groups import (
    DefaultGroupOfUnknownVpc,
    UnknownCidr,
    all_of,
    covers_https,
    egress_verdict,
    egress_verdict_by_family,
    ip_network,
)
from .hosts import container_hosts
from .index import NetworkIndex
from .routes import ipv6_only

# ECS takes at most 16 subnets and 5 security groups in an awsvpc configuration (the
# AwsVpcConfiguration descriptions in the CloudFormation resource schema that cfn-lint ships).
MAX_AWSVPC_SUBNETS = 16
MAX_AWSVPC_SECURITY_GROUPS = 5

@dataclass
class Assessment:
    mode: str
    subnets: list[Resource] = field(default_factory=list)
    vpcs: list[Resource] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # NET7
    no_route: list[Resource] = field(default_factory=list)  # NET2 (when no usable endpoint)
    no_route_why: list[str] = field(default_factory=list)  # why those subnets have no way out
    ipv6_only: list[Resource] = field(default_factory=list)  # Ipv6Native subnets (::/0 path)
    igw_no_ip: list[Resource] = field(default_factory=list)  # NET3 (when no usable endpoint)
    needs_endpoint: bool = False
    ssm_endpoint: Endpoint | None = None  # a usable ssmmessages endpoint
    endpoint_problems: list[tuple[Endpoint, str]] = field(default_factory=list)  # NET5
    egress: bool | None = True
    egress_detail: str = ""
    private_dns_endpoint: Endpoint | None = None
    public_ip_note: str = ""
    over_budget: bool = False  # the network budget was spent: only ``unknown`` says anything


def assess(
    model: Model,
    index: NetworkIndex,
    launch: Launch,
    mode: Any,
    capacity: Capacity,
    cluster: Resource | None,
) -> Assessment | None:
    """The network facts of one exec launch; None for network mode ``none`` (NET1's case)."""
    if is_unknown(mode):
        return Assessment(mode="unknown", unknown=[f"network mode: {unknown_reason(mode)}"])
    if mode == "none":
        return None
    result = Assessment(mode=str(mode))
    if launch.network_note:
        result.unknown.append(launch.network_note)
        return result
    if index.budget.exhausted:
        return _over_budget(result, index)
    subnets_raw: list[Any]
    groups_raw: list[Any]
    public_ip: bool | None
    if mode == "awsvpc":
        cfg = launch.awsvpc
        if is_unknown(cfg):
            result.unknown.append(f"network configuration: {unknown_reason(cfg)}")
            return result
        if not isinstance(cfg, dict):
            result.unknown.append(
                "the launch has no awsvpc network configuration, which ECS requires for an "
                "awsvpc task (it rejects the launch)"
            )
            return result
        subnets_raw = as_list(get_ci(cfg, "Subnets"))
        groups_raw = as_list(get_ci(cfg, "SecurityGroups"))
        too_many = [
            f"the launch lists {len(items)} {what}; ECS accepts at most {limit}"
            for items, what, limit in (
                (subnets_raw, "subnets", MAX_AWSVPC_SUBNETS),
                (groups_raw, "security groups", MAX_AWSVPC_SECURITY_GROUPS),
            )
            if len(items) > limit
        ]
        if too_many:
            result.unknown.extend(too_many)
            return result
        assign = get_ci(cfg, "AssignPublicIp")
        if capacity.kind == "FARGATE":
            if is_unknown(assign):
                public_ip = None
                result.unknown.append(f"AssignPublicIp is {unknown_reason(assign)}")
            else:
                public_ip = isinstance(assign, str) and assign.upper() == "ENABLED"
        else:
            public_ip = False  # awsvpc tasks on EC2 or Managed Instances never get a public IP
            result.public_ip_note = (
                "awsvpc tasks on EC2 instances never get a public IP"
                if capacity.kind != MANAGED_INSTANCES
                else "awsvpc tasks on Managed Instances never get a public IP"
            )
        host_subnets: list[list[Any]] = [subnets_raw]
        host_groups: list[list[Any]] = [groups_raw]
        host_ips: list[bool | None] = [public_ip]
    elif mode in ("bridge", "host", "default", DAEMON_NETWORK_MODE):
        if capacity.kind not in ("EC2", MANAGED_INSTANCES):
            result.unknown.append(
                f"network mode {mode} on {capacity.kind.lower()} capacity"
                + (f" ({capacity.reason})" if capacity.reason else "")
            )
            return result
        hosts = container_hosts(model, capacity, cluster)
        if not hosts:
            result.unknown.append(
                "the container instances are not in the input"
                + (f" ({capacity.reason})" if capacity.reason else "")
            )
            return result
        host_subnets = [h.subnets for h in hosts]
        host_groups = [h.security_groups for h in hosts]
        host_ips = [h.public_ip for h in hosts]
    else:
        result.unknown.append(f"network mode {describe(mode)} is not recognised")
        return result

    # Subnets and their way out.
    all_groups: list[Any] = []
    for subnets, groups, ip in zip(host_subnets, host_groups, host_ips, strict=True):
        # The groups count wherever the tasks run, even when their subnets are not known.
        all_groups.extend(groups)
        # Tasks (or hosts) that name no security group get their VPC's default group.
        no_groups = not groups
        if not subnets:
            result.unknown.append(
                "no subnets are given: ECS rejects an awsvpc launch without subnets"
                if mode == "awsvpc"
                else "no subnets are given (the account's default VPC is used)"
            )
            if no_groups:
                all_groups.append(DefaultGroupOfUnknownVpc(
                    "no security group is given: the tasks get their VPC's default security "
                    "group, and without subnets that VPC is not known"
                ))
            continue
        for raw in subnets:
            subnet = model.deref(raw, "AWS::EC2::Subnet")
            vpc = index.vpc_of(subnet) if subnet is not None else None
            if no_groups:
                if vpc is None:
                    all_groups.append(DefaultGroupOfUnknownVpc(
                        "no security group is given: the tasks get their VPC's default "
                        "security group, and "
                        + (
                            "the subnet, and so the VPC, cannot be resolved"
                            if is_unknown(raw)
                            else "the VPC of subnet "
                            + (subnet.logical_id if subnet is not None else describe(raw))
                            + " is not in the input"
                        )
                    ))
                else:
                    default = GetAtt(vpc.template.name, vpc.logical_id, "DefaultSecurityGroup")
                    if default not in all_groups:
                        all_groups.append(default)
            if subnet is None:
                result.unknown.append(
                    f"a subnet cannot be resolved ({unknown_reason(raw)})"
                    if is_unknown(raw)
                    else f"subnet {describe(raw)} is not in the input"
                )
                continue
            result.subnets.append(subnet)
            if vpc is None:
                result.unknown.append(f"the VPC of subnet {subnet.logical_id} is not in the input")
            elif vpc not in result.vpcs:
                result.vpcs.append(vpc)
            v6 = ipv6_only(subnet)
            if v6 is None:
                result.unknown.append(f"whether subnet {subnet.logical_id} is IPv6-only")
                continue
            if v6:
                result.ipv6_only.append(subnet)
                if capacity.kind != "EC2":
                    result.unknown.append(
                        f"subnet {subnet.logical_id} is IPv6-only: exec from "
                        f"{_capacity_name(capacity)} tasks on an IPv6-only interface is not "
                        "documented"
                    )
                    continue
            path = index.subnet_path(subnet, ipv6=bool(v6))
            if isinstance(path, Unknown):
                result.unknown.append(path.reason)
            elif path.kind == "none":
                result.no_route.append(subnet)
                if path.why:
                    result.no_route_why.append(path.why)
            elif path.kind == "igw" and not v6:
                has_ip = ip
                if has_ip is None:
                    has_ip = truthy(subnet.props.get("MapPublicIpOnLaunch", False))
                if has_ip is None:
                    result.unknown.append(
                        f"whether instances in {subnet.logical_id} get a public IP"
                    )
                elif not has_ip:
                    result.igw_no_ip.append(subnet)
    result.needs_endpoint = bool(result.no_route or result.igw_no_ip)

    # The tasks' addresses: IPv6 in IPv6-only subnets, IPv4 elsewhere (dual-stack tasks use
    # the IPv4 endpoints), one list per family.
    by_family = (
        [_subnet_cidr(s, ipv6=False) for s in result.subnets if s not in result.ipv6_only],
        [_subnet_cidr(s, ipv6=True) for s in result.ipv6_only],
    )
    task_cidrs = [cidrs for cidrs in by_family if cidrs] or [[]]

    # The ssmmessages endpoints of the VPC(s).
    for vpc in result.vpcs:
        for ep in index.endpoints.get(vpc, ()):
            if ep.service != "ssmmessages":
                continue
            if not index.budget.spend(1 + len(ep.security_groups) + len(ep.subnets)):
                return _over_budget(result, index)
            if not ep.interface:
                result.endpoint_problems.append((ep, "it is not an Interface endpoint"))
                continue
            if not ep.security_groups:
                admitted: bool | None = None
                why = "it uses the VPC's default security group"
            else:
                admitted, why = all_of([
                    (verdict, [reason] if reason else [])
                    for verdict, reason in (
                        endpoint_admits(model, index.groups, ep, all_groups, cidrs)
                        for cidrs in task_cidrs
                    )
                ])
            if ep.private_dns is True:
                result.private_dns_endpoint = ep
                if admitted is False:
                    result.endpoint_problems.append(
                        (ep, "its security groups do not admit TCP 443 from the tasks")
                    )
                elif admitted is None:
                    result.unknown.append(
                        f"whether endpoint {ep.resource.logical_id} admits TCP 443 from the tasks"
                        f" ({why})"
                    )
                    result.ssm_endpoint = result.ssm_endpoint or ep
                else:
                    result.ssm_endpoint = ep
            elif ep.private_dns is None:
                result.unknown.append(f"PrivateDnsEnabled of endpoint {ep.resource.logical_id}")
            elif result.needs_endpoint:
                result.endpoint_problems.append(
                    (ep, "PrivateDnsEnabled is false, so the agent never resolves to it")
                )

    # Egress on 443 from the tasks.
    if result.private_dns_endpoint is not None:
        ep = result.private_dns_endpoint
        dest_groups = ep.security_groups
        ep_subnets = [model.deref(s, "AWS::EC2::Subnet") for s in ep.subnets]
        where = f"the ssmmessages endpoint {ep.resource.logical_id}"
        # IPv6-only tasks reach the endpoint's IPv6 addresses, the others its IPv4 ones.
        dests = [
            [_subnet_cidr(s, ipv6=v6) if s is not None else None for s in ep_subnets]
            or [UnknownCidr(6) if v6 else v.props.get("CidrBlock") for v in result.vpcs]
            for v6 in _families(result)
        ]
        result.egress, result.egress_detail = egress_verdict_by_family(
            model, index.groups, all_groups, dest_groups, dests
        )
    else:
        where = "the internet (0.0.0.0/0)"
        result.egress, result.egress_detail = True, ""
        families = [
            ("::/0", "the internet over IPv6 (::/0)")
            if v6
            else ("0.0.0.0/0", "the internet (0.0.0.0/0)")
            for v6 in _families(result)
        ]
        for dest, label in families:
            verdict, detail = egress_verdict(model, index.groups, all_groups, [], [dest])
            if verdict is False or (verdict is None and result.egress is True):
                result.egress, result.egress_detail, where = verdict, detail, label
        if result.egress is False and not result.vpcs and _https_egress(model, index, all_groups):
            # The tasks' VPC is not known, so neither is whether it has an ssmmessages
            # endpoint that the groups' rules on 443 let the tasks reach.
            result.egress = None
            result.egress_detail = (
                f"no security group of the tasks allows it to {where}, and the tasks' VPC "
                "is not known (it may have an ssmmessages endpoint they reach)"
            )
    result.egress_detail = result.egress_detail or where
    return _over_budget(result, index) if index.budget.exhausted else result


def _over_budget(result: Assessment, index: NetworkIndex) -> Assessment:
    """Only "cannot verify" once the network budget is spent: verdicts reached on part of the
    rules or endpoints could be wrong either way."""
    return Assessment(
        mode=result.mode, subnets=result.subnets, vpcs=result.vpcs,
        unknown=[index.budget.reason], egress=None,
        egress_detail="not checked (the network budget is spent)", over_budget=True,
    )


def _subnet_cidr(subnet: Resource, *, ipv6: bool) -> Any:
    """The subnet's IPv4 CIDR, or with ``ipv6`` its IPv6 one (of a known family even when the
    template writes it as a token, or leaves it to IPAM)."""
    cidr = subnet.props.get("Ipv6CidrBlock" if ipv6 else "CidrBlock")
    return cidr if ip_network(cidr) is not None else UnknownCidr(6 if ipv6 else 4)


def _families(result: Assessment) -> list[bool]:
    """Whether the tasks use IPv4 (False), IPv6 (True), or both, to reach ssmmessages."""
    out = []
    if len(result.ipv6_only) < len(result.subnets) or not result.subnets:
        out.append(False)
    if result.ipv6_only:
        out.append(True)
    return out


def _https_egress(model: Model, index: NetworkIndex, groups: list[Any]) -> bool:
    """Whether a rule of the groups may let TCP 443 out to somewhere (any destination)."""
    for raw in groups:
        sg = model.deref(raw, "AWS::EC2::SecurityGroup")
        rules = index.groups.egress_rules(sg) if sg is not None else []
        if rules is None or any(covers_https(r) is not False for r in rules):
            return True
    return False


def _capacity_name(capacity: Capacity) -> str:
    """How messages name the capacity: ``fargate``, ``Managed Instances``, ..."""
    return "Managed Instances" if capacity.kind == MANAGED_INSTANCES else capacity.kind.lower()
