"""The network path from a task to Session Manager (``ssmmessages``), as far as templates tell.

Per launch this works out the subnets the tasks (awsvpc) or their container instances
(bridge/host) use, how each subnet reaches the internet (its route table's default route),
whether the VPC has an ``ssmmessages`` interface endpoint the tasks can use, and whether the
task security groups let TCP 443 out. Anything outside the input becomes a "cannot verify"
reason, never a pass.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .intrinsics import GetAtt, Ref, Unknown, describe, is_unknown, unknown_reason
from .launches import Capacity, Launch, references
from .model import Model, Resource, as_list, get_ci, truthy

HTTPS = 443
ANYWHERE = ipaddress.IPv4Network("0.0.0.0/0")
EXEC_LOG_SERVICES = ("logs", "s3", "kms")


# -- container instances (EC2) --------------------------------------------------------------


@dataclass
class Host:
    """A group of container instances: an Auto Scaling group or a single instance."""

    resource: Resource
    ami_source: Resource | None  # the launch template / configuration / instance with ImageId
    image_id: Any
    subnets: list[Any]
    security_groups: list[Any]
    public_ip: bool | None  # None: decided by the subnet


def container_hosts(model: Model, capacity: Capacity, cluster: Resource | None) -> list[Host]:
    asgs: list[Resource] = []
    for provider in capacity.providers:
        asg_ref = get_ci(provider.props.get("AutoScalingGroupProvider"), "AutoScalingGroupArn")
        asg = model.deref(asg_ref, "AWS::AutoScaling::AutoScalingGroup")
        if asg is None and isinstance(asg_ref, str):
            asg = _asg_by_name(model, asg_ref.rsplit("/", 1)[-1])
        if asg is not None:
            asgs.append(asg)
    hosts = [_asg_host(model, asg) for asg in asgs]
    if not capacity.providers and cluster is not None:
        # Instances that join the cluster through their user data (``ECS_CLUSTER=...``).
        for asg in model.resources("AWS::AutoScaling::AutoScalingGroup"):
            host = _asg_host(model, asg)
            if host.ami_source is not None and references(_user_data(host.ami_source), cluster):
                hosts.append(host)
        for inst in model.resources("AWS::EC2::Instance"):
            if references(inst.props.get("UserData"), cluster):
                hosts.append(
                    Host(
                        inst,
                        inst,
                        inst.props.get("ImageId"),
                        as_list(inst.props.get("SubnetId")),
                        as_list(inst.props.get("SecurityGroupIds")),
                        _nic_public_ip(inst.props.get("NetworkInterfaces")),
                    )
                )
    return hosts


def _asg_by_name(model: Model, name: str) -> Resource | None:
    for asg in model.resources("AWS::AutoScaling::AutoScalingGroup"):
        if asg.props.get("AutoScalingGroupName") == name:
            return asg
    return None


def _user_data(source: Resource) -> Any:
    if source.type == "AWS::EC2::LaunchTemplate":
        return get_ci(source.props.get("LaunchTemplateData"), "UserData")
    return source.props.get("UserData")


def _nic_public_ip(nics: Any) -> bool | None:
    for nic in as_list(nics):
        value = get_ci(nic, "AssociatePublicIpAddress")
        if value is not None:
            return truthy(value)
    return None


def _asg_host(model: Model, asg: Resource) -> Host:
    p = asg.props
    spec = p.get("LaunchTemplate")
    if spec is None:
        mixed = get_ci(p.get("MixedInstancesPolicy"), "LaunchTemplate")
        spec = get_ci(mixed, "LaunchTemplateSpecification")
    source: Resource | None = None
    image: Any = Unknown("the launch template or configuration is not in the input")
    groups: list[Any] = []
    public_ip: bool | None = None
    if spec is not None:
        lt_ref = get_ci(spec, "LaunchTemplateId", "LaunchTemplateName")
        source = model.deref(lt_ref, "AWS::EC2::LaunchTemplate")
        if source is None and isinstance(lt_ref, str):
            for lt in model.resources("AWS::EC2::LaunchTemplate"):
                if lt.props.get("LaunchTemplateName") == lt_ref:
                    source = lt
        if source is not None:
            data = source.props.get("LaunchTemplateData")
            image = get_ci(data, "ImageId")
            groups = as_list(get_ci(data, "SecurityGroupIds"))
            nics = get_ci(data, "NetworkInterfaces")
            for nic in as_list(nics):
                groups.extend(as_list(get_ci(nic, "Groups")))
            public_ip = _nic_public_ip(nics)
    elif p.get("LaunchConfigurationName") is not None:
        source = model.deref(
            p.get("LaunchConfigurationName"), "AWS::AutoScaling::LaunchConfiguration"
        )
        if source is not None:
            image = source.props.get("ImageId")
            groups = as_list(source.props.get("SecurityGroups"))
            ip = source.props.get("AssociatePublicIpAddress")
            public_ip = None if ip is None else truthy(ip)
    return Host(asg, source, image, as_list(p.get("VPCZoneIdentifier")), groups, public_ip)


# -- the network index ----------------------------------------------------------------------


@dataclass
class Endpoint:
    resource: Resource
    service: str  # ssmmessages, logs, kms, s3, ...
    interface: bool
    private_dns: bool | None
    security_groups: list[Any]
    subnets: list[Any]


@dataclass
class Rule:
    protocol: Any
    from_port: Any
    to_port: Any
    cidr: Any
    group: Any  # source / destination security group reference
    prefix_list: Any


class NetworkIndex:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.route_table: dict[Resource, Any] = {}
        for assoc in model.resources("AWS::EC2::SubnetRouteTableAssociation"):
            subnet = model.deref(assoc.props.get("SubnetId"), "AWS::EC2::Subnet")
            if subnet is not None:
                rt = model.deref(assoc.props.get("RouteTableId"), "AWS::EC2::RouteTable")
                self.route_table[subnet] = rt if rt is not None else Unknown(
                    f"route table {describe(assoc.props.get('RouteTableId'))} is not in the input"
                )
        self.routes: dict[Resource, list[Resource]] = defaultdict(list)
        for route in model.resources("AWS::EC2::Route"):
            rt = model.deref(route.props.get("RouteTableId"), "AWS::EC2::RouteTable")
            if rt is not None:
                self.routes[rt].append(route)
        self.endpoints: dict[Resource, list[Endpoint]] = defaultdict(list)
        self.endpoints_unplaced: list[Resource] = []
        for ep in model.resources("AWS::EC2::VPCEndpoint"):
            vpc = model.deref(ep.props.get("VpcId"), "AWS::EC2::VPC")
            name = ep.props.get("ServiceName")
            if vpc is None or not isinstance(name, str):
                self.endpoints_unplaced.append(ep)
                continue
            etype = ep.props.get("VpcEndpointType", "Gateway")
            self.endpoints[vpc].append(
                Endpoint(
                    ep,
                    name.rsplit(".", 1)[-1].lower(),
                    isinstance(etype, str) and etype.lower() == "interface",
                    truthy(ep.props.get("PrivateDnsEnabled", False)),
                    as_list(ep.props.get("SecurityGroupIds")),
                    as_list(ep.props.get("SubnetIds")),
                )
            )
        self.ingress: dict[Resource, list[Rule]] = defaultdict(list)
        self.egress: dict[Resource, list[Rule]] = defaultdict(list)
        self.inline_egress: dict[Resource, bool] = {}
        for sg in model.resources("AWS::EC2::SecurityGroup"):
            for r in as_list(sg.props.get("SecurityGroupIngress")):
                self.ingress[sg].append(_rule(r, "SourceSecurityGroupId", "SourcePrefixListId"))
            inline = sg.props.get("SecurityGroupEgress")
            self.inline_egress[sg] = bool(inline)
            for r in as_list(inline):
                self.egress[sg].append(
                    _rule(r, "DestinationSecurityGroupId", "DestinationPrefixListId")
                )
        for r in model.resources("AWS::EC2::SecurityGroupIngress"):
            group = model.deref(r.props.get("GroupId"), "AWS::EC2::SecurityGroup")
            if group is not None:
                self.ingress[group].append(
                    _rule(r.props, "SourceSecurityGroupId", "SourcePrefixListId")
                )
        for r in model.resources("AWS::EC2::SecurityGroupEgress"):
            group = model.deref(r.props.get("GroupId"), "AWS::EC2::SecurityGroup")
            if group is not None:
                self.egress[group].append(
                    _rule(r.props, "DestinationSecurityGroupId", "DestinationPrefixListId")
                )
        self.restricted_default_sg: set[Resource] = set()
        for res in model.resources("Custom::VpcRestrictDefaultSG"):
            vpc = model.deref(res.props.get("DefaultSecurityGroupId"), "AWS::EC2::VPC")
            if vpc is not None:
                self.restricted_default_sg.add(vpc)

    # -- subnets --------------------------------------------------------------------------
    def subnet_path(self, subnet: Resource) -> str | Unknown:
        """``internet`` (NAT, NAT instance, transit gateway), ``igw``, or ``none``."""
        rt = self.route_table.get(subnet)
        if isinstance(rt, Unknown):
            return rt
        if rt is None:
            vpc = self.model.deref(subnet.props.get("VpcId"), "AWS::EC2::VPC")
            if vpc is None:
                return Unknown(
                    f"subnet {subnet.logical_id} uses its VPC's main route table, "
                    "which is not in the input"
                )
            return "none"  # a VPC made here: its main route table has only the local route
        best = "none"
        problems: list[str] = []
        for route in self.routes.get(rt, ()):
            dest = route.props.get("DestinationCidrBlock")
            if is_unknown(dest):
                problems.append(f"route {route.logical_id} has destination {unknown_reason(dest)}")
                continue
            if dest != "0.0.0.0/0":
                continue
            kind = self._route_target(route)
            if isinstance(kind, Unknown):
                problems.append(kind.reason)
            elif kind == "internet":
                return "internet"
            elif kind == "igw":
                best = "igw"
        if problems and best == "none":
            return Unknown("; ".join(problems))
        return best

    def _route_target(self, route: Resource) -> str | Unknown:
        p = route.props
        for key in ("NatGatewayId", "InstanceId", "NetworkInterfaceId", "TransitGatewayId",
                    "CoreNetworkArn"):
            if p.get(key) is not None:
                return "internet"
        gw = p.get("GatewayId")
        if gw is not None:
            # A virtual private gateway leads on premises, whose way out is not in the input.
            vgw = Unknown(
                f"route {route.logical_id} sends 0.0.0.0/0 to a virtual private gateway "
                "(on premises)"
            )
            res = self.model.deref(gw)
            if res is not None:
                if res.type == "AWS::EC2::InternetGateway":
                    return "igw"
                return vgw if res.type == "AWS::EC2::VPNGateway" else "other"
            if isinstance(gw, str):
                if gw.startswith("vgw-"):
                    return vgw
                return "igw" if gw.startswith("igw-") else "other"
            return Unknown(f"route {route.logical_id} goes to {describe(gw)}")
        if p.get("CarrierGatewayId") is not None:
            return "igw"
        for key in ("VpcEndpointId", "LocalGatewayId", "VpcPeeringConnectionId"):
            if p.get(key) is not None:
                return (
                    Unknown(f"route {route.logical_id} sends 0.0.0.0/0 to a {key[:-2]}")
                    if key != "VpcPeeringConnectionId"
                    else "other"
                )
        return "other"

    def vpc_of(self, subnet: Resource) -> Resource | None:
        return self.model.deref(subnet.props.get("VpcId"), "AWS::EC2::VPC")

    def cidr(self, value: Any) -> ipaddress.IPv4Network | None:
        if isinstance(value, str):
            try:
                return ipaddress.IPv4Network(value, strict=False)
            except ValueError:
                return None
        return None

    # -- security groups --------------------------------------------------------------------
    def egress_rules(self, sg: Resource) -> list[Rule] | None:
        """The group's egress rules; None when it allows all (no egress rule in the template)."""
        if not self.inline_egress.get(sg):
            return None
        return self.egress[sg]

    def admits(
        self, rules: list[Rule], peer_groups: list[Any], peer_cidrs: list[Any]
    ) -> bool | None:
        """Whether any rule admits TCP 443 from/to the given groups or all of the CIDRs."""
        unknown = False
        for rule in rules:
            ports = _covers_https(rule)
            if ports is False:
                continue
            match = self._peer_match(rule, peer_groups, peer_cidrs)
            if ports is True and match is True:
                return True
            if ports is None or match is None:
                unknown = unknown or match is not False
        return None if unknown else False

    def _peer_match(self, rule: Rule, groups: list[Any], cidrs: list[Any]) -> bool | None:
        if rule.group is not None:
            if is_unknown(rule.group):
                return None
            return any(_same_group(self.model, rule.group, g) for g in groups)
        if rule.prefix_list is not None:
            return None
        if rule.cidr is not None:
            net = self.cidr(rule.cidr)
            if net is None:
                return None
            if not cidrs:
                return None
            nets = [self.cidr(c) for c in cidrs]
            if any(n is None for n in nets):
                return None if net != ANYWHERE else True
            return all(n is not None and n.subnet_of(net) for n in nets)
        return False


