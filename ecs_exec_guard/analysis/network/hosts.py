"""Container instances (EC2): the Auto Scaling groups and instances an ECS cluster runs on, and
the launch templates of its ECS Managed Instances capacity providers.

For bridge/host tasks the path to ssmmessages is the instance's subnet; PLT2 also reads the AMI
from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..intrinsics import Unknown
from ..launches import Capacity, referenced
from ..model import Model, Resource, as_list, get_ci, truthy


@dataclass
class Host:
    """A group of container instances: an Auto Scaling group or a single instance."""

    resource: Resource
    ami_source: Resource | None  # the launch template / configuration / instance with ImageId
    image_id: Any
    subnets: list[Any]
    security_groups: list[Any]
    public_ip: bool | None  # None: decided by the subnet
    #: ECS Managed Instances: AWS picks and patches the AMI (no AMI to check).
    managed: bool = False


def container_hosts(model: Model, capacity: Capacity, cluster: Resource | None) -> list[Host]:
    """The container instances of a launch's capacity (computed once per capacity/cluster)."""
    hosts: list[Host] = model.cached(
        ("container-hosts", tuple(capacity.providers), cluster),
        lambda: _container_hosts(model, capacity, cluster),
    )
    return hosts


def _container_hosts(model: Model, capacity: Capacity, cluster: Resource | None) -> list[Host]:
    asgs: list[Resource] = []
    managed: list[Host] = []
    for provider in capacity.providers:
        mip = provider.props.get("ManagedInstancesProvider")
        if mip is not None:
            # The launch template's network: where host-mode tasks and daemons run.
            net = get_ci(get_ci(mip, "InstanceLaunchTemplate"), "NetworkConfiguration")
            subnets, groups = get_ci(net, "Subnets"), get_ci(net, "SecurityGroups")
            managed.append(Host(provider, None, None, as_list(subnets), as_list(groups), None,
                                managed=True))
            continue
        asg_ref = get_ci(provider.props.get("AutoScalingGroupProvider"), "AutoScalingGroupArn")
        asg = model.deref(asg_ref, "AWS::AutoScaling::AutoScalingGroup")
        if asg is None and isinstance(asg_ref, str):
            asg = _asg_by_name(model, asg_ref.rsplit("/", 1)[-1])
        if asg is not None:
            asgs.append(asg)
    hosts = managed + [_asg_host(model, asg) for asg in asgs]
    if not capacity.providers and cluster is not None:
        hosts.extend(_joining(model).get(cluster, ()))
    return hosts


def _joining(model: Model) -> dict[Resource, list[Host]]:
    """Cluster -> the instances that join it through their user data (``ECS_CLUSTER=...``),
    found in one pass over the instances (not one per cluster)."""

    def build() -> dict[Resource, list[Host]]:
        out: dict[Resource, list[Host]] = {}
        clusters = {
            (c.template.name, c.logical_id): c for c in model.resources("AWS::ECS::Cluster")
        }
        for asg in model.resources("AWS::AutoScaling::AutoScalingGroup"):
            host = _asg_host(model, asg)
            if host.ami_source is not None:
                for c in _mentioned(_user_data(host.ami_source), clusters):
                    out.setdefault(c, []).append(host)
        for inst in model.resources("AWS::EC2::Instance"):
            for c in _mentioned(inst.props.get("UserData"), clusters):
                out.setdefault(c, []).append(_instance_host(inst))
        return out

    found: dict[Resource, list[Host]] = model.cached(("joining-hosts",), build)
    return found


def _mentioned(user_data: Any, named: dict[tuple[str, str], Resource]) -> list[Resource]:
    """The clusters a user data value mentions, looked up by its references."""
    found: dict[Resource, None] = {}
    for ref in referenced(user_data):
        c = named.get((ref.template, ref.logical_id))
        if c is not None:
            found[c] = None
    return list(found)


def _instance_host(inst: Resource) -> Host:
    """A single instance: its subnet and groups are on the instance or on its first NIC."""
    nics = inst.props.get("NetworkInterfaces")
    # Copies: the NICs' items are added to them, never to the instance's resolved properties.
    subnets = list(as_list(inst.props.get("SubnetId")))
    groups = list(as_list(inst.props.get("SecurityGroupIds")))
    for nic in as_list(nics):
        subnets.extend(as_list(get_ci(nic, "SubnetId")))
        groups.extend(as_list(get_ci(nic, "GroupSet")))
    return Host(inst, inst, inst.props.get("ImageId"), subnets, groups, _nic_public_ip(nics))


def _asg_by_name(model: Model, name: str) -> Resource | None:
    return model.by_name("AWS::AutoScaling::AutoScalingGroup", "AutoScalingGroupName").get(name)


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
            source = model.by_name("AWS::EC2::LaunchTemplate", "LaunchTemplateName").get(lt_ref)
        if source is not None:
            data = source.props.get("LaunchTemplateData")
            image = get_ci(data, "ImageId")
            # A copy: the NICs' groups are added to it, not to the launch template's data.
            groups = list(as_list(get_ci(data, "SecurityGroupIds")))
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