def _rule(raw: Any, group_key: str, prefix_key: str) -> Rule:
    return Rule(
        protocol=get_ci(raw, "IpProtocol"),
        from_port=get_ci(raw, "FromPort"),
        to_port=get_ci(raw, "ToPort"),
        cidr=get_ci(raw, "CidrIp"),
        group=get_ci(raw, group_key),
        prefix_list=get_ci(raw, prefix_key),
    )


def _covers_https(rule: Rule) -> bool | None:
    proto = rule.protocol
    if is_unknown(proto):
        return None
    proto_s = str(proto).lower()
    if proto_s in ("-1", "all"):
        return True
    if proto_s not in ("tcp", "6"):
        return False
    try:
        low, high = int(rule.from_port), int(rule.to_port)
    except (TypeError, ValueError):
        return None
    if low == -1 and high == -1:
        return True
    return low <= HTTPS <= high


def _same_group(model: Model, a: Any, b: Any) -> bool:
    ra, rb = model.deref(a), model.deref(b)
    if ra is not None and rb is not None:
        return ra == rb
    if isinstance(a, GetAtt) and isinstance(b, GetAtt):
        return a == b
    return isinstance(a, str) and a == b


# -- per-launch assessment -------------------------------------------------------------------


@dataclass
class Assessment:
    mode: str
    subnets: list[Resource] = field(default_factory=list)
    vpcs: list[Resource] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # NET7
    no_route: list[Resource] = field(default_factory=list)  # NET2 (when no usable endpoint)
    igw_no_ip: list[Resource] = field(default_factory=list)  # NET3 (when no usable endpoint)
    needs_endpoint: bool = False
    ssm_endpoint: Endpoint | None = None  # a usable ssmmessages endpoint
    endpoint_problems: list[tuple[Endpoint, str]] = field(default_factory=list)  # NET5
    egress: bool | None = True
    egress_detail: str = ""
    private_dns_endpoint: Endpoint | None = None
    public_ip_note: str = ""


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
    subnets_raw: list[Any]
    groups_raw: list[Any]
    public_ip: bool | None
    if mode == "awsvpc":
        cfg = launch.awsvpc
        if is_unknown(cfg):
            result.unknown.append(f"network configuration: {unknown_reason(cfg)}")
            return result
        if not isinstance(cfg, dict):
            result.unknown.append("the launch has no awsvpc network configuration in the input")
            return result
        subnets_raw = as_list(get_ci(cfg, "Subnets"))
        groups_raw = as_list(get_ci(cfg, "SecurityGroups"))
        assign = get_ci(cfg, "AssignPublicIp")
        if capacity.kind == "FARGATE":
            if is_unknown(assign):
                public_ip = None
                result.unknown.append(f"AssignPublicIp is {unknown_reason(assign)}")
            else:
                public_ip = isinstance(assign, str) and assign.upper() == "ENABLED"
        else:
            public_ip = False  # awsvpc tasks on EC2 never get a public IP
            result.public_ip_note = "awsvpc tasks on EC2 instances never get a public IP"
        host_subnets: list[list[Any]] = [subnets_raw]
        host_groups: list[list[Any]] = [groups_raw]
        host_ips: list[bool | None] = [public_ip]
    elif mode in ("bridge", "host", "default"):
        if capacity.kind != "EC2":
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
        if not subnets:
            result.unknown.append("no subnets are given (the account's default VPC is used)")
            continue
        for raw in subnets:
            subnet = model.deref(raw, "AWS::EC2::Subnet")
            if subnet is None:
                result.unknown.append(
                    f"a subnet cannot be resolved ({unknown_reason(raw)})"
                    if is_unknown(raw)
                    else f"subnet {describe(raw)} is not in the input"
                )
                continue
            result.subnets.append(subnet)
            vpc = index.vpc_of(subnet)
            if vpc is None:
                result.unknown.append(f"the VPC of subnet {subnet.logical_id} is not in the input")
            elif vpc not in result.vpcs:
                result.vpcs.append(vpc)
            path = index.subnet_path(subnet)
            if isinstance(path, Unknown):
                result.unknown.append(path.reason)
            elif path == "none":
                result.no_route.append(subnet)
            elif path == "igw":
                has_ip = ip
                if has_ip is None:
                    has_ip = truthy(subnet.props.get("MapPublicIpOnLaunch", False))
                if has_ip is None:
                    result.unknown.append(
                        f"whether instances in {subnet.logical_id} get a public IP"
                    )
                elif not has_ip:
                    result.igw_no_ip.append(subnet)
        all_groups.extend(groups)
    result.needs_endpoint = bool(result.no_route or result.igw_no_ip)

    # Security groups of the tasks (or hosts).
    if not all_groups:
        all_groups = [
            GetAtt(v.template.name, v.logical_id, "DefaultSecurityGroup") for v in result.vpcs
        ]
    task_cidrs = [s.props.get("CidrBlock") for s in result.subnets]

    # The ssmmessages endpoints of the VPC(s).
    for vpc in result.vpcs:
        for ep in index.endpoints.get(vpc, ()):
            if ep.service != "ssmmessages":
                continue
            if not ep.interface:
                result.endpoint_problems.append((ep, "it is not an Interface endpoint"))
                continue
            if not ep.security_groups:
                admitted: bool | None = None
                why = "it uses the VPC's default security group"
            else:
                admitted, why = _endpoint_admits(model, index, ep, all_groups, task_cidrs)
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
        dest_cidrs = [_subnet_cidr(model, s) for s in ep.subnets] or [
            v.props.get("CidrBlock") for v in result.vpcs
        ]
        where = f"the ssmmessages endpoint {ep.resource.logical_id}"
    else:
        dest_groups, dest_cidrs, where = [], ["0.0.0.0/0"], "the internet (0.0.0.0/0)"
    result.egress, result.egress_detail = egress_allows(
        model, index, all_groups, dest_groups, dest_cidrs
    )
    result.egress_detail = result.egress_detail or where
    return result


def _subnet_cidr(model: Model, raw: Any) -> Any:
    subnet = model.deref(raw, "AWS::EC2::Subnet")
    return subnet.props.get("CidrBlock") if subnet is not None else None


def _endpoint_admits(
    model: Model, index: NetworkIndex, ep: Endpoint, groups: list[Any], cidrs: list[Any]
) -> tuple[bool | None, str]:
    unknown = False
    for raw in ep.security_groups:
        sg = model.deref(raw, "AWS::EC2::SecurityGroup")
        if sg is None:
            unknown = True
            continue
        verdict = index.admits(index.ingress.get(sg, []), groups, cidrs)
        if verdict is True:
            return True, ""
        if verdict is None:
            unknown = True
    return (None, "a security group or rule cannot be resolved") if unknown else (False, "")


def egress_allows(
    model: Model,
    index: NetworkIndex,
    groups: list[Any],
    dest_groups: list[Any],
    dest_cidrs: list[Any],
) -> tuple[bool | None, str]:
    """Whether one of ``groups`` allows egress TCP 443 to a destination (None: unknown, why)."""
    unknown: list[str] = []
    for raw in groups:
        if isinstance(raw, GetAtt) and raw.attribute == "DefaultSecurityGroup":
            vpc = model.deref(Ref(raw.template, raw.logical_id))
            if vpc is not None and vpc in index.restricted_default_sg:
                continue  # CDK removed its rules
            if vpc is not None:
                return True, ""
            unknown.append("the VPC default security group")
            continue
        sg = model.deref(raw, "AWS::EC2::SecurityGroup")
        if sg is None:
            unknown.append(
                f"a security group cannot be resolved ({unknown_reason(raw)})"
                if is_unknown(raw)
                else f"security group {describe(raw)} is not in the input"
            )
            continue
        rules = index.egress_rules(sg)
        if rules is None:
            return True, ""
        verdict = index.admits(rules, dest_groups, dest_cidrs)
        if verdict is True:
            return True, ""
        if verdict is None:
            unknown.append(f"an egress rule of {sg.logical_id} cannot be resolved")
    if unknown:
        return None, "; ".join(unknown)
    return False, ""


def service_endpoints(index: NetworkIndex, vpcs: list[Resource]) -> set[str]:
    found: set[str] = set()
    for vpc in vpcs:
        for ep in index.endpoints.get(vpc, ()):
            if ep.service in ("logs", "kms") and ep.interface and ep.private_dns:
                found.add(ep.service)
            elif ep.service == "s3":
                found.add("s3")
    return found
